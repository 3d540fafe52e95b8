use std::process::ExitCode;

use clap::Parser;

/// mimalloc hands freed large blocks (each password hash's 19 MiB) back to
/// the OS; glibc's malloc keeps them in per-thread arenas for good.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
