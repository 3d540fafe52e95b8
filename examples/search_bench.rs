//! Search over demo data, through HTTP: `boptone demo` into a temporary
//! directory (or an existing data directory), the real server on a
//! loopback port, then `GET /api/v1/search?q=…` over a mix of texts —
//! common words that match a fifth of every Bop, prefixes, hashtags,
//! handles, several words, no match — from two clients at once. Prints
//! the p50/p99 of all requests and the slowest texts. The target: p99
//! ≤ 10 ms over 1M Bops.
//!
//!   cargo run --release --example search_bench [bops] [artists]
//!   cargo run --release --example search_bench -- --data-dir DIR   # a directory `boptone demo` filled
//!
//! `boptone demo --bops 1000000` takes minutes; keep its directory and
//! point `--data-dir` at it to measure again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use boptone::config::Config;
use boptone::startup::Application;

/// What fans type: the demo's caption words (each in 1 of 5 captions),
/// prefixes of 2 and 3 letters, tags, handles, phrases, misses.
const TEXTS: &[&str] = &[
    "studio",
    "st",
    "sess",
    "rehearsal night",
    // Two common words never in one caption: the intersection walks both.
    "studio rehearsal",
    "turn it up",
    "hook i can",
    "drop fri",
    "#live",
    "#newmusic",
    "#acou",
    "@demo_artist_1",
    "@demo",
    "demo artist 7",
    "tee",
    "poster",
    "ep",
    "night bus",
    "beyo",
    "zzzz nothing",
    "n",
    "\"NEAR( * -",
];

const ROUNDS: usize = 40;
const CLIENTS: usize = 2;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let _temp;
    let mut config = Config::defaults();
    if let Some(at) = args.iter().position(|a| a == "--data-dir") {
        config.data.dir = args.get(at + 1).ok_or_else(|| anyhow::anyhow!("--data-dir needs a directory"))?.into();
    } else {
        let bops: u32 = args.first().map(|n| n.parse()).transpose()?.unwrap_or(20_000);
        let artists: u32 = args.get(1).map(|n| n.parse()).transpose()?.unwrap_or(50);
        _temp = tempfile::tempdir()?;
        config.data.dir = _temp.path().join("data");
        let size = boptone::demo::DemoSize {
            artists,
            fans: 100,
            bops,
            password: "benchmark-password".into(),
            heavy_follows: 0,
        };
        let config = config.clone();
        tokio::task::spawn_blocking(move || boptone::demo::run(&config, &size)).await??;
    }
    config.server.listen = "127.0.0.1:0".parse()?;
    // Every request comes from this one address: lift its budget.
    config.set("search.per_ip_per_minute", 1_000_000_000_i64);
    config.log.level = "warn".into();
    let app = Application::build(config).await?;
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        stopped.await.ok();
    }));

    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    for text in TEXTS {
        let body: serde_json::Value = client.get(url(&base, text)).send().await?.json().await?;
        let counts: Vec<usize> =
            ["artists", "bops", "tracks", "products"].iter().map(|k| body[k].as_array().map_or(0, Vec::len)).collect();
        println!("{text:>18}: artists {} bops {} tracks {} products {}", counts[0], counts[1], counts[2], counts[3]);
    }
    let mut workers = Vec::new();
    for worker in 0..CLIENTS {
        let (client, base) = (client.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            let mut times: Vec<(&str, f64)> = Vec::new();
            for round in 0..ROUNDS {
                for i in 0..TEXTS.len() {
                    let text = TEXTS[(i + round + worker * 7) % TEXTS.len()];
                    let started = Instant::now();
                    let response = client.get(url(&base, text)).send().await?;
                    anyhow::ensure!(response.status() == 200, "{text}: {}", response.status());
                    response.bytes().await?;
                    times.push((text, started.elapsed().as_secs_f64() * 1000.0));
                }
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    let mut by_text: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for worker in workers {
        for (text, ms) in worker.await?? {
            all.push(ms);
            by_text.entry(text).or_default().push(ms);
        }
    }
    all.sort_by(f64::total_cmp);
    println!(
        "GET /api/v1/search, {CLIENTS} clients: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} requests)",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default(),
        all.len()
    );
    let mut slowest: Vec<(&str, f64)> = by_text
        .iter_mut()
        .map(|(text, times)| {
            times.sort_by(f64::total_cmp);
            (*text, percentile(times, 0.99))
        })
        .collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (text, p99) in slowest.iter().take(5) {
        println!("  slowest: {text:?} p99 {p99:.2} ms");
    }
    stop.send(()).ok();
    server.await??;
    Ok(())
}

fn url(base: &str, text: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    format!("{base}/api/v1/search?q={q}")
}
