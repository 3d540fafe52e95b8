//! Toney over demo data: `boptone demo` into a temporary directory (its
//! Bops shaped so that Tuesday ones clearly outperform), then every
//! artist's insights computed, one chat answer and last month's report made, timed. Prints the
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

/// The demo spans 90 days; a year of older history per artist (three Bop
/// launches a day and a month rollup for each of the twelve months before)
/// makes the figures those of an artist a year in.
fn add_a_year(db: &Db) -> anyhow::Result<()> {
    let now = boptone::db::now_ms();
    db.write_blocking::<_, anyhow::Error, _>(boptone::db::Durability::Normal, |tx| {
        tx.execute(
            "INSERT OR IGNORE INTO toney_bop_launches (bop_uid, artist_id, published_at, weekday, hour, views_48h)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1094),
             t AS (SELECT a.id AS artist, n.i AS i, ?1 - 90 * 86400000 - n.i * 8 * 3600000 AS at FROM artist_profiles a, n)
             SELECT 'year-' || artist || '-' || i, artist, at,
                    (CAST(strftime('%w', at / 1000, 'unixepoch') AS INTEGER) + 6) % 7,
                    CAST(strftime('%H', at / 1000, 'unixepoch') AS INTEGER), i % 17 FROM t",
            [now],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO artist_analytics_monthly (artist_id, month, views, tips_micros, shop_micros, net_micros)
             WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 12)
             SELECT a.id, strftime('%Y-%m', ?1 / 1000, 'unixepoch', 'start of month', '-' || m.i || ' months'),
                    1000 * m.i, 5000000 * m.i, 9000000, 14000000 * m.i FROM artist_profiles a, m",
            [now],
        )?;
        Ok(())
    })
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
    add_a_year(&db)?;
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
    let last_month = boptone::analytics::statements::Month::of(boptone::analytics::earnings_day(now)).previous();
    let (mut all, mut chat, mut report) = (Vec::new(), Vec::new(), Vec::new());
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
            let started = Instant::now();
            std::hint::black_box(
                db.read_blocking(|c| boptone::toney::report::compute(c, artist, last_month, &setup, now))?,
            );
            report.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for (name, times) in [
        ("all insights, one artist", &mut all),
        ("chat answer (offline)", &mut chat),
        ("last month's report, one artist", &mut report),
    ] {
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
