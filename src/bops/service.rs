//! Bops' use cases: publish, feed, likes, views, follows (comments: `comments`).

use std::collections::BTreeMap;

use bytes::Bytes;

use super::domain::{Caption, Visibility};
use super::events::{BopDeleted, BopEdited, BopLiked, BopPublished, BopUnliked, BopViewed};
use super::probe::probe_bop;
use super::repo::{self, BopRow, NewBop};
use super::{poster, views::BopView};
use crate::app::AppState;
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::events::emit;
use crate::identity::ArtistRow;
use crate::media::MediaKey;

pub struct PublishInput {
    pub upload_id: String,
    pub caption: String,
    pub visibility: String,
    pub poster: Option<Bytes>,
    /// One of the artist's published tracks to tag (music's id), or empty.
    pub track: String,
}

/// Publishes a finished upload as a Bop. The file is checked from its
/// container header; anything but a vertical video of a supported codec
/// and length is refused, and the stored file is deleted.
pub async fn publish(state: &AppState, artist: &ArtistRow, input: PublishInput) -> AppResult<String> {
    let mut fields = BTreeMap::new();
    let caption = Caption::parse(&input.caption).map_err(|e| fields.insert("caption".into(), e)).ok();
    let visibility = Visibility::parse(&input.visibility);
    if visibility.is_none() {
        fields.insert("visibility".into(), "Choose public, followers or private.".into());
    }
    let track = Some(input.track.trim().to_owned()).filter(|t| !t.is_empty());
    if let Some(uid) = track.clone() {
        let artist_id = artist.id;
        if !state.db.read(move |c| crate::music::tagging::may_tag(c, artist_id, &uid)).await? {
            fields.insert("track".into(), "Tag one of your published tracks.".into());
        }
    }
    let (Some(caption), Some(visibility), true) = (caption, visibility, fields.is_empty()) else {
        return Err(AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields });
    };
    let finished = crate::bops::state(state)
        .uploads
        .finish(artist.id, &input.upload_id, super::uploads::UploadPurpose::Bop)
        .await?;
    let max_secs = crate::bops::state(state).config.bops.max_duration_secs;
    let info = match probe_bop(&state.media, &finished.key, finished.size, max_secs).await {
        Ok(info) => info,
        Err(err) => {
            state.media.delete(&finished.key).await?;
            return Err(AppError::invalid("video", err.to_string()));
        }
    };
    let poster_key = match input.poster {
        Some(bytes) => match tokio::task::spawn_blocking(move || poster::process(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
        {
            Ok(poster) => {
                let key = MediaKey::parse(&poster.key).expect("poster keys are valid");
                state.media.put_bytes_as(&key, poster.jpeg.into(), "image/jpeg").await?;
                Some(poster.key)
            }
            Err(err) => {
                state.media.delete(&finished.key).await?;
                return Err(AppError::invalid("poster", err.to_string()));
            }
        },
        None => None,
    };
    let artist_id = artist.id;
    let artist_name = artist.stage_name.clone().unwrap_or_default();
    let video_key = finished.key.as_str().to_owned();
    // The state's clock: tests move it to publish on other days.
    let now = state.clock.now_ms();
    let uid = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let new = NewBop {
                artist: artist_id,
                caption: &caption.text,
                hashtags: &caption.hashtags,
                visibility: visibility.as_str(),
                video_key: &video_key,
                poster_key: poster_key.as_deref(),
                width: info.width,
                height: info.height,
                duration_ms: info.duration_ms,
                codec: info.codec,
                video_type: info.content_type(),
                size_bytes: finished.size,
                track_uid: track.as_deref(),
            };
            let uid = repo::insert_bop(tx, &new, now)?;
            let bop_id = tx.last_insert_rowid();
            repo::insert_rendition_job(tx, crate::core::ids::BopId(bop_id), now)?;
            emit(
                tx,
                &BopPublished {
                    bop_uid: uid.clone(),
                    artist_id: artist_id.0,
                    visibility: visibility.as_str().to_owned(),
                    artist_name,
                    at: now,
                    bop_id,
                    caption: Some(caption.text.clone()),
                    hashtags: caption.hashtags.clone(),
                    poster_key: poster_key.clone(),
                    track_uid: track.clone(),
                },
            )?;
            Ok(uid)
        })
        .await?;
    crate::bops::state(state).renditions.wake();
    Ok(uid)
}

pub async fn find_bop(state: &AppState, uid: &str, viewer: Option<UserId>) -> AppResult<BopRow> {
    let uid = uid.to_owned();
    state.db.read_now(move |c| repo::find_visible_bop(c, &uid, viewer)).await?.ok_or(AppError::NotFound)
}

