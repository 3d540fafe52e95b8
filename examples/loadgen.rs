//! A small closed-loop load generator for Boptone's benchmarks: N workers send
//! requests back to back for a fixed time (bounded, loopback only) and the
//! latency distribution is printed.
//!
//!   cargo run --release --example loadgen -- URL [workers] [seconds] [bearer-token] [method]
//!
//! `{id}` in URL is replaced by ids from LOADGEN_IDS (comma-separated), in turn.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().cloned().unwrap_or_else(|| "http://127.0.0.1:8080/healthz".into());
    let workers: usize = args.get(1).map_or(Ok(16), |s| s.parse())?;
    let seconds: u64 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let token = args.get(3).filter(|t| !t.is_empty()).cloned();
    let method: reqwest::Method = args.get(4).map_or(Ok(reqwest::Method::GET), |m| m.parse())?;
    let ids: Arc<Vec<String>> = Arc::new(
        std::env::var("LOADGEN_IDS")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    );
    let host = reqwest::Url::parse(&url.replace("{id}", "x"))?.host_str().unwrap_or_default().to_owned();
    anyhow::ensure!(host == "127.0.0.1" || host == "localhost" || host == "[::1]", "loadgen only targets loopback");

    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(workers).build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (client, url, token, method, ids, next) =
                (client.clone(), url.clone(), token.clone(), method.clone(), ids.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let target = if ids.is_empty() {
                        url.clone()
                    } else {
                        url.replace("{id}", &ids[next.fetch_add(1, Ordering::Relaxed) % ids.len()])
                    };
                    let started = Instant::now();
                    let mut request = client.request(method.clone(), &target);
                    if let Some(token) = &token {
                        request = request.bearer_auth(token);
                    }
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            latencies.push(started.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await?;
        all.extend(latencies);
        errors += failed;
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    println!(
        "{method} {url}: {} ok, {errors} failed in {seconds}s = {:.0} req/s; p50 {:?} p99 {:?} max {:?}",
        all.len(),
        all.len() as f64 / seconds as f64,
        pct(0.50),
        pct(0.99),
        all.last().copied().unwrap_or_default()
    );
    Ok(())
}
