//! A 100,000-row DistroKid statement, read and imported for real: a demo
//! data directory (published EPs with ISRCs) takes the statement, whose
//! rows match its tracks (nine in ten) or nothing (held as unmatched); the
//! payments are split into the ledger in one durable transaction. Prints
//! the time to read, and to import end to end, and the peak resident memory
//! each added (Linux `/proc/self/status`).
//!
//! `cargo run --release --example royalty_bench [rows]`

use std::io::{BufWriter, Write};
use std::time::Instant;

use boptone::config::Config;
use boptone::db::Db;
use boptone::music::royalties::reader::{ColumnMapping, read_statement};

const HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)";
const STORES: [&str; 5] = ["Spotify", "Apple Music", "YouTube (Ads)", "Amazon Unlimited", "TikTok"];

/// A `/proc/self/status` field in KiB (0 where unavailable).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let rows: u64 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let mut config = Config::defaults();
    config.data.dir = dir.path().join("data");
    let size = boptone::demo::DemoSize {
        artists: 12,
        fans: 1,
        bops: 1,
        password: "benchmark-password".into(),
        heavy_follows: 0,
    };
    boptone::demo::run(&config, &size)?;
    let db = Db::open_migrated(&config.database_path())?;
    let isrcs = db.read_blocking(boptone::music::repo::list_coded_tracks)?;

    let path = dir.path().join("statement.tsv");
    {
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        writeln!(out, "{HEADER}")?;
        for i in 0..rows {
            let (title, isrc) = if i % 10 == 9 {
                ("Not Ours".to_owned(), format!("QZXXX24{:05}", i % 100_000))
            } else {
                isrcs[(i as usize) % isrcs.len()].clone()
            };
            writeln!(
                out,
                "2024-05-07\t2024-{:02}\t{}\tArtist\t{title}\t{isrc}\t\t{}\t100\tSong\tUS\t0\t0.{:012}",
                i % 12 + 1,
                STORES[(i % 5) as usize],
                i % 1_000,
                (i * 7_919_123) % 1_000_000_000_000
            )?;
        }
        out.flush()?;
    }
    let bytes = std::fs::metadata(&path)?.len();

    // The demo load above peaked higher than what follows: reset the peak
    // (Linux: writing 5 to clear_refs) so it measures this work alone. The
    // import runs first: the allocator keeps what a step freed, so a later
    // step's peak would include the earlier one's.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let rss_start = status_kib("VmRSS:");
    let started = Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(&path)?);
    let mapping = ColumnMapping::distrokid();
    let report = boptone::music::royalties::import_blocking(&db, input, "bench.tsv", ("distrokid", &mapping), None)?;
    let imported = started.elapsed();
    let hwm_import = status_kib("VmHWM:");

    let started = Instant::now();
    let statement = read_statement(std::fs::File::open(&path)?, &ColumnMapping::distrokid())?;
    let read = started.elapsed();
    let hwm_read = status_kib("VmHWM:");
    drop(statement);

    println!(
        "rows:                {} ({} matched, {} unmatched)",
        report.rows, report.matched_rows, report.unmatched_rows
    );
    println!("file:                {:.1} MiB", bytes as f64 / 1_048_576.0);
    println!(
        "import (read, match, record, split): {:.3} s, peak RSS +{} KiB over the start",
        imported.as_secs_f64(),
        hwm_import.saturating_sub(rss_start)
    );
    println!(
        "read_statement (every row kept, for comparison): {:.3} s, peak RSS +{} KiB",
        read.as_secs_f64(),
        hwm_read.saturating_sub(rss_start)
    );
    println!("payments recorded:   {}", report.payments);
    Ok(())
}
