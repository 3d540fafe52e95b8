//! Times `probe_master` (decode + EBU R128 loudness/true peak + SHA-256/MD5) and the FLAC
//! rendition on a synthesised 5-minute 24-bit/96 kHz stereo WAV (~173 MB).
//!
//! Run: `cargo run --release --example loudness_bench` (set `BENCH_MINUTES` to change length).

use std::time::Instant;

use boptone::music::audio::synth::{WavSpec, write_wav};
use boptone::music::audio::{encode_flac_rendition, probe_master, warnings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let minutes: f64 = std::env::var("BENCH_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(5.0);
    let dir = tempfile::tempdir()?;
    let master = dir.path().join("master.wav");
    let spec = WavSpec { sample_rate: 96_000, bits: 24, channels: 2 };

    let t = Instant::now();
    write_wav(&master, spec, minutes * 60.0, 997.0, 0.25)?;
    let size = std::fs::metadata(&master)?.len();
    println!("synth   {:>7.2} s  ({:.1} MB, {minutes} min 24-bit/96 kHz stereo WAV)", secs(t), size as f64 / 1e6);

    let t = Instant::now();
    let info = probe_master(&master)?;
    println!(
        "probe   {:>7.2} s  ({:.2} LUFS, {:.2} dBTP, sha256 {}…)",
        secs(t),
        info.integrated_lufs.unwrap_or(f64::NEG_INFINITY),
        info.true_peak_dbtp,
        &info.sha256_hex[..12]
    );
    println!("        warnings: {:?}", warnings(&info));
    let rss_after_probe = peak_rss_kib();

    let out = dir.path().join("rendition.flac");
    let t = Instant::now();
    let r = encode_flac_rendition(&master, &out)?;
    println!("flac    {:>7.2} s  ({:.1} MB, {} ms)", secs(t), r.bytes as f64 / 1e6, r.duration_ms);
    println!("peak RSS after probe {} KiB, at end {} KiB", rss_after_probe, peak_rss_kib());
    Ok(())
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// VmHWM from /proc/self/status (Linux); 0 elsewhere.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
