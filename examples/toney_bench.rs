//! Toney over demo data: `boptone demo` into a temporary directory (its
//! Bops shaped so that Tuesday ones clearly outperform), then every
//! artist's insights computed and one chat answer made, timed. Prints the
//! first artist's insights and the p50/p99 of each.
//!
//! `cargo run --release --example toney_bench [bops] [artists]`

use std::time::Instant;

use boptone::config::Config;
use boptone::core::ids::ArtistId;
use boptone::db::Db;
use boptone::toney::insights::{self, Setup};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let bops: u32 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(2_000);
    let artists: u32 = std::env::args().nth(2).map(|n| n.parse()).transpose()?.unwrap_or(8);
    let dir = tempfile::tempdir()?;
    let mut config = Config::defaults();
    config.data.dir = dir.path().join("data");
    let size =
        boptone::demo::DemoSize { artists, fans: 50, bops, password: "benchmark-password".into(), heavy_follows: 0 };
    boptone::demo::run(&config, &size)?;
    let db = Db::open_migrated(&config.database_path())?;
    let analytics = boptone::analytics::AnalyticsConfig::from_config(&config)?;
    let setup = Setup { currency: analytics.currency(), loyalty: analytics.loyalty };
    let now = boptone::db::now_ms();
    let ids: Vec<ArtistId> = db.read_blocking(|c| {
        c.prepare("SELECT id FROM artist_profiles ORDER BY id")?.query_map([], |r| r.get(0))?.collect()
    })?;
    let first = db.read_blocking(|c| insights::for_artist(c, ids[0], &setup, now))?;
    println!("artist 1: {} insights", first.len());
    for insight in &first {
        println!("  [{:?}] {}", insight.kind, insight.sentence);
    }
    let (mut all, mut chat) = (Vec::new(), Vec::new());
    for round in 0..20 {
        for &artist in &ids {
            let started = Instant::now();
            db.read_blocking(|c| insights::for_artist(c, artist, &setup, now))?;
            all.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            let facts = db.read_blocking(|c| insights::load(c, artist, &setup, now))?;
            let question = ["when should I post?", "what sold best?", "how are tips doing?"][round % 3];
            std::hint::black_box(boptone::toney::chat::answer(question, &facts));
            chat.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for (name, times) in [("all insights, one artist", &mut all), ("chat answer (offline)", &mut chat)] {
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: p50 {:.2} ms, p99 {:.2} ms ({} runs)",
            percentile(times, 0.5),
            percentile(times, 0.99),
            times.len()
        );
    }
    Ok(())
}
