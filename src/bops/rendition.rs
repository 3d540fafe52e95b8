//! The low rendition of a Bop's video, for slow connections (issue 14).
//!
//! Publishing a Bop queues a job (a `bops_renditions` row, written in the
//! publish transaction). One task makes the renditions, one at a time, when
//! `bops.ffmpeg` names a program that exists: it copies the original from
//! the store into a temporary file under `DATA/renditions/`, runs ffmpeg
//! (niced, one thread, a wall-clock limit) to make an MP4 of H.264 (main
//! profile) and AAC, at most [`MAX_SHORT_SIDE`] px on the short side, about
//! [`VIDEO_KBPS`] kb/s video and [`AUDIO_KBPS`] kb/s audio, with its index
//! first (`+faststart`), checks the result with the probe, and stores it
//! next to the original (`bops/<upload>/low.mp4`). The Bop's
//! `low_video_key` then names it: the API hands it out as `video_low_url`,
//! the media route serves it by the video's own rules, and the purge of
//! deleted media removes it with the video.
//!
//! Not made ("skipped") when the original already averages at most
//! [`WORTH_KBPS`] kb/s, or when the result would not be at least a fifth
//! smaller than the original. A failed attempt is tried again after 1, 2,
//! 4 … minutes, `bops.rendition_max_attempts` times in all; then the job is
//! "failed". Either way the Bop plays its original: nothing here can harm it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::sync::Notify;

use super::probe::probe;
use super::repo::{self, RenditionJob, RenditionOutcome};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::media::{Media, MediaKey};

/// The rendition's largest short side, in pixels.
pub const MAX_SHORT_SIDE: u32 = 480;
/// Its video and audio bitrates, in kb/s.
pub const VIDEO_KBPS: u32 = 700;
pub const AUDIO_KBPS: u32 = 64;
/// Originals averaging at most this (a quarter above the rendition's own
/// rate) are left alone: a rendition would save little.
pub const WORTH_KBPS: i64 = (VIDEO_KBPS as i64 + AUDIO_KBPS as i64) * 5 / 4;
/// A rendition is kept only when it is at most this share of the original's bytes.
const KEEP_PERCENT: u64 = 80;
/// How often the task looks for due retries when nothing wakes it.
const POLL: Duration = Duration::from_secs(60);
/// The first retry's delay; it doubles on each further failure.
const BACKOFF_BASE_MS: i64 = 60_000;
/// How much of ffmpeg's complaint is kept as the job's last error.
const ERROR_TAIL: usize = 600;

/// The renditions' settings and the task's signals.
pub struct Renditions {
    /// ffmpeg, when configured and found.
    ffmpeg: Option<PathBuf>,
    /// `nice`, to run ffmpeg below the server's priority, when found.
    nice: Option<PathBuf>,
    timeout: Duration,
    max_attempts: u32,
    /// `DATA/renditions`: the temporary files of the rendition in progress.
    work_dir: PathBuf,
    wake: Notify,
    /// Held while a round runs, so renditions are made one at a time.
    round: tokio::sync::Mutex<()>,
}