/// A Bop fans may see, as the app shows it (with its tagged track).
pub async fn show_bop(state: &AppState, uid: &str, viewer: Option<UserId>) -> AppResult<BopView> {
    let uid = uid.to_owned();
    let (row, tracks) = state
        .db
        .read_now(move |c| {
            let Some(row) = repo::find_visible_bop(c, &uid, viewer)? else { return Ok(None) };
            let tracks = super::views::tracks_of(c, std::slice::from_ref(&row))?;
            Ok(Some((row, tracks)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(BopView::with_track(row, &tracks, &state.media))
}

/// Likes or unlikes; idempotent. Returns the Bop's like count. The Bop is
/// looked up inside the write (a unique-index probe): one trip to the
/// database instead of two, and visibility is checked atomically with it.
pub async fn set_like(state: &AppState, fan: UserId, bop_uid: &str, liked: bool) -> AppResult<i64> {
    let uid = bop_uid.to_owned();
    state
        .db
        .write(move |tx| {
            let bop = repo::find_visible_ref(tx, &uid, Some(fan))?.ok_or(AppError::NotFound)?;
            let (bop_uid, artist_id, fan_user_id) = (bop.uid.clone(), bop.artist_id.0, fan.0);
            if liked {
                let at = now_ms();
                if repo::insert_like(tx, bop.id, fan, at)? {
                    emit(tx, &BopLiked { bop_uid, artist_id, fan_user_id, at })?;
                }
            } else if let Some(liked_at) = repo::delete_like(tx, bop.id, fan)? {
                emit(tx, &BopUnliked { bop_uid, artist_id, fan_user_id, liked_at })?;
            }
            Ok(repo::like_count(tx, bop.id)?)
        })
        .await
}

/// A viewer is counted once per Bop per 30 minutes, and only after 3 s
/// watched (or ¾ of a shorter video), as the player reports.
pub const VIEW_WINDOW_MS: i64 = 30 * 60 * 1000;

pub async fn record_view(
    state: &AppState,
    viewer_key: String,
    viewer: Option<UserId>,
    bop_uid: &str,
    watched_ms: i64,
) -> AppResult<bool> {
    if watched_ms < 0 {
        return Err(AppError::invalid("watched_ms", "Report how long the video played, in milliseconds."));
    }
    // The state's clock: tests move it to cross the window.
    let now = state.clock.now_ms();
    let uid = bop_uid.to_owned();
    // The Bop is looked up inside the write, as a like's is.
    state
        .db
        .write(move |tx| {
            let bop = repo::find_visible_ref(tx, &uid, viewer)?.ok_or(AppError::NotFound)?;
            if watched_ms < 3000.min(bop.duration_ms * 3 / 4) {
                return Ok(false);
            }
            let counted = repo::record_view(tx, bop.id, &viewer_key, watched_ms, now, now - VIEW_WINDOW_MS)?;
            if counted {
                let event = BopViewed {
                    bop_uid: bop.uid.clone(),
                    artist_id: bop.artist_id.0,
                    fan_user_id: viewer.map(|v| v.0),
                    at: now,
                    watched_ms,
                    duration_ms: bop.duration_ms,
                };
                emit(tx, &event)?;
            }
            Ok(counted)
        })
        .await
}

/// Bops per studio page. Each row is a card with its standing explained and
/// two forms (caption, delete), so a page's cost is nearly all per row: 12
/// fill a screen or two and keep the page within a third of `/healthz`'s
/// rate at a million Bops (24 did not: 38 KB of HTML a page).
pub const STUDIO_PAGE: usize = 12;

pub struct StudioPage {
    pub rows: Vec<repo::StudioRow>,
    /// The `after` of the next page: the last Bop's id, when there are more.
    pub next: Option<String>,
}

/// A page of the artist's own Bops for the studio, after the Bop `after`
/// (a keyset cursor: one index walk, whatever the artist's number of Bops).
pub async fn studio_list(state: &AppState, artist: &ArtistRow, after: Option<String>) -> AppResult<StudioPage> {
    let id = artist.id;
    state
        .db
        .read_now(move |c| {
            let before = match after.filter(|a| !a.is_empty()) {
                Some(uid) => match repo::find_bop_position(c, id, &uid)? {
                    Some(position) => Some(position),
                    None => return Ok(None),
                },
                None => None,
            };
            let mut rows = repo::list_bops_for_artist(c, id, before, STUDIO_PAGE + 1)?;
            let more = rows.len() > STUDIO_PAGE;
            rows.truncate(STUDIO_PAGE);
            let next = if more { rows.last().map(|r| r.uid.clone()) } else { None };
            Ok(Some(StudioPage { rows, next }))
        })
        .await?
        .ok_or_else(|| {
            AppError::invalid("after", "This page link is out of date: that Bop is gone. Start from the first page.")
        })
}

pub async fn edit_caption(state: &AppState, artist: &ArtistRow, uid: String, caption: &str) -> AppResult<()> {
    let caption = Caption::parse(caption).map_err(|e| AppError::invalid("caption", e))?;
    let id = artist.id;
    state
        .db
        .write(move |tx| {
            let at = now_ms();
            if !repo::update_caption(tx, id, &uid, &caption.text, &caption.hashtags, at)? {
                return Err(AppError::NotFound);
            }
            let Caption { text: caption, hashtags } = caption;
            emit(tx, &BopEdited { bop_uid: uid, artist_id: id.0, caption, hashtags, at })?;
            Ok(())
        })
        .await
}

pub async fn delete_bop(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<()> {
    let id = artist.id;
    state
        .db
        .write(move |tx| {
            let at = now_ms();
            if !repo::soft_delete_bop(tx, id, &uid, at)? {
                return Err(AppError::NotFound);
            }
            emit(tx, &BopDeleted { bop_uid: uid, artist_id: id.0, at })?;
            Ok(())
        })
        .await
}

/// A Bop's caption, for other pillars' lists (analytics' top Bops).
pub fn caption_of(conn: &rusqlite::Connection, uid: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT caption FROM bops_videos WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()
}

/// Whether the Bop is still up (not deleted): for other pillars' notices.
pub fn is_live(conn: &rusqlite::Connection, uid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM bops_videos WHERE uid = ?1 AND deleted_at IS NULL")?.exists([uid])
}
