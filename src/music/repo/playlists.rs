//! Music's SQL for playlists.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::UserId;

#[derive(Debug, Clone)]
pub struct PlaylistRow {
    pub id: i64,
    pub uid: String,
    pub owner: UserId,
    pub title: String,
    pub description: String,
    pub public: bool,
    pub track_count: i64,
    pub updated_at: i64,
}

const PLAYLIST_SELECT: &str = "SELECT p.id, p.uid, p.owner_user_id, p.title, p.description, p.public,
        (SELECT COUNT(*) FROM music_playlist_items i WHERE i.playlist_id = p.id), p.updated_at
     FROM music_playlists p";

fn playlist_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PlaylistRow> {
    Ok(PlaylistRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        owner: r.get(2)?,
        title: r.get(3)?,
        description: r.get(4)?,
        public: r.get(5)?,
        track_count: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn insert_playlist(
    conn: &Connection,
    uid: &str,
    owner: UserId,
    title: &str,
    description: &str,
    public: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO music_playlists (uid, owner_user_id, title, description, public, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![uid, owner, title, description, public, now])?;
    Ok(())
}

pub fn count_playlists_of(conn: &Connection, owner: UserId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM music_playlists WHERE owner_user_id = ?1 AND deleted_at IS NULL")?
        .query_row([owner], |r| r.get(0))
}

pub fn find_playlist(conn: &Connection, uid: &str) -> rusqlite::Result<Option<PlaylistRow>> {
    conn.prepare_cached(&format!("{PLAYLIST_SELECT} WHERE p.uid = ?1 AND p.deleted_at IS NULL"))?
        .query_row([uid], playlist_row)
        .optional()
}

/// The owner's playlists, most recently changed first.
pub fn list_playlists_of(conn: &Connection, owner: UserId, limit: usize) -> rusqlite::Result<Vec<PlaylistRow>> {
    conn.prepare_cached(&format!(
        "{PLAYLIST_SELECT} WHERE p.owner_user_id = ?1 AND p.deleted_at IS NULL ORDER BY p.updated_at DESC, p.id DESC LIMIT ?2"
    ))?
    .query_map(params![owner, limit as i64], playlist_row)?
    .collect()
}

pub fn update_playlist(
    conn: &Connection,
    id: i64,
    title: &str,
    description: &str,
    public: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE music_playlists SET title = ?2, description = ?3, public = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, title, description, public, now])?;
    Ok(())
}

pub fn delete_playlist(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM music_playlist_items WHERE playlist_id = ?1")?.execute([id])?;
    conn.prepare_cached("UPDATE music_playlists SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// The playlist's track ids in order.
pub fn list_playlist_track_ids(conn: &Connection, playlist: i64) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT track_id FROM music_playlist_items WHERE playlist_id = ?1 ORDER BY position")?
        .query_map([playlist], |r| r.get(0))?
        .collect()
}

/// Rewrites the playlist's items as `tracks`, in that order.
pub fn replace_playlist_items(conn: &Connection, playlist: i64, tracks: &[i64], now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM music_playlist_items WHERE playlist_id = ?1")?.execute([playlist])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO music_playlist_items (playlist_id, position, track_id, added_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, track) in tracks.iter().enumerate() {
        insert.execute(params![playlist, position as i64, track, now])?;
    }
    conn.prepare_cached("UPDATE music_playlists SET updated_at = ?2 WHERE id = ?1")?.execute(params![playlist, now])?;
    Ok(())
}

/// A track's row id, if fans may play it now.
pub fn find_playable_track_id(conn: &Connection, uid: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT t.id FROM music_tracks t JOIN music_releases r ON r.id = t.release_id
         JOIN artist_profiles a ON a.id = r.artist_id
         WHERE t.uid = ?1 AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND r.status = 'published'
           AND a.suspended_at IS NULL",
    )?
    .query_row([uid], |r| r.get(0))
    .optional()
}

/// A playlist's track with its release and artist.
pub struct PlaylistTrackRow {
    pub track: super::TrackRow,
    pub release_uid: String,
    pub release_title: String,
    pub artist_name: String,
    pub artwork_key: Option<String>,
}

/// A playlist's playable tracks in order, with their release and artist.
pub fn list_playlist_tracks(conn: &Connection, playlist: i64) -> rusqlite::Result<Vec<PlaylistTrackRow>> {
    let ids = list_playlist_track_ids(conn, playlist)?;
    let mut out = Vec::with_capacity(ids.len());
    let mut stmt = conn.prepare_cached(
        "SELECT t.uid, r.uid, r.title, COALESCE(a.stage_name, ''), r.artwork_thumb_key FROM music_tracks t
         JOIN music_releases r ON r.id = t.release_id JOIN artist_profiles a ON a.id = r.artist_id
         WHERE t.id = ?1 AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND r.status = 'published'
           AND a.suspended_at IS NULL",
    )?;
    for id in ids {
        let found = stmt
            .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .optional()?;
        if let Some((uid, release_uid, release_title, artist_name, artwork_key)) = found
            && let Some((track, _, _)) = super::find_track(conn, &uid)?
        {
            out.push(PlaylistTrackRow { track, release_uid, release_title, artist_name, artwork_key });
        }
    }
    Ok(out)
}
