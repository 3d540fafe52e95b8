//! SQL of payouts.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::core::ids::ArtistId;

#[derive(Debug, Clone, Serialize)]
pub struct PayoutRow {
    #[serde(skip)]
    pub id: i64,
    pub uid: String,
    #[serde(skip)]
    pub artist_id: ArtistId,
    pub provider: String,
    pub provider_ref: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub arrival_at: Option<i64>,
    pub failure_message: String,
    #[serde(skip)]
    pub status_at: i64,
    pub created_at: i64,
}

const SELECT: &str = "SELECT id, uid, artist_id, provider, provider_ref, amount_minor, currency, status, arrival_at,
    failure_message, status_at, created_at FROM payouts";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PayoutRow> {
    Ok(PayoutRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        artist_id: r.get(2)?,
        provider: r.get(3)?,
        provider_ref: r.get(4)?,
        amount_minor: r.get(5)?,
        currency: r.get(6)?,
        status: r.get(7)?,
        arrival_at: r.get(8)?,
        failure_message: r.get(9)?,
        status_at: r.get(10)?,
        created_at: r.get(11)?,
    })
}

pub fn find_by_ref(conn: &Connection, provider_ref: &str) -> rusqlite::Result<Option<PayoutRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE provider_ref = ?1"))?.query_row([provider_ref], row).optional()
}

pub struct NewPayout<'a> {
    pub artist: ArtistId,
    pub provider: &'a str,
    pub provider_ref: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub status: &'a str,
    pub arrival_at: Option<i64>,
    pub failure_message: &'a str,
    pub status_at: i64,
}

/// How far along its life a status is: on a tie in time, the later wins.
const RANK: &str = "CASE {} WHEN 'pending' THEN 0 WHEN 'in_transit' THEN 1 WHEN 'paid' THEN 2 ELSE 3 END";

/// Inserts the payout, or moves it to the new status when this word is
/// newer than the stored one (or as new, and further along). A failed or
/// canceled payout stays so. Returns the row as it now stands, and whether
/// anything changed.
pub fn upsert(conn: &Connection, new: &NewPayout<'_>, now: i64) -> rusqlite::Result<(PayoutRow, bool)> {
    let sql = format!(
        "INSERT INTO payouts (uid, artist_id, provider, provider_ref, amount_minor, currency, status, arrival_at,
             failure_message, status_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
         ON CONFLICT (provider_ref) DO UPDATE SET status = excluded.status, arrival_at = excluded.arrival_at,
             failure_message = excluded.failure_message, status_at = excluded.status_at,
             amount_minor = excluded.amount_minor, updated_at = excluded.updated_at
         WHERE payouts.status NOT IN ('failed', 'canceled') AND excluded.status <> payouts.status
           AND (excluded.status_at > payouts.status_at
                OR (excluded.status_at = payouts.status_at AND {} > {}))",
        RANK.replace("{}", "excluded.status"),
        RANK.replace("{}", "payouts.status")
    );
    let changed = conn.prepare_cached(&sql)?.execute(params![
        crate::core::new_uid(),
        new.artist,
        new.provider,
        new.provider_ref,
        new.amount_minor,
        new.currency,
        new.status,
        new.arrival_at,
        new.failure_message,
        new.status_at,
        now
    ])?;
    let stored = find_by_ref(conn, new.provider_ref)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok((stored, changed == 1))
}

/// The artist's payouts, newest first, before the id `before`.
pub fn list(
    conn: &Connection,
    artist: ArtistId,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<PayoutRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE artist_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"))?
        .query_map(params![artist, before.unwrap_or(i64::MAX), limit as i64], row)?
        .collect()
}

/// The next payout on its way (pending or in transit), soonest first.
pub fn next_on_the_way(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Option<PayoutRow>> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE artist_id = ?1 AND status IN ('pending', 'in_transit') ORDER BY arrival_at, id LIMIT 1"
    ))?
    .query_row([artist], row)
    .optional()
}

/// The artist's payouts made in `[from, to)` (unix ms), oldest first.
pub fn list_between(conn: &Connection, artist: ArtistId, from: i64, to: i64) -> rusqlite::Result<Vec<PayoutRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE artist_id = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY id"))?
        .query_map(params![artist, from, to], row)?
        .collect()
}

/// What the artist has earned and not yet been paid, in micro-units of
/// `analytics.currency`: their net less their payouts, from the snapshots.
pub fn balance_micros(conn: &Connection, artist: ArtistId) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce(sum(net_micros), 0) - coalesce(sum(payouts_micros), 0) FROM artist_analytics_monthly
         WHERE artist_id = ?1",
    )?
    .query_row([artist], |r| r.get(0))
}
