//! All SQL of moderation: the reports fans make (here), the queue's items
//! ([`items`]) and the label's decisions ([`decisions`]).

pub mod decisions;
pub mod items;

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::core::ids::UserId;

pub struct InsertReport<'a> {
    pub reporter: UserId,
    pub kind: &'a str,
    pub target: &'a str,
    pub author: UserId,
    pub excerpt: &'a str,
    pub link: &'a str,
    pub reason: &'a str,
    pub details: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: String,
    pub kind: String,
    pub target_id: String,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub created_at: i64,
}

/// Records a report; a fan's second open report of the same thing is the
/// first one again (returned, not duplicated).
pub fn insert_report(conn: &Connection, new: &InsertReport<'_>, now: i64) -> rusqlite::Result<ReportRow> {
    let uid = crate::core::new_uid();
    let inserted = conn.execute_cached(
        "INSERT INTO moderation_reports (uid, reporter_id, target_kind, target_uid, target_author, excerpt, link,
             reason, details, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (reporter_id, target_kind, target_uid) WHERE status = 'open' DO NOTHING",
        params![
            uid,
            new.reporter,
            new.kind,
            new.target,
            new.author,
            new.excerpt,
            new.link,
            new.reason,
            new.details,
            now
        ],
    )?;
    if inserted == 1 {
        items::count_report(conn, new, now)?;
    }
    conn.query_row_cached(
        &format!("{REPORT_SELECT} WHERE reporter_id = ?1 AND target_kind = ?2 AND target_uid = ?3 AND status = 'open'"),
        params![new.reporter, new.kind, new.target],
        report_row,
    )
}

const REPORT_SELECT: &str =
    "SELECT uid, target_kind, target_uid, reason, details, status, created_at FROM moderation_reports";

fn report_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportRow> {
    Ok(ReportRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        target_id: r.get(2)?,
        reason: r.get(3)?,
        details: r.get(4)?,
        status: r.get(5)?,
        created_at: r.get(6)?,
    })
}

/// How many reports the fan made since `since` (their hourly budget).
pub fn count_reports_since(conn: &Connection, reporter: UserId, since: i64) -> rusqlite::Result<i64> {
    conn.query_row_cached(
        "SELECT COUNT(*) FROM moderation_reports WHERE reporter_id = ?1 AND created_at > ?2",
        params![reporter, since],
        |r| r.get(0),
    )
}

/// The fan's own reports, newest first.
pub fn list_reports_by(conn: &Connection, reporter: UserId, limit: usize) -> rusqlite::Result<Vec<ReportRow>> {
    let sql = format!("{REPORT_SELECT} WHERE reporter_id = ?1 ORDER BY id DESC LIMIT {limit}");
    conn.prepare_cached(&sql)?.query_map([reporter], report_row)?.collect()
}

pub fn find_report_by(conn: &Connection, reporter: UserId, uid: &str) -> rusqlite::Result<Option<ReportRow>> {
    conn.query_row_cached(
        &format!("{REPORT_SELECT} WHERE reporter_id = ?1 AND uid = ?2"),
        params![reporter, uid],
        report_row,
    )
    .optional()
}
