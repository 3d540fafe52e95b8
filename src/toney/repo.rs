//! All of Toney's SQL: the launch snapshots and the conversations.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::core::ids::ArtistId;

/// 48 hours: a launch is judged by what it did in its first two days.
pub const LAUNCH_WINDOW_MS: i64 = 48 * 3_600_000;

/// A Bop's launch as the insights read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BopLaunch {
    pub bop_uid: String,
    pub published_at: i64,
    /// 0 = Monday … 6 = Sunday, UTC.
    pub weekday: u8,
    pub hour: u8,
    pub views_48h: i64,
}

/// A track's launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackLaunch {
    pub track_uid: String,
    pub release_uid: String,
    pub position: i64,
    pub title: String,
    pub published_at: i64,
    pub streams_48h: i64,
}

/// UTC weekday (0 = Monday) and hour of a moment.
pub fn weekday_hour(at_ms: i64) -> (u8, u8) {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
    (t.weekday().num_days_from_monday() as u8, t.hour() as u8)
}

/// Records a Bop's launch once (a replay or a rebuild keeps the first).
pub fn insert_bop_launch(
    conn: &Connection,
    bop_uid: &str,
    artist: ArtistId,
    published_at: i64,
) -> rusqlite::Result<()> {
    let (weekday, hour) = weekday_hour(published_at);
    conn.prepare_cached(
        "INSERT INTO toney_bop_launches (bop_uid, artist_id, published_at, weekday, hour) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (bop_uid) DO NOTHING",
    )?
    .execute(params![bop_uid, artist, published_at, weekday, hour])?;
    Ok(())
}

/// Counts a view seen at `at` when it falls in the Bop's first 48 hours;
/// returns the launch as it stands then (None: not counted).
pub fn count_bop_view(conn: &Connection, bop_uid: &str, at: i64) -> rusqlite::Result<Option<(ArtistId, i64)>> {
    conn.prepare_cached(
        "UPDATE toney_bop_launches SET views_48h = views_48h + 1
         WHERE bop_uid = ?1 AND ?2 >= published_at AND ?2 < published_at + ?3
         RETURNING artist_id, views_48h",
    )?
    .query_row(params![bop_uid, at, LAUNCH_WINDOW_MS], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Marks the Bop as suggested; false when it already was.
pub fn mark_suggested(conn: &Connection, bop_uid: &str, at: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE toney_bop_launches SET suggested_at = ?2 WHERE bop_uid = ?1 AND suggested_at IS NULL")?
        .execute(params![bop_uid, at])?
        == 1)
}

/// The artist's Bop launches whose 48 hours ended before `now`, newest
/// first, at most `limit` (one index walk).
pub fn list_complete_bop_launches(
    conn: &Connection,
    artist: ArtistId,
    now: i64,
    limit: usize,
) -> rusqlite::Result<Vec<BopLaunch>> {
    conn.prepare_cached(
        "SELECT bop_uid, published_at, weekday, hour, views_48h FROM toney_bop_launches
         WHERE artist_id = ?1 AND published_at <= ?2 ORDER BY published_at DESC LIMIT ?3",
    )?
    .query_map(params![artist, now - LAUNCH_WINDOW_MS, limit as i64], |r| {
        Ok(BopLaunch {
            bop_uid: r.get(0)?,
            published_at: r.get(1)?,
            weekday: r.get(2)?,
            hour: r.get(3)?,
            views_48h: r.get(4)?,
        })
    })?
    .collect()
}

pub fn insert_track_launch(conn: &Connection, artist: ArtistId, launch: &TrackLaunch) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO toney_track_launches (track_uid, artist_id, release_uid, position, title, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (track_uid) DO NOTHING",
    )?
    .execute(params![
        launch.track_uid,
        artist,
        launch.release_uid,
        launch.position,
        launch.title,
        launch.published_at
    ])?;
    Ok(())
}

pub fn count_track_stream(conn: &Connection, track_uid: &str, at: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE toney_track_launches SET streams_48h = streams_48h + 1
         WHERE track_uid = ?1 AND ?2 >= published_at AND ?2 < published_at + ?3",
    )?
    .execute(params![track_uid, at, LAUNCH_WINDOW_MS])?;
    Ok(())
}

