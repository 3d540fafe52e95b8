//! The label hides a track (issue 15 item 4), or shows it again. A hidden
//! track is gone from its release's public page, its link, playlists, the
//! Bops that tag it, search and its media; the release stays.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::Tx;
use crate::error::AppResult;
use crate::events::{PlatformEvent, emit};
use crate::pillar::Moderate;

/// The label hid a track or showed it again: search drops or re-indexes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrackModerated {
    pub track_uid: String,
    pub release_uid: String,
    pub artist_id: i64,
    pub title: String,
    pub hidden: bool,
    /// Whether its release is published (only then is it findable).
    pub release_published: bool,
}

impl PlatformEvent for TrackModerated {
    const TYPE: &'static str = "track.moderated";
}

pub fn moderate(tx: &Tx, request: &Moderate<'_>) -> AppResult<bool> {
    if request.kind != "track" {
        return Ok(false);
    }
    let found = tx
        .query_row_cached(
            "SELECT t.id, r.uid, r.artist_id, t.title, r.status = 'published'
             FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
             WHERE t.uid = ?1 AND t.deleted_at IS NULL AND r.deleted_at IS NULL",
            [request.uid],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    TrackModerated {
                        track_uid: request.uid.to_owned(),
                        release_uid: r.get(1)?,
                        artist_id: r.get(2)?,
                        title: r.get(3)?,
                        hidden: request.hidden,
                        release_published: r.get(4)?,
                    },
                ))
            },
        )
        .optional()?;
    let Some((id, event)) = found else { return Ok(false) };
    tx.execute_cached(
        "UPDATE music_tracks SET hidden_at = CASE WHEN ?2 THEN COALESCE(hidden_at, ?3) END WHERE id = ?1",
        params![id, request.hidden, request.now],
    )?;
    emit(tx, &event)?;
    Ok(true)
}

/// Did the label hide this track?
pub fn is_hidden(conn: &Connection, track_id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT hidden_at IS NOT NULL FROM music_tracks WHERE id = ?1")?
        .query_row([track_id], |r| r.get(0))
        .optional()
        .map(|hidden| hidden.unwrap_or(true))
}
