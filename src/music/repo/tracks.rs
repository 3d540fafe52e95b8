//! Music's SQL for tracks, their credits and their splits.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::ArtistId;
use crate::music::domain::ReleaseStatus;
use crate::music::track::{Credit, TrackDraft};

/// A track as stored.
#[derive(Debug, Clone)]
pub struct TrackRow {
    pub id: i64,
    pub uid: String,
    pub release_id: i64,
    pub position: i64,
    pub title: String,
    pub version: String,
    pub isrc: Option<String>,
    pub explicit: bool,
    pub genre: String,
    pub moods: Vec<String>,
    pub preview_start_ms: i64,
    pub master: Option<MasterFacts>,
    pub stream_key: Option<String>,
}

/// What the probe read of a track's master.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterFacts {
    pub key: String,
    pub format: String,
    pub bytes: i64,
    pub sample_rate: i64,
    pub bits_per_sample: i64,
    pub channels: i64,
    pub duration_ms: i64,
    pub loudness_lufs: Option<f64>,
    pub true_peak_dbtp: f64,
    pub sha256: String,
    pub md5: String,
}

const TRACK_COLUMNS: &str = "t.id, t.uid, t.release_id, t.position, t.title, t.version, t.isrc, t.explicit, t.genre,
    t.moods, t.preview_start_ms, t.master_key, t.master_format, t.master_bytes, t.sample_rate, t.bits_per_sample,
    t.channels, t.duration_ms, t.loudness_lufs, t.true_peak_dbtp, t.master_sha256, t.master_md5, t.stream_key";

fn track_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrackRow> {
    let moods: String = r.get(9)?;
    let master_key: Option<String> = r.get(11)?;
    let master = match master_key {
        Some(key) => Some(MasterFacts {
            key,
            format: r.get(12)?,
            bytes: r.get(13)?,
            sample_rate: r.get(14)?,
            bits_per_sample: r.get(15)?,
            channels: r.get(16)?,
            duration_ms: r.get(17)?,
            loudness_lufs: r.get(18)?,
            true_peak_dbtp: r.get(19)?,
            sha256: r.get(20)?,
            md5: r.get(21)?,
        }),
        None => None,
    };
    Ok(TrackRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        release_id: r.get(2)?,
        position: r.get(3)?,
        title: r.get(4)?,
        version: r.get(5)?,
        isrc: r.get(6)?,
        explicit: r.get(7)?,
        genre: r.get(8)?,
        moods: serde_json::from_str(&moods)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))?,
        preview_start_ms: r.get(10)?,
        master,
        stream_key: r.get(22)?,
    })
}

fn moods_json(draft: &TrackDraft) -> String {
    serde_json::to_string(&draft.moods).unwrap_or_else(|_| "[]".into())
}

/// Adds a track at the end of a release; returns its id.
pub fn insert_track(
    conn: &Connection,
    release: i64,
    uid: &str,
    draft: &TrackDraft,
    master: &MasterFacts,
    stream: (&str, i64),
    now: i64,
) -> rusqlite::Result<i64> {
    let position: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM music_tracks WHERE release_id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([release], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO music_tracks (uid, release_id, position, title, version, isrc, explicit, genre, moods,
             preview_start_ms, master_key, master_format, master_bytes, sample_rate, bits_per_sample, channels,
             duration_ms, loudness_lufs, true_peak_dbtp, master_sha256, master_md5, stream_key, stream_bytes,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
             ?22, ?23, ?24, ?24)",
    )?
    .execute(params![
        uid,
        release,
        position,
        draft.title,
        draft.version,
        draft.isrc.as_ref().map(|i| i.as_str()),
        draft.explicit,
        draft.genre,
        moods_json(draft),
        draft.preview_start_ms,
        master.key,
        master.format,
        master.bytes,
        master.sample_rate,
        master.bits_per_sample,
        master.channels,
        master.duration_ms,
        master.loudness_lufs,
        master.true_peak_dbtp,
        master.sha256,
        master.md5,
        stream.0,
        stream.1,
        now
    ])?;
    let id = conn.last_insert_rowid();
    replace_credits(conn, id, &draft.credits)?;
    Ok(id)
}

