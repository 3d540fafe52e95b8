//! SQL of the outbox.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub event_uid: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    /// The handlers that ran, when the event was settled in one go.
    pub handled: Option<String>,
}

const COLUMNS: &str =
    "id, event_uid, event_type, payload, status, attempts, next_attempt_at, last_error, created_at, handled";

fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        event_uid: r.get(1)?,
        event_type: r.get(2)?,
        payload: r.get(3)?,
        status: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        handled: r.get(9)?,
    })
}

pub fn insert_event(conn: &Connection, event_type: &str, payload: &str, now: i64) -> rusqlite::Result<String> {
    // Time-ordered (v7), unlike the public ids: each new uid lands at the
    // end of the `event_uid` index instead of on a random one of its
    // leaf pages, which at millions of events was a page read and a page
    // more in the WAL for every write that emits. Event uids are never
    // shown, so the order they reveal tells no one anything.
    let uid = uuid::Uuid::now_v7().simple().to_string();
    // Every write that emits runs this: parsed once per connection.
    conn.prepare_cached(
        "INSERT INTO platform_events (event_uid, event_type, payload, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![uid, event_type, payload, now])?;
    Ok(uid)
}

pub fn list_due_events(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<EventRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM platform_events
         WHERE status = 'pending' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now, limit as i64], row_to_event)?;
    rows.collect()
}

pub fn find_event(conn: &Connection, id: i64) -> rusqlite::Result<Option<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM platform_events WHERE id = ?1");
    conn.query_row_cached(&sql, [id], row_to_event).optional()
}

/// Undelivered events (pending and dead), or only dead ones, newest first.
pub fn list_undelivered(conn: &Connection, dead_only: bool, limit: usize) -> rusqlite::Result<Vec<EventRow>> {
    let filter = if dead_only { "status = 'dead'" } else { "status IN ('pending', 'dead')" };
    let sql = format!("SELECT {COLUMNS} FROM platform_events WHERE {filter} ORDER BY id DESC LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit as i64], row_to_event)?;
    rows.collect()
}

pub fn next_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row_cached("SELECT MIN(next_attempt_at) FROM platform_events WHERE status = 'pending'", [], |r| r.get(0))
}

pub fn count_by_status(conn: &Connection, status: &str) -> rusqlite::Result<i64> {
    conn.query_row_cached("SELECT COUNT(*) FROM platform_events WHERE status = ?1", [status], |r| r.get(0))
}

pub fn insert_handler_completion(conn: &Connection, event_id: i64, handler: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO platform_event_handlers (event_id, handler, completed_at) VALUES (?1, ?2, ?3)")?
        .execute(params![event_id, handler, now])?;
    Ok(())
}

/// The handlers that have run for the event — named on its row or
/// recorded in rows of their own — if it is still pending (`None` once
/// another worker settled it: the list of due events was read before this
/// transaction began). One statement: every event of a batch asks.
pub fn handlers_run(conn: &Connection, id: i64) -> rusqlite::Result<Option<Vec<String>>> {
    let lists: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT e.handled, (SELECT group_concat(h.handler) FROM platform_event_handlers h WHERE h.event_id = e.id)
             FROM platform_events e WHERE e.id = ?1 AND e.status = 'pending'",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // Handler names have no commas (the registry refuses them).
    Ok(lists.map(|(on_row, in_rows)| {
        [on_row, in_rows]
            .into_iter()
            .flatten()
            .flat_map(|list| list.split(',').map(str::to_owned).collect::<Vec<_>>())
            .filter(|n| !n.is_empty())
            .collect()
    }))
}

/// Marks the event done; `handled` names the handlers that ran (kept on
/// the event instead of a row per handler), or `None` when those are
/// recorded as `platform_event_handlers` rows.
pub fn mark_event_done(conn: &Connection, id: i64, now: i64, handled: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE platform_events SET status = 'done', completed_at = ?2, last_error = NULL,
                handled = coalesce(?3, handled) WHERE id = ?1",
    )?
    .execute(params![id, now, handled])?;
    Ok(())
}

pub fn record_event_failure(
    conn: &Connection,
    id: i64,
    attempts: i64,
    next_attempt_at: i64,
    dead: bool,
    error: &str,
) -> rusqlite::Result<()> {
    let status = if dead { "dead" } else { "pending" };
    conn.prepare_cached(
        "UPDATE platform_events SET attempts = ?2, next_attempt_at = ?3, status = ?4, last_error = ?5 WHERE id = ?1",
    )?
    .execute(params![id, attempts, next_attempt_at, status, error])?;
    Ok(())
}

/// Puts dead events (one, or all with `id = None`) back in the queue.
pub fn requeue_dead_events(conn: &Connection, id: Option<i64>, now: i64) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "UPDATE platform_events SET status = 'pending', attempts = 0, next_attempt_at = ?1
         WHERE status = 'dead' AND (?2 IS NULL OR id = ?2)",
        params![now, id],
    )
}

/// Deletes up to `limit` events that finished before `before`, with their
/// handler records. Pending and dead events are never touched. Both
/// statements pick the same batch: the same query over the same rows, in a
/// total order, inside one transaction.
pub fn prune_done_events(conn: &Connection, before: i64, limit: usize) -> rusqlite::Result<usize> {
    const BATCH: &str = "SELECT id FROM platform_events WHERE status = 'done' AND completed_at < ?1
                         ORDER BY completed_at, id LIMIT ?2";
    conn.execute_cached(
        &format!("DELETE FROM platform_event_handlers WHERE event_id IN ({BATCH})"),
        params![before, limit as i64],
    )?;
    conn.execute_cached(&format!("DELETE FROM platform_events WHERE id IN ({BATCH})"), params![before, limit as i64])
}
