//! Times `read_statement` on a generated 100,000-row DistroKid export and
//! reports the peak resident memory it added (Linux `/proc/self/status`).
//!
//! `cargo run --release --example royalty_bench [rows]`

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::time::Instant;

use boptone::ledger::money::Micros;
use boptone::music::royalties::reader::{ColumnMapping, read_statement};

const HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)";
const STORES: [&str; 5] = ["Spotify", "Apple Music", "YouTube (Ads)", "Amazon Unlimited", "TikTok"];

/// A `/proc/self/status` field in KiB (0 where unavailable).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: u64 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let mut file = tempfile::tempfile()?;
    {
        let mut out = BufWriter::new(&mut file);
        writeln!(out, "{HEADER}")?;
        for i in 0..rows {
            writeln!(
                out,
                "2024-05-07\t2024-{:02}\t{}\tArtist {}\tSong {} & Friends\tQZK6P24{:05}\t8597123{:05}\t{}\t100\tSong\tUS\t0\t{}.{:012}",
                i % 12 + 1,
                STORES[(i % 5) as usize],
                i % 40,
                i % 2_000,
                i % 100_000,
                i % 2_000,
                i % 1_000,
                i % 3,
                (i * 7_919_123) % 1_000_000_000_000
            )?;
        }
        out.flush()?;
    }
    let bytes = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;

    let hwm_before = status_kib("VmHWM:");
    let started = Instant::now();
    let statement = read_statement(&file, &ColumnMapping::distrokid())?;
    let elapsed = started.elapsed();
    let hwm_after = status_kib("VmHWM:");

    let total = Micros::checked_sum(statement.rows.iter().map(|r| r.amount)).ok_or("sum overflowed")?;
    println!("rows:            {}", statement.rows.len());
    println!("file:            {:.1} MiB", bytes as f64 / 1_048_576.0);
    println!("read_statement:  {:.3} s", elapsed.as_secs_f64());
    println!("peak RSS:        {hwm_before} KiB before, {hwm_after} KiB after (+{} KiB)", hwm_after - hwm_before);
    println!("per row:         {:.0} bytes of peak RSS", (hwm_after - hwm_before) as f64 * 1024.0 / rows.max(1) as f64);
    println!("total earnings:  {total} USD");
    println!("sha256:          {}", statement.sha256_hex);
    Ok(())
}