/// Changes a track's metadata (not its master).
pub fn update_track(conn: &Connection, track: i64, draft: &TrackDraft, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE music_tracks SET title = ?2, version = ?3, isrc = ?4, explicit = ?5, genre = ?6, moods = ?7,
             preview_start_ms = ?8, updated_at = ?9
         WHERE id = ?1",
    )?
    .execute(params![
        track,
        draft.title,
        draft.version,
        draft.isrc.as_ref().map(|i| i.as_str()),
        draft.explicit,
        draft.genre,
        moods_json(draft),
        draft.preview_start_ms,
        now
    ])?;
    replace_credits(conn, track, &draft.credits)
}

fn replace_credits(conn: &Connection, track: i64, credits: &[Credit]) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM music_track_credits WHERE track_id = ?1")?.execute([track])?;
    let mut insert = conn
        .prepare_cached("INSERT INTO music_track_credits (track_id, position, name, role) VALUES (?1, ?2, ?3, ?4)")?;
    for (i, credit) in credits.iter().enumerate() {
        insert.execute(params![track, i as i64, credit.name, credit.role])?;
    }
    Ok(())
}

pub fn list_credits(conn: &Connection, track: i64) -> rusqlite::Result<Vec<Credit>> {
    conn.prepare_cached("SELECT name, role FROM music_track_credits WHERE track_id = ?1 ORDER BY position")?
        .query_map([track], |r| Ok(Credit { name: r.get(0)?, role: r.get(1)? }))?
        .collect()
}

/// A release's tracks fans may see, in order (the label hid none of them).
pub fn list_shown_tracks(conn: &Connection, release: i64) -> rusqlite::Result<Vec<TrackRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TRACK_COLUMNS} FROM music_tracks t
         WHERE t.release_id = ?1 AND t.deleted_at IS NULL AND t.hidden_at IS NULL ORDER BY t.position"
    ))?
    .query_map([release], track_row)?
    .collect()
}

/// A release's tracks in order.
pub fn list_tracks(conn: &Connection, release: i64) -> rusqlite::Result<Vec<TrackRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TRACK_COLUMNS} FROM music_tracks t WHERE t.release_id = ?1 AND t.deleted_at IS NULL ORDER BY t.position"
    ))?
    .query_map([release], track_row)?
    .collect()
}

/// An artist's own track, with its release's status; another artist's is
/// as good as missing.
pub fn find_track_for_artist(
    conn: &Connection,
    artist: ArtistId,
    uid: &str,
) -> rusqlite::Result<Option<(TrackRow, ReleaseStatus)>> {
    Ok(find_track(conn, uid)?.filter(|(_, _, owner)| *owner == artist).map(|(track, status, _)| (track, status)))
}

/// A track with its release's status and artist.
pub fn find_track(conn: &Connection, uid: &str) -> rusqlite::Result<Option<(TrackRow, ReleaseStatus, ArtistId)>> {
    conn.prepare_cached(&format!(
        "SELECT {TRACK_COLUMNS}, r.status, r.artist_id FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         WHERE t.uid = ?1 AND t.deleted_at IS NULL AND r.deleted_at IS NULL"
    ))?
    .query_row([uid], |r| Ok((track_row(r)?, r.get(23)?, r.get(24)?)))
    .optional()
}

/// Removes a track from a draft and closes the gap in the order. A draft's
/// ISRC is the artist's own (assigned ones come at publishing), so it is
/// freed for the track uploaded again.
pub fn delete_track(conn: &Connection, track: &TrackRow, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE music_tracks SET deleted_at = ?2, isrc = NULL WHERE id = ?1")?
        .execute(params![track.id, now])?;
    conn.prepare_cached(
        "UPDATE music_tracks SET position = position - 1
         WHERE release_id = ?1 AND position > ?2 AND deleted_at IS NULL",
    )?
    .execute(params![track.release_id, track.position])?;
    Ok(())
}

pub fn set_isrc(conn: &Connection, track: i64, isrc: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE music_tracks SET isrc = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![track, isrc, now])?;
    Ok(())
}

