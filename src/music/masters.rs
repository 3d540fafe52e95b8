//! A track's master, from finished upload to stored facts: the file is
//! copied next to the server (the store may be a bucket), probed and
//! measured in one pass, and a FLAC rendition for browsers is made; a
//! master that fails any rule is deleted, so nothing is left behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::audio::{self, MasterError, MasterInfo};
use super::repo::MasterFacts;
use crate::app::AppState;
use crate::bops::uploads::Finished;
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;

/// Masters analysed at once: each keeps a core busy for seconds.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// A place among the masters being analysed; `None` when all are taken.
pub struct Turn(());

impl Turn {
    /// Taken before the upload is finished, so a busy server answers 503
    /// and the artist's upload stays, to be added again in a moment.
    pub fn take() -> Option<Turn> {
        let max = std::thread::available_parallelism().map_or(2, |n| n.get());
        IN_FLIGHT
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| Turn(()))
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A checked master and its stored rendition.
pub struct Processed {
    pub facts: MasterFacts,
    pub info: MasterInfo,
    pub stream_key: MediaKey,
    pub stream_bytes: i64,
}

/// The key of a track's streamable rendition.
pub fn stream_key(track_uid: &str) -> MediaKey {
    MediaKey::parse(&format!("music/tracks/{track_uid}/stream.flac")).expect("generated keys are valid")
}

/// Removes a file when dropped, whatever path the work took.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Checks the uploaded master and makes its rendition (holding `_turn`);
/// on any refusal the master is deleted and the error names what is wrong
/// with the file.
pub async fn process(state: &AppState, _turn: Turn, finished: &Finished, track_uid: &str) -> AppResult<Processed> {
    match analyse(state, finished, track_uid).await {
        Ok(done) => Ok(done),
        Err(err) => {
            state.media.delete(&finished.key).await?;
            Err(err)
        }
    }
}

async fn analyse(state: &AppState, finished: &Finished, track_uid: &str) -> AppResult<Processed> {
    let dir = state.config.data_dir().join("uploads");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(e.into()))?;
    let master = Scratch(dir.join(format!("{track_uid}.master")));
    let rendition = Scratch(dir.join(format!("{track_uid}.stream.flac")));
    state.media.get_to_file(&finished.key, &master.0).await?;
    let (master_path, rendition_path) = (master.0.clone(), rendition.0.clone());
    let (info, stream_bytes) = tokio::task::spawn_blocking(move || check_and_encode(&master_path, &rendition_path))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("master analysis failed: {e}")))?
        .map_err(|e| match e {
            MasterError::Io(err) => AppError::Internal(err.into()),
            refused => AppError::invalid("master", refused.to_string()),
        })?;
    let key = stream_key(track_uid);
    state.media.put_file(&key, &rendition.0, "audio/flac").await?;
    let facts = facts(finished.key.as_str().to_owned(), &info);
    Ok(Processed { facts, info, stream_key: key, stream_bytes })
}

/// What is stored of a master the probe accepted.
pub fn facts(key: String, info: &MasterInfo) -> MasterFacts {
    MasterFacts {
        key,
        format: info.format.as_str().to_owned(),
        bytes: info.bytes as i64,
        sample_rate: i64::from(info.sample_rate),
        bits_per_sample: i64::from(info.bits_per_sample),
        channels: i64::from(info.channels),
        duration_ms: info.duration_ms,
        loudness_lufs: info.integrated_lufs,
        // Digital silence has no peak (−∞), which neither JSON nor a sane display holds.
        true_peak_dbtp: info.true_peak_dbtp.max(-200.0),
        sha256: info.sha256_hex.clone(),
        md5: info.md5_hex.clone(),
    }
}

fn check_and_encode(master: &Path, rendition: &Path) -> Result<(MasterInfo, i64), MasterError> {
    let info = audio::probe_master(master)?;
    let encoded = audio::encode_flac_rendition(master, rendition)?;
    Ok((info, encoded.bytes as i64))
}