/// One of the artist's track launches (another artist's track: None).
pub fn find_track_launch(
    conn: &Connection,
    artist: ArtistId,
    track_uid: &str,
) -> rusqlite::Result<Option<TrackLaunch>> {
    conn.prepare_cached(
        "SELECT track_uid, release_uid, position, title, published_at, streams_48h FROM toney_track_launches
         WHERE track_uid = ?1 AND artist_id = ?2",
    )?
    .query_row(params![track_uid, artist], track_launch)
    .optional()
}

/// A published track's title, by its id.
pub fn track_title(conn: &Connection, track_uid: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT title FROM toney_track_launches WHERE track_uid = ?1")?
        .query_row([track_uid], |r| r.get(0))
        .optional()
}

fn track_launch(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrackLaunch> {
    Ok(TrackLaunch {
        track_uid: r.get(0)?,
        release_uid: r.get(1)?,
        position: r.get(2)?,
        title: r.get(3)?,
        published_at: r.get(4)?,
        streams_48h: r.get(5)?,
    })
}

/// The artist's track launches, newest first (open windows included).
pub fn list_track_launches(conn: &Connection, artist: ArtistId, limit: usize) -> rusqlite::Result<Vec<TrackLaunch>> {
    conn.prepare_cached(
        "SELECT track_uid, release_uid, position, title, published_at, streams_48h FROM toney_track_launches
         WHERE artist_id = ?1 ORDER BY published_at DESC, position LIMIT ?2",
    )?
    .query_map(params![artist, limit as i64], track_launch)?
    .collect()
}

/// The artist's open conversation, if any.
pub fn find_open_session(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM toney_ai_sessions WHERE artist_id = ?1 AND deleted_at IS NULL")?
        .query_row([artist], |r| r.get(0))
        .optional()
}

/// The artist's open conversation, started (as `kind`) when there is none.
pub fn open_session(conn: &Connection, artist: ArtistId, kind: &str, now: i64) -> rusqlite::Result<i64> {
    if let Some(id) = find_open_session(conn, artist)? {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO toney_ai_sessions (uid, artist_id, kind, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         RETURNING id",
    )?
    .query_row(params![crate::core::new_uid(), artist, kind, now], |r| r.get(0))
}

/// A message to store.
pub struct NewMessage<'a> {
    pub author: &'a str,
    pub body: &'a str,
    pub action: Option<(&'a str, &'a str)>,
}

pub fn insert_message(conn: &Connection, session: i64, message: &NewMessage<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO toney_ai_messages (session_id, author, body, action_label, action_link, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        session,
        message.author,
        message.body,
        message.action.map(|a| a.0),
        message.action.map(|a| a.1),
        now
    ])?;
    conn.prepare_cached("UPDATE toney_ai_sessions SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![session, now])?;
    Ok(())
}

/// A message as the conversation page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub author: String,
    pub body: String,
    pub action_label: Option<String>,
    pub action_link: Option<String>,
    pub created_at: i64,
}

/// The newest `limit` messages of the artist's open conversation, oldest
/// first.
pub fn list_messages(conn: &Connection, artist: ArtistId, limit: usize) -> rusqlite::Result<Vec<MessageRow>> {
    let mut rows: Vec<MessageRow> = conn
        .prepare_cached(
            "SELECT m.author, m.body, m.action_label, m.action_link, m.created_at
             FROM toney_ai_sessions s JOIN toney_ai_messages m ON m.session_id = s.id
             WHERE s.artist_id = ?1 AND s.deleted_at IS NULL ORDER BY m.id DESC LIMIT ?2",
        )?
        .query_map(params![artist, limit as i64], |r| {
            Ok(MessageRow {
                author: r.get(0)?,
                body: r.get(1)?,
                action_label: r.get(2)?,
                action_link: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.reverse();
    Ok(rows)
}

/// Soft-deletes the artist's open conversation; false when there was none.
pub fn soft_delete_session(conn: &Connection, artist: ArtistId, now: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE toney_ai_sessions SET deleted_at = ?2 WHERE artist_id = ?1 AND deleted_at IS NULL")?
        .execute(params![artist, now])?
        > 0)
}