/// Is this ISRC already on a track (deleted ones included: codes are never reused)?
pub fn isrc_taken(conn: &Connection, isrc: &str, except: Option<i64>) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM music_tracks WHERE isrc = ?1 AND id IS NOT ?2)")?
        .query_row(params![isrc, except], |r| r.get(0))
}

/// Who may fetch a track's media: the track's release status and artist,
/// looked up by its stream or master key.
pub fn find_track_media(conn: &Connection, key: &str) -> rusqlite::Result<Option<(ReleaseStatus, ArtistId, bool)>> {
    conn.prepare_cached(
        "SELECT r.status, r.artist_id, t.stream_key = ?1 FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         WHERE (t.stream_key = ?1 OR t.master_key = ?1) AND t.deleted_at IS NULL AND t.hidden_at IS NULL
           AND r.deleted_at IS NULL",
    )?
    .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// A collaborator's share of a track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub user_id: Option<i64>,
    pub basis_points: i64,
}

pub fn list_splits(conn: &Connection, track: i64) -> rusqlite::Result<Vec<SplitRow>> {
    conn.prepare_cached(
        "SELECT id, name, email, user_id, basis_points FROM music_track_splits WHERE track_id = ?1 ORDER BY id",
    )?
    .query_map([track], |r| {
        Ok(SplitRow { id: r.get(0)?, name: r.get(1)?, email: r.get(2)?, user_id: r.get(3)?, basis_points: r.get(4)? })
    })?
    .collect()
}

/// A new split for a track replaces the old one whole.
pub fn replace_splits(conn: &Connection, track: i64, splits: &[SplitRow], now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM music_track_splits WHERE track_id = ?1")?.execute([track])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO music_track_splits (track_id, name, email, user_id, basis_points, invited_at)
         VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?4 IS NULL THEN ?6 END)",
    )?;
    for split in splits {
        insert.execute(params![track, split.name, split.email, split.user_id, split.basis_points, now])?;
    }
    Ok(())
}

/// A published track as other pillars show it (a Bop's tagged track).
#[derive(Debug, Clone)]
pub struct TaggedTrackRow {
    pub uid: String,
    pub title: String,
    pub stream_key: Option<String>,
    pub artwork_key: Option<String>,
}

/// Of `uids`, the tracks fans may play now: published, their artist visible.
pub fn list_playable_tracks(conn: &Connection, uids: &[String]) -> rusqlite::Result<Vec<TaggedTrackRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.uid, t.title, t.stream_key, r.artwork_thumb_key FROM music_tracks t
         JOIN music_releases r ON r.id = t.release_id JOIN artist_profiles a ON a.id = r.artist_id
         WHERE t.uid = ?1 AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND r.status = 'published'
           AND a.suspended_at IS NULL",
    )?;
    let mut out = Vec::new();
    for uid in uids {
        if let Some(row) = stmt
            .query_row([uid], |r| {
                Ok(TaggedTrackRow { uid: r.get(0)?, title: r.get(1)?, stream_key: r.get(2)?, artwork_key: r.get(3)? })
            })
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// Is `uid` one of the artist's published tracks?
pub fn is_published_track_of(conn: &Connection, artist: ArtistId, uid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         WHERE t.uid = ?1 AND r.artist_id = ?2 AND t.deleted_at IS NULL AND t.hidden_at IS NULL
           AND r.status = 'published'",
    )?
    .exists(params![uid, artist.0])
}

/// The artist's published tracks, newest release first: (uid, title, release title).
pub fn list_published_tracks_of(
    conn: &Connection,
    artist: ArtistId,
    limit: usize,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    conn.prepare_cached(
        "SELECT t.uid, t.title, r.title FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         WHERE r.artist_id = ?1 AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND r.status = 'published'
         ORDER BY r.id DESC, t.position LIMIT ?2",
    )?
    .query_map(params![artist.0, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// Every track with an ISRC: (title, ISRC), oldest first.
pub fn list_coded_tracks(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT title, isrc FROM music_tracks WHERE isrc IS NOT NULL AND deleted_at IS NULL ORDER BY id",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}