impl Renditions {
    /// Looks for ffmpeg once, and says in one log line when there is none.
    pub fn new(config: &super::config::BopsConfig, data_dir: &Path) -> Renditions {
        let configured = config.ffmpeg.trim();
        let ffmpeg = if configured.is_empty() {
            tracing::info!("bops.ffmpeg is empty: no low renditions are made; Bops play their original");
            None
        } else {
            let found = find_program(configured);
            match &found {
                Some(path) => tracing::debug!(ffmpeg = %path.display(), "low renditions are made with ffmpeg"),
                None => tracing::info!(
                    ffmpeg = configured,
                    "ffmpeg not found: no low renditions are made; Bops play their original \
                     (install ffmpeg, or set bops.ffmpeg to its path)"
                ),
            }
            found
        };
        Renditions {
            ffmpeg,
            nice: find_program("nice"),
            timeout: Duration::from_secs(config.rendition_timeout_secs),
            max_attempts: config.rendition_max_attempts,
            work_dir: data_dir.join("renditions"),
            wake: Notify::new(),
            round: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether renditions are made at all.
    pub fn enabled(&self) -> bool {
        self.ffmpeg.is_some()
    }

    /// Tells the task a job was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Holds the maker's turn: no rendition starts until the guard is
    /// dropped (for tests that must act before the task does).
    pub async fn hold(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.round.lock().await
    }
}

/// Finds a program by name on `PATH`, or at the path given.
fn find_program(name: &str) -> Option<PathBuf> {
    let runnable = |path: &Path| {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let path = PathBuf::from(name);
        return runnable(&path).then_some(path);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|path| runnable(path))
}

/// The task that makes renditions: at start, then whenever a Bop is
/// published, and every minute for retries. Without ffmpeg it ends at once.
pub fn spawn(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let renditions = &super::state(state).renditions;
    if !renditions.enabled() {
        return None;
    }
    let state = state.clone();
    Some(tokio::spawn(async move {
        let renditions = &super::state(&state).renditions;
        // Whatever a stopped process left half-made.
        let _ = tokio::fs::remove_dir_all(&renditions.work_dir).await;
        loop {
            let wait = match run_due(&state).await {
                Ok(_) => {
                    let next = state.db.read(repo::next_rendition_due_at).await.ok().flatten();
                    next.map_or(POLL, |at| {
                        Duration::from_millis(u64::try_from(at - state.clock.now_ms()).unwrap_or(0)).min(POLL)
                    })
                }
                Err(err) => {
                    tracing::warn!(error = %err, "low renditions: trying again in a minute");
                    POLL
                }
            };
            let _ = tokio::time::timeout(wait, renditions.wake.notified()).await;
        }
    }))
}

/// Makes every rendition that is due, one at a time; returns how many jobs
/// it settled (made, skipped, or failed an attempt). Nothing without ffmpeg.
pub async fn run_due(state: &AppState) -> AppResult<usize> {
    let renditions = &super::state(state).renditions;
    let Some(ffmpeg) = renditions.ffmpeg.as_deref() else { return Ok(0) };
    let _one_at_a_time = renditions.round.lock().await;
    let mut settled = 0;
    loop {
        let now = state.clock.now_ms();
        let Some(job) = state.db.read(move |c| repo::next_due_rendition(c, now)).await? else {
            return Ok(settled);
        };
        run_one(state, renditions, ffmpeg, &job).await?;
        settled += 1;
    }
}

async fn run_one(state: &AppState, renditions: &Renditions, ffmpeg: &Path, job: &RenditionJob) -> AppResult<()> {
    if job.deleted {
        return settle(state, job, RenditionOutcome::Skipped, "The Bop was deleted first.").await;
    }
    let kbps = average_kbps(job.size_bytes, job.duration_ms);
    if kbps <= WORTH_KBPS {
        let why = format!("The original averages {kbps} kb/s already.");
        return settle(state, job, RenditionOutcome::Skipped, &why).await;
    }
    let key = low_key(job);
    match make(state, renditions, ffmpeg, job, &key).await {
        Ok(Made::Stored { width, height, size }) => {
            let (id, key_text, now) = (job.bop_id, key.as_str().to_owned(), state.clock.now_ms());
            let purged = state
                .db
                .write::<_, AppError, _>(move |tx| {
                    Ok(repo::rendition_made(tx, id, &key_text, (width, height, size), now)?)
                })
                .await?;
            if purged {
                // The Bop was deleted and its files purged while this was made.
                state.media.delete(&key).await?;
            }
            tracing::info!(bop = %job.bop_uid, width, height, size, original = job.size_bytes, "low rendition made");
            Ok(())
        }
        Ok(Made::NotSmaller { size }) => {
            let why = format!("The rendition ({size} bytes) was not much smaller than the original.");
            settle(state, job, RenditionOutcome::Skipped, &why).await
        }
        Err(why) => {
            let failures = u32::try_from(job.attempts + 1).unwrap_or(u32::MAX);
            let retry_at = (failures < renditions.max_attempts)
                .then(|| state.clock.now_ms() + BACKOFF_BASE_MS * (1 << (failures - 1).min(10)));
            match retry_at {
                Some(_) => tracing::warn!(bop = %job.bop_uid, attempts = failures, error = %why,
                    "low rendition failed; trying again later (the Bop plays its original)"),
                None => tracing::warn!(bop = %job.bop_uid, attempts = failures, error = %why,
                    "low rendition failed for good; the Bop plays its original only"),
            }
            settle(state, job, RenditionOutcome::Failed { retry_at }, &why).await
        }
    }
}

async fn settle(state: &AppState, job: &RenditionJob, outcome: RenditionOutcome, why: &str) -> AppResult<()> {
    let (id, why, now) = (job.bop_id, why.to_owned(), state.clock.now_ms());
    state.db.write::<_, AppError, _>(move |tx| Ok(repo::rendition_not_made(tx, id, outcome, &why, now)?)).await
}

/// Average bitrate in kb/s (bits per millisecond).
fn average_kbps(size_bytes: i64, duration_ms: i64) -> i64 {
    size_bytes.saturating_mul(8) / duration_ms.max(1)
}

/// `bops/<upload>/low.mp4` beside an uploaded original; Bops whose video
/// lies elsewhere (the demo's shared clips) get `bops/<bop>/low.mp4`.
fn low_key(job: &RenditionJob) -> MediaKey {
    let beside = job
        .video_key
        .rsplit_once('/')
        .map(|(dir, _)| dir)
        .filter(|dir| dir.starts_with("bops/"))
        .map(|dir| format!("{dir}/low.mp4"));
    let key = beside.unwrap_or_else(|| format!("bops/{}/low.mp4", job.bop_uid));
    MediaKey::parse(&key)
        .unwrap_or_else(|| MediaKey::parse(&format!("bops/{}/low.mp4", job.bop_uid)).expect("generated keys are valid"))
}

enum Made {
    Stored {
        width: u32,
        height: u32,
        size: u64,
    },
    /// Made, but not smaller enough to keep.
    NotSmaller {
        size: u64,
    },
}

/// Makes and stores the rendition of `job` as `key`; the error says why not.
async fn make(
    state: &AppState,
    renditions: &Renditions,
    ffmpeg: &Path,
    job: &RenditionJob,
    key: &MediaKey,
) -> Result<Made, String> {
    tokio::fs::create_dir_all(&renditions.work_dir)
        .await
        .map_err(|e| format!("cannot make the work directory: {e}"))?;
    let work = tempfile::Builder::new()
        .prefix("rendition-")
        .tempdir_in(&renditions.work_dir)
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let (input, output, log) =
        (work.path().join("original"), work.path().join("low.mp4"), work.path().join("ffmpeg.log"));
    let original = MediaKey::parse(&job.video_key).ok_or("the video's key is not valid")?;
    state.media.get_to_file(&original, &input).await.map_err(|e| format!("cannot read the original: {e}"))?;
    transcode(renditions, ffmpeg, &input, &output, &log).await?;
    let size = tokio::fs::metadata(&output).await.map_err(|e| format!("ffmpeg wrote nothing: {e}"))?.len();
    let original_size = u64::try_from(job.size_bytes).unwrap_or(u64::MAX);
    if size.saturating_mul(100) > original_size.saturating_mul(KEEP_PERCENT) {
        return Ok(Made::NotSmaller { size });
    }
    state.media.put_file(key, &output, "video/mp4").await.map_err(|e| format!("cannot store the rendition: {e}"))?;
    match check(&state.media, key, size).await {
        Ok((width, height)) => Ok(Made::Stored { width, height, size }),
        Err(why) => {
            let _ = state.media.delete(key).await;
            Err(why)
        }
    }
}

/// The stored rendition is a video the probe reads, within the size.
async fn check(media: &Media, key: &MediaKey, size: u64) -> Result<(u32, u32), String> {
    let info = probe(media, key, size).await.map_err(|e| format!("the rendition does not read back: {e}"))?;
    if info.width.min(info.height) > MAX_SHORT_SIDE {
        return Err(format!("the rendition came out {}×{}", info.width, info.height));
    }
    Ok((info.width, info.height))
}

/// The arguments that make the rendition of `input` at `output`.
fn ffmpeg_args(input: &Path, output: &Path) -> Vec<std::ffi::OsString> {
    let side = MAX_SHORT_SIDE;
    // The short side down to `side` at most (never up), the other keeping
    // the aspect; both even, as 4:2:0 H.264 needs. Rotated originals are
    // turned upright first, so these are the displayed sides.
    let scale = format!(
        "scale=w='if(lte(iw,ih),trunc(min({side},iw)/2)*2,-2)':h='if(lte(iw,ih),-2,trunc(min({side},ih)/2)*2)'"
    );
    let video = format!("{VIDEO_KBPS}k");
    let buffer = format!("{}k", VIDEO_KBPS * 2);
    let audio = format!("{AUDIO_KBPS}k");
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    for arg in ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-threads", "1", "-i"] {
        args.push(arg.into());
    }
    args.push(input.into());
    let options = [
        // The first video and (if any) audio stream; no subtitles, data or metadata.
        ("-map", "0:v:0"),
        ("-map", "0:a:0?"),
        ("-map_metadata", "-1"),
        ("-filter_threads", "1"),
        ("-vf", scale.as_str()),
        ("-c:v", "libx264"),
        ("-preset", "veryfast"),
        ("-profile:v", "main"),
        ("-pix_fmt", "yuv420p"),
        ("-b:v", video.as_str()),
        ("-maxrate", video.as_str()),
        ("-bufsize", buffer.as_str()),
        ("-c:a", "aac"),
        ("-b:a", audio.as_str()),
        ("-ac", "2"),
        ("-threads", "1"),
        ("-movflags", "+faststart"),
        ("-f", "mp4"),
    ];
    for (name, value) in options {
        args.push(name.into());
        args.push(value.into());
    }
    for flag in ["-sn", "-dn", "-y"] {
        args.push(flag.into());
    }
    args.push(output.into());
    args
}

/// Runs ffmpeg, niced when `nice` is there, within the time limit; its
/// complaints go to `log`, whose end is the error.
async fn transcode(
    renditions: &Renditions,
    ffmpeg: &Path,
    input: &Path,
    output: &Path,
    log: &Path,
) -> Result<(), String> {
    let mut command = match &renditions.nice {
        Some(nice) => {
            let mut command = tokio::process::Command::new(nice);
            command.arg("-n").arg("10").arg(ffmpeg);
            command
        }
        None => tokio::process::Command::new(ffmpeg),
    };
    let log_file = std::fs::File::create(log).map_err(|e| format!("cannot write ffmpeg's log: {e}"))?;
    command
        .args(ffmpeg_args(input, output))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", ffmpeg.display()))?;
    let status = match tokio::time::timeout(renditions.timeout, child.wait()).await {
        Ok(status) => status.map_err(|e| format!("ffmpeg could not be waited for: {e}"))?,
        Err(_) => {
            let _ = child.kill().await;
            return Err(format!("ffmpeg took longer than {} s and was stopped", renditions.timeout.as_secs()));
        }
    };
    if status.success() {
        return Ok(());
    }
    let said = tokio::fs::read(log).await.unwrap_or_default();
    Err(format!("ffmpeg failed ({status}): {}", last_lines(&String::from_utf8_lossy(&said), ERROR_TAIL)))
}

/// The last whole lines of `text` that fit in about `budget` bytes, on one line.
fn last_lines(text: &str, budget: usize) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0;
    for line in text.lines().rev().map(str::trim).filter(|l| !l.is_empty()) {
        if used + line.len() > budget && !kept.is_empty() {
            break;
        }
        used += line.len();
        kept.push(line);
    }
    kept.reverse();
    let joined = kept.join(" / ");
    match joined.char_indices().nth(budget) {
        Some((at, _)) => format!("{}…", &joined[..at]),
        None => joined,
    }
}

