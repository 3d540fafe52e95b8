//! The queue's rows: one per reported thing, kept as reports arrive and as
//! the label decides, so a page of the queue is one index walk.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::InsertReport;
use crate::core::ids::UserId;

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: i64,
    pub kind: String,
    pub uid: String,
    pub author: UserId,
    pub excerpt: String,
    pub link: String,
    pub open_reports: i64,
    pub total_reports: i64,
    pub last_reported_at: i64,
    pub hidden: bool,
    pub appeal_pending: bool,
    pub updated_at: i64,
}

const ITEM_SELECT: &str = "SELECT id, target_kind, target_uid, author_id, excerpt, link, open_reports, total_reports,
        last_reported_at, hidden, appeal_pending, updated_at FROM moderation_items";

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        uid: r.get(2)?,
        author: r.get(3)?,
        excerpt: r.get(4)?,
        link: r.get(5)?,
        open_reports: r.get(6)?,
        total_reports: r.get(7)?,
        last_reported_at: r.get(8)?,
        hidden: r.get(9)?,
        appeal_pending: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// A new report counts on its item (made on the first report); the item
/// keeps the newest context.
pub fn count_report(conn: &Connection, new: &InsertReport<'_>, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO moderation_items (target_kind, target_uid, author_id, excerpt, link, open_reports, total_reports,
                                       last_reported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, ?6, ?6)
         ON CONFLICT (target_kind, target_uid) DO UPDATE SET
             open_reports = open_reports + 1, total_reports = total_reports + 1,
             last_reported_at = excluded.last_reported_at, updated_at = excluded.updated_at,
             author_id = excluded.author_id, excerpt = excluded.excerpt, link = excluded.link",
    )?
    .execute(params![new.kind, new.target, new.author, new.excerpt, new.link, now])?;
    Ok(())
}

/// Which items a queue page lists, and in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Open reports, newest report first.
    OpenNewest,
    /// Open reports, most reported first.
    OpenMost,
    /// Nothing open any more, last handled first.
    Resolved,
    /// The author's appeal waits, oldest change last.
    Appealed,
}

/// A page of items after the keyset `(key, id)` (`None`: the first page).
pub fn list_items(
    conn: &Connection,
    listing: Listing,
    after: Option<(i64, i64)>,
    limit: usize,
) -> rusqlite::Result<Vec<ItemRow>> {
    let (key, filter) = match listing {
        Listing::OpenNewest => ("last_reported_at", "open_reports > 0"),
        Listing::OpenMost => ("open_reports", "open_reports > 0"),
        Listing::Resolved => ("updated_at", "open_reports = 0"),
        Listing::Appealed => ("updated_at", "appeal_pending = 1"),
    };
    let (k, id) = after.unwrap_or((i64::MAX, i64::MAX));
    let sql =
        format!("{ITEM_SELECT} WHERE {filter} AND ({key}, id) < (?1, ?2) ORDER BY {key} DESC, id DESC LIMIT {limit}");
    conn.prepare_cached(&sql)?.query_map(params![k, id], item_row)?.collect()
}

/// The keyset value of `item` in `listing` (for the next page's cursor).
pub fn key_of(item: &ItemRow, listing: Listing) -> i64 {
    match listing {
        Listing::OpenNewest => item.last_reported_at,
        Listing::OpenMost => item.open_reports,
        Listing::Resolved | Listing::Appealed => item.updated_at,
    }
}

pub fn find_item(conn: &Connection, kind: &str, uid: &str) -> rusqlite::Result<Option<ItemRow>> {
    conn.prepare_cached(&format!("{ITEM_SELECT} WHERE target_kind = ?1 AND target_uid = ?2"))?
        .query_row(params![kind, uid], item_row)
        .optional()
}

pub fn find_item_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<ItemRow>> {
    conn.prepare_cached(&format!("{ITEM_SELECT} WHERE id = ?1"))?.query_row([id], item_row).optional()
}

/// Closes the item's open reports as `status` ("dismissed" or "actioned");
/// returns how many were open.
pub fn close_reports(
    conn: &Connection,
    item: &ItemRow,
    status: &str,
    by: UserId,
    resolution: &str,
    now: i64,
) -> rusqlite::Result<usize> {
    let closed = conn.execute_cached(
        "UPDATE moderation_reports SET status = ?3, resolved_at = ?4, resolved_by = ?5, resolution = ?6
         WHERE target_kind = ?1 AND target_uid = ?2 AND status = 'open'",
        params![item.kind, item.uid, status, now, by, resolution],
    )?;
    conn.execute_cached(
        "UPDATE moderation_items SET open_reports = 0, updated_at = ?2 WHERE id = ?1",
        params![item.id, now],
    )?;
    Ok(closed)
}

pub fn set_hidden(conn: &Connection, item: i64, hidden: bool, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE moderation_items SET hidden = ?2, updated_at = ?3 WHERE id = ?1",
        params![item, hidden, now],
    )?;
    Ok(())
}

pub fn set_appeal_pending(conn: &Connection, item: i64, pending: bool, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE moderation_items SET appeal_pending = ?2, updated_at = ?3 WHERE id = ?1",
        params![item, pending, now],
    )?;
    Ok(())
}

/// One report of an item, as the label reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemReport {
    pub id: i64,
    pub reporter: UserId,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub created_at: i64,
    pub resolution: Option<String>,
}

/// The item's reports, newest first, before report row `before`.
pub fn list_item_reports(
    conn: &Connection,
    item: &ItemRow,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<ItemReport>> {
    let sql = format!(
        "SELECT id, reporter_id, reason, details, status, created_at, resolution FROM moderation_reports
         WHERE target_kind = ?1 AND target_uid = ?2 AND id < ?3 ORDER BY id DESC LIMIT {limit}"
    );
    conn.prepare_cached(&sql)?
        .query_map(params![item.kind, item.uid, before.unwrap_or(i64::MAX)], |r| {
            Ok(ItemReport {
                id: r.get(0)?,
                reporter: r.get(1)?,
                reason: r.get(2)?,
                details: r.get(3)?,
                status: r.get(4)?,
                created_at: r.get(5)?,
                resolution: r.get(6)?,
            })
        })?
        .collect()
}
