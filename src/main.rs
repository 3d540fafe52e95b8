use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = boptone::cli::Cli::parse();
    match boptone::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