/// A Bop's rendition job by the Bop's opaque id: its state, attempts and
/// last error (for operators and tests).
pub fn job_state(conn: &rusqlite::Connection, bop_uid: &str) -> rusqlite::Result<Option<(String, i64, String)>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT r.state, r.attempts, r.last_error FROM bops_renditions r JOIN bops_videos b ON b.id = r.bop_id
         WHERE b.uid = ?1",
    )?
    .query_row([bop_uid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(video_key: &str) -> RenditionJob {
        RenditionJob {
            bop_id: crate::core::ids::BopId(1),
            bop_uid: "0123456789abcdef0123456789abcdef".into(),
            attempts: 0,
            video_key: video_key.into(),
            width: 720,
            height: 1280,
            duration_ms: 10_000,
            size_bytes: 5_000_000,
            deleted: false,
        }
    }

    #[test]
    fn the_rendition_lies_beside_an_uploaded_original() {
        assert_eq!(low_key(&job("bops/abc/video.mp4")).as_str(), "bops/abc/low.mp4");
        assert_eq!(low_key(&job("demo/clip-3.mp4")).as_str(), "bops/0123456789abcdef0123456789abcdef/low.mp4");
    }

    #[test]
    fn only_originals_well_above_the_renditions_rate_are_worth_one() {
        assert_eq!(WORTH_KBPS, 955);
        // 5 MB in 10 s: 4000 kb/s.
        assert_eq!(average_kbps(5_000_000, 10_000), 4000);
        assert!(average_kbps(182_657, 4000) <= WORTH_KBPS, "the 365 kb/s fixture is left alone");
        assert_eq!(average_kbps(1000, 0), 8000, "no division by zero");
    }

    #[test]
    fn ffmpegs_complaint_is_kept_by_its_last_lines() {
        let log = "[h264] Invalid NAL unit size\n\n[aac] channel element\nError while decoding stream\n";
        assert_eq!(last_lines(log, 60), "[aac] channel element / Error while decoding stream");
        assert_eq!(last_lines(&"x".repeat(100), 10), "xxxxxxxxxx…");
        assert_eq!(last_lines("", 10), "");
    }

    #[test]
    fn programs_are_found_on_the_path_or_by_their_path() {
        assert!(find_program("sh").is_some());
        assert!(find_program("/bin/sh").is_some());
        assert!(find_program("/nonexistent/ffmpeg").is_none());
        assert!(find_program("no-such-program-anywhere").is_none());
    }
}
