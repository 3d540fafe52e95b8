//! Print-on-demand jobs: one per paid order with print-on-demand items.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::{ArtistId, OrderId};

/// Starts a job for a paid order (once: a replayed event changes nothing).
pub fn insert_pod_job(
    conn: &Connection,
    order: i64,
    artist: ArtistId,
    provider: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO print_on_demand_jobs (uid, order_id, artist_id, provider, state, next_attempt_at, created_at,
                                           updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5) ON CONFLICT (order_id) DO NOTHING",
    )?
    .execute(params![crate::core::new_uid(), order, artist, provider, now])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct PodJobRow {
    pub id: i64,
    pub uid: String,
    pub order_id: OrderId,
    pub artist_id: ArtistId,
    pub provider: String,
    pub state: String,
    pub provider_ref: String,
    pub attempts: i64,
    pub last_error: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub submitted_at: Option<i64>,
    pub provider_updated_at: i64,
}

const JOB_SELECT: &str = "SELECT id, uid, order_id, artist_id, provider, state, provider_ref, attempts, last_error,
        carrier, tracking_number, tracking_url, submitted_at, provider_updated_at FROM print_on_demand_jobs";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PodJobRow> {
    Ok(PodJobRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        order_id: r.get(2)?,
        artist_id: r.get(3)?,
        provider: r.get(4)?,
        state: r.get(5)?,
        provider_ref: r.get(6)?,
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        carrier: r.get(9)?,
        tracking_number: r.get(10)?,
        tracking_url: r.get(11)?,
        submitted_at: r.get(12)?,
        provider_updated_at: r.get(13)?,
    })
}

/// Jobs waiting to be sent whose time has come.
pub fn due_pod_jobs(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<PodJobRow>> {
    conn.prepare_cached(&format!(
        "{JOB_SELECT} WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2"
    ))?
    .query_map(params![now, limit as i64], job_row)?
    .collect()
}

/// Jobs at the provider that have not ended.
pub fn open_pod_jobs(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<PodJobRow>> {
    conn.prepare_cached(&format!(
        "{JOB_SELECT} WHERE state IN ('submitted', 'in_production') ORDER BY updated_at LIMIT ?1"
    ))?
    .query_map([limit as i64], job_row)?
    .collect()
}

pub fn find_pod_job_for_order(conn: &Connection, order: OrderId) -> rusqlite::Result<Option<PodJobRow>> {
    conn.prepare_cached(&format!("{JOB_SELECT} WHERE order_id = ?1"))?.query_row([order], job_row).optional()
}

pub fn find_pod_job(conn: &Connection, uid: &str) -> rusqlite::Result<Option<PodJobRow>> {
    conn.prepare_cached(&format!("{JOB_SELECT} WHERE uid = ?1"))?.query_row([uid], job_row).optional()
}

/// A failed attempt: retried at `retry_at`, or failed for good (None).
pub fn pod_attempt_failed(
    conn: &Connection,
    job: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE print_on_demand_jobs SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                state = CASE WHEN ?3 IS NULL THEN 'failed' ELSE state END, updated_at = ?4
         WHERE id = ?1",
    )?
    .execute(params![job, error, retry_at, now])?;
    Ok(())
}

/// Moves a job to `state` with what the provider said, if the word is newer
/// than the last one applied. Returns whether it moved.
#[allow(clippy::too_many_arguments)]
pub fn update_pod_job(
    conn: &Connection,
    job: i64,
    from: &str,
    state: &str,
    provider_ref: &str,
    tracking: (&str, &str, &str),
    error: &str,
    at: i64,
    now: i64,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE print_on_demand_jobs SET state = ?3, provider_ref = CASE WHEN ?4 = '' THEN provider_ref ELSE ?4 END,
                    carrier = ?5, tracking_number = ?6, tracking_url = ?7,
                    last_error = CASE WHEN ?8 = '' THEN last_error ELSE ?8 END, provider_updated_at = ?9,
                    submitted_at = COALESCE(submitted_at, ?10), updated_at = ?10
             WHERE id = ?1 AND state = ?2 AND provider_updated_at <= ?9",
        )?
        .execute(params![job, from, state, provider_ref, tracking.0, tracking.1, tracking.2, error, at, now])?;
    Ok(changed == 1)
}

/// The artist asks to try a failed job again.
pub fn retry_pod_job(conn: &Connection, job: i64, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE print_on_demand_jobs SET state = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
         WHERE id = ?1 AND state = 'failed'",
        params![job, now],
    )?;
    Ok(changed == 1)
}

/// A print-on-demand item of an order, as the provider is sent it.
pub struct PodLine {
    pub catalog_variant: Option<i64>,
    pub quantity: i64,
    pub title: String,
    pub unit_price_minor: i64,
    /// The product's print files, or its cover photo when it has none.
    pub file_keys: Vec<String>,
}

/// The print-on-demand items of an order.
pub fn pod_lines(conn: &Connection, order: OrderId) -> rusqlite::Result<Vec<PodLine>> {
    let mut lines = Vec::new();
    let mut items = conn.prepare_cached(
        "SELECT v.pod_variant_id, i.quantity, i.title, i.unit_price_minor, i.product_id
         FROM order_items i JOIN product_variants v ON v.id = i.variant_id
         WHERE i.order_id = ?1 AND i.kind = 'pod' ORDER BY i.id",
    )?;
    let rows: Vec<(Option<i64>, i64, String, i64, i64)> = items
        .query_map([order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    for (variant, quantity, title, price, product) in rows {
        let files: Vec<String> = conn
            .prepare_cached(
                "SELECT media_key FROM product_files WHERE product_id = ?1 AND deleted_at IS NULL ORDER BY id",
            )?
            .query_map([product], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let files = if files.is_empty() {
            conn.prepare_cached(
                "SELECT media_key FROM product_photos WHERE product_id = ?1 ORDER BY position, id LIMIT 1",
            )?
            .query_map([product], |r| r.get(0))?
            .collect::<Result<_, _>>()?
        } else {
            files
        };
        lines.push(PodLine { catalog_variant: variant, quantity, title, unit_price_minor: price, file_keys: files });
    }
    Ok(lines)
}
