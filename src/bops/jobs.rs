//! Bops' timers, run beside the server: the sweep of abandoned uploads (the
//! first right at start, so uploads an earlier process left behind do not
//! keep their staging files and multipart uploads until the next upload),
//! the purge of deleted media, and the making of low renditions (when
//! ffmpeg is there; see `rendition`).

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::access::purge_deleted_media;
use crate::app::AppState;

/// Starts the timers; the caller aborts the handles at shutdown.
pub fn spawn(state: &AppState) -> Vec<JoinHandle<()>> {
    let sweep_every = Duration::from_secs(crate::bops::state(state).config.bops.upload_sweep_secs);
    let purge_every = Duration::from_secs(state.config.media.purge_interval_secs);
    let mut jobs = vec![
        every(sweep_every, state.clone(), |state| async move {
            let swept = crate::bops::state(&state).uploads.sweep().await;
            if swept > 0 {
                tracing::info!(swept, "abandoned uploads removed");
            }
        }),
        every(purge_every, state.clone(), |state| async move {
            match purge_deleted_media(&state).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "media of deleted Bops purged"),
                Err(err) => tracing::warn!(error = %err, "purging deleted media failed; retrying next round"),
            }
        }),
    ];
    jobs.extend(super::rendition::spawn(state));
    jobs
}

fn every<F, Fut>(period: Duration, state: AppState, job: F) -> JoinHandle<()>
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            job(state.clone()).await;
        }
    })
}
