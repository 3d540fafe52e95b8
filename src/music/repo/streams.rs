//! Music's SQL for plays and counted streams.

use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::UserId;

/// A listener starts (or restarts) playing a track.
pub fn start_play(conn: &Connection, listener: UserId, track: i64, source: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO music_plays (listener_id, track_id, source, started_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (listener_id, track_id) DO UPDATE SET source = excluded.source, started_at = excluded.started_at",
    )?
    .execute(params![listener.0, track, source, now])?;
    Ok(())
}

/// The listener's current play of a track: (source, started_at, counted_at).
pub fn find_play(
    conn: &Connection,
    listener: UserId,
    track: i64,
) -> rusqlite::Result<Option<(String, i64, Option<i64>)>> {
    conn.prepare_cached(
        "SELECT source, started_at, counted_at FROM music_plays WHERE listener_id = ?1 AND track_id = ?2",
    )?
    .query_row(params![listener.0, track], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// Counts the play: marks it and adds one to the day's streams.
pub fn count_stream(
    conn: &Connection,
    listener: UserId,
    track: i64,
    source: &str,
    day: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE music_plays SET counted_at = ?3 WHERE listener_id = ?1 AND track_id = ?2")?
        .execute(params![listener.0, track, now])?;
    conn.prepare_cached(
        "INSERT INTO streaming_metrics (day, track_id, source, streams) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (track_id, day, source) DO UPDATE SET streams = streams + 1",
    )?
    .execute(params![day, track, source])?;
    Ok(())
}

/// A track's counted streams, all days and sources.
pub fn count_streams(conn: &Connection, track: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COALESCE(SUM(streams), 0) FROM streaming_metrics WHERE track_id = ?1")?
        .query_row([track], |r| r.get(0))
}

/// A track's streams per day and source, newest day first.
pub fn list_stream_days(conn: &Connection, track: i64, limit: usize) -> rusqlite::Result<Vec<(String, String, i64)>> {
    conn.prepare_cached(
        "SELECT day, source, streams FROM streaming_metrics WHERE track_id = ?1 ORDER BY day DESC, source LIMIT ?2",
    )?
    .query_map(params![track, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}
