//! Music's SQL for DDEX deliveries and their attempt log.

use rusqlite::{Connection, OptionalExtension, params};

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub uid: String,
    pub release_id: i64,
    pub target: String,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub batch_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, uid, release_id, target, kind, status, attempts, next_attempt_at, batch_id,
    last_error, created_at, delivered_at";

fn delivery_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        release_id: r.get(2)?,
        target: r.get(3)?,
        kind: r.get(4)?,
        status: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        batch_id: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        delivered_at: r.get(11)?,
    })
}

pub fn insert_delivery(
    conn: &Connection,
    uid: &str,
    release: i64,
    target: &str,
    kind: &str,
    now: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO ddex_deliveries (uid, release_id, target, kind, status, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
    )?
    .execute(params![uid, release, target, kind, now])?;
    Ok(conn.last_insert_rowid())
}

/// A delivery made and claimed at once (the admin's `ddex deliver`).
pub fn insert_claimed_delivery(
    conn: &Connection,
    uid: &str,
    release: i64,
    target: &str,
    kind: &str,
    now: i64,
) -> rusqlite::Result<DeliveryRow> {
    conn.prepare_cached(
        "INSERT INTO ddex_deliveries (uid, release_id, target, kind, status, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'delivering', 1, ?5, ?5)",
    )?
    .execute(params![uid, release, target, kind, now])?;
    find_delivery(conn, uid)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

pub fn find_delivery(conn: &Connection, uid: &str) -> rusqlite::Result<Option<DeliveryRow>> {
    conn.prepare_cached(&format!("SELECT {DELIVERY_COLUMNS} FROM ddex_deliveries WHERE uid = ?1"))?
        .query_row([uid], delivery_row)
        .optional()
}

/// Claims the next due delivery: it becomes 'delivering' so no other
/// worker takes it.
pub fn claim_due_delivery(conn: &Connection, now: i64) -> rusqlite::Result<Option<DeliveryRow>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM ddex_deliveries WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT 1"
        ))?
        .query_row([now], delivery_row)
        .optional()?;
    if let Some(row) = &row {
        conn.prepare_cached("UPDATE ddex_deliveries SET status = 'delivering', attempts = attempts + 1 WHERE id = ?1")?
            .execute([row.id])?;
    }
    Ok(row.map(|r| DeliveryRow { status: "delivering".into(), attempts: r.attempts + 1, ..r }))
}

pub fn any_delivering(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM ddex_deliveries WHERE status = 'delivering'")?.exists([])
}

/// Deliveries a crash left 'delivering' go back in the queue.
pub fn requeue_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE ddex_deliveries SET status = 'pending' WHERE status = 'delivering'")?.execute([])
}

pub fn finish_attempt(
    conn: &Connection,
    delivery: &DeliveryRow,
    started_at: i64,
    outcome: &Result<String, String>,
    retry_at: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    let (ok, detail) = match outcome {
        Ok(batch) => (true, batch.as_str()),
        Err(why) => (false, why.as_str()),
    };
    conn.prepare_cached(
        "INSERT INTO ddex_delivery_attempts (delivery_id, attempt, started_at, finished_at, ok, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![delivery.id, delivery.attempts, started_at, now, ok, detail])?;
    match (outcome, retry_at) {
        (Ok(batch), _) => conn
            .prepare_cached(
                "UPDATE ddex_deliveries SET status = 'delivered', batch_id = ?2, last_error = NULL, delivered_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![delivery.id, batch, now])?,
        (Err(why), Some(at)) => conn
            .prepare_cached(
                "UPDATE ddex_deliveries SET status = 'pending', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![delivery.id, at, why])?,
        (Err(why), None) => conn
            .prepare_cached("UPDATE ddex_deliveries SET status = 'failed', last_error = ?2 WHERE id = ?1")?
            .execute(params![delivery.id, why])?,
    };
    Ok(())
}

pub fn list_deliveries_for_release(conn: &Connection, release: i64) -> rusqlite::Result<Vec<DeliveryRow>> {
    conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM ddex_deliveries WHERE release_id = ?1 ORDER BY id DESC LIMIT 50"
    ))?
    .query_map([release], delivery_row)?
    .collect()
}

pub fn list_recent_deliveries(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<DeliveryRow>> {
    conn.prepare_cached(&format!("SELECT {DELIVERY_COLUMNS} FROM ddex_deliveries ORDER BY id DESC LIMIT ?1"))?
        .query_map([limit as i64], delivery_row)?
        .collect()
}

/// One try at a delivery, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub attempt: i64,
    pub finished_at: i64,
    pub ok: bool,
    pub detail: String,
}

/// The attempts of a release's deliveries, oldest first.
pub fn list_attempts_for_release(conn: &Connection, release: i64) -> rusqlite::Result<Vec<AttemptRow>> {
    conn.prepare_cached(
        "SELECT a.delivery_id, a.attempt, a.finished_at, a.ok, a.detail FROM ddex_delivery_attempts a
         JOIN ddex_deliveries d ON d.id = a.delivery_id WHERE d.release_id = ?1 ORDER BY a.id LIMIT 500",
    )?
    .query_map([release], |r| {
        Ok(AttemptRow {
            delivery_id: r.get(0)?,
            attempt: r.get(1)?,
            finished_at: r.get(2)?,
            ok: r.get(3)?,
            detail: r.get(4)?,
        })
    })?
    .collect()
}

pub fn next_delivery_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT MIN(next_attempt_at) FROM ddex_deliveries WHERE status = 'pending'")?
        .query_row([], |r| r.get(0))
}
