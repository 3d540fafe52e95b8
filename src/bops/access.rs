//! Bops' side of media access: which of a Bop's files may be fetched and
//! how (the media route asks on every request, so a deleted Bop's files are
//! unreachable at once), and the purge that removes those files after the
//! retention period while the row stays, soft-deleted, for the audit trail.

use super::repo;
use super::views::audience;
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::media::{Grant, MediaKey};

/// How `key` may be served, if it is the video (or its low rendition, or
/// its captions) or the poster of a live Bop.
pub async fn media_grant(state: &AppState, key: &MediaKey) -> AppResult<Option<Grant>> {
    let key = key.as_str().to_owned();
    state
        .db
        .read_now(move |c| {
            if let Some((visibility, content_type)) = repo::find_video_access(c, &key)? {
                return Ok(Some(Grant { audience: audience(&visibility), content_type }));
            }
            let poster = repo::find_poster_visibility(c, &key)?;
            Ok(poster.map(|visibility| Grant { audience: audience(&visibility), content_type: "image/jpeg".into() }))
        })
        .await
        .map_err(AppError::from)
}

/// Bops purged per batch: one read, then one store delete per file.
const PURGE_BATCH: usize = 100;

/// Deletes the files of Bops soft-deleted longer than the retention period
/// and marks them purged; returns how many Bops it purged.
pub async fn purge_deleted_media(state: &AppState) -> AppResult<usize> {
    let retention_ms = i64::try_from(state.config.media.deleted_retention_days)
        .unwrap_or(i64::MAX / 86_400_000)
        .saturating_mul(86_400_000);
    let before = now_ms().saturating_sub(retention_ms);
    let mut purged = 0;
    loop {
        let batch = state.db.read(move |c| repo::list_purgeable_bops(c, before, PURGE_BATCH)).await?;
        for bop in &batch {
            purge_one(state, bop).await?;
        }
        purged += batch.len();
        if batch.len() < PURGE_BATCH {
            return Ok(purged);
        }
    }
}

async fn purge_one(state: &AppState, bop: &repo::PurgeableBop) -> AppResult<()> {
    for key in std::iter::once(&bop.video_key).chain(&bop.low_video_key).chain(&bop.captions_key) {
        if let Some(key) = MediaKey::parse(key) {
            state.media.delete(&key).await?;
        }
    }
    if let Some(poster) = bop.poster_key.clone() {
        let id = bop.id;
        let shared = {
            let poster = poster.clone();
            state.db.read(move |c| repo::poster_in_use(c, &poster, id)).await?
        };
        if let (false, Some(key)) = (shared, MediaKey::parse(&poster)) {
            state.media.delete(&key).await?;
        }
    }
    let id = bop.id;
    let low = state.db.write::<_, AppError, _>(move |tx| Ok(repo::mark_media_purged(tx, id, now_ms())?)).await?;
    // A rendition finished while this purge ran.
    if let Some(key) = low.filter(|low| Some(low) != bop.low_video_key.as_ref()).as_deref().and_then(MediaKey::parse) {
        state.media.delete(&key).await?;
    }
    Ok(())
}
