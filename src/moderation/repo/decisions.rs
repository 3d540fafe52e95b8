//! The label's decisions about items, and the authors' appeals of them.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use crate::core::ids::UserId;

#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: i64,
    pub uid: String,
    pub item_id: i64,
    pub author: UserId,
    pub action: String,
    pub reason: String,
    pub decided_by: UserId,
    pub decided_at: i64,
    pub appeal_text: Option<String>,
    pub appealed_at: Option<i64>,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub outcome_at: Option<i64>,
    pub key_hash: String,
}

const DECISION_SELECT: &str = "SELECT id, uid, item_id, author_id, action, reason, decided_by, decided_at,
        appeal_text, appealed_at, outcome, outcome_reason, outcome_at, key_hash FROM moderation_decisions";

fn decision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        item_id: r.get(2)?,
        author: r.get(3)?,
        action: r.get(4)?,
        reason: r.get(5)?,
        decided_by: r.get(6)?,
        decided_at: r.get(7)?,
        appeal_text: r.get(8)?,
        appealed_at: r.get(9)?,
        outcome: r.get(10)?,
        outcome_reason: r.get(11)?,
        outcome_at: r.get(12)?,
        key_hash: r.get(13)?,
    })
}

pub struct NewDecision<'a> {
    pub item_id: i64,
    pub author: UserId,
    pub action: &'a str,
    pub reason: &'a str,
    pub by: UserId,
    /// SHA-256 of the key the author's email carries.
    pub key_hash: &'a str,
}

/// The label's answer to an appeal.
pub struct Answer<'a> {
    pub outcome: &'a str,
    pub reason: &'a str,
    pub by: UserId,
    pub key_hash: &'a str,
}

/// Records a decision; returns its uid (its address for the author).
pub fn insert_decision(conn: &Connection, new: &NewDecision<'_>, now: i64) -> rusqlite::Result<String> {
    let uid = crate::core::new_uid();
    conn.execute_cached(
        "INSERT INTO moderation_decisions (uid, item_id, author_id, action, reason, decided_by, decided_at, key_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![uid, new.item_id, new.author, new.action, new.reason, new.by, now, new.key_hash],
    )?;
    Ok(uid)
}

pub fn find_decision(conn: &Connection, uid: &str) -> rusqlite::Result<Option<DecisionRow>> {
    conn.prepare_cached(&format!("{DECISION_SELECT} WHERE uid = ?1"))?.query_row([uid], decision_row).optional()
}

/// An item's decisions, newest first (its history; at most `limit`).
pub fn list_decisions(conn: &Connection, item: i64, limit: usize) -> rusqlite::Result<Vec<DecisionRow>> {
    conn.prepare_cached(&format!("{DECISION_SELECT} WHERE item_id = ?1 ORDER BY id DESC LIMIT {limit}"))?
        .query_map([item], decision_row)?
        .collect()
}

/// The author's one appeal: `false` when the decision was appealed already.
pub fn insert_appeal(conn: &Connection, decision: i64, text: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE moderation_decisions SET appeal_text = ?2, appealed_at = ?3 WHERE id = ?1 AND appealed_at IS NULL",
        params![decision, text, now],
    )?;
    Ok(changed == 1)
}

/// The label's answer to an appeal: `false` when it was answered already.
/// The decision's key becomes the one the outcome's email carries.
pub fn set_outcome(conn: &Connection, decision: i64, answer: &Answer<'_>, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE moderation_decisions SET outcome = ?2, outcome_reason = ?3, outcome_by = ?4, outcome_at = ?5,
             key_hash = ?6
         WHERE id = ?1 AND appealed_at IS NOT NULL AND outcome IS NULL",
        params![decision, answer.outcome, answer.reason, answer.by, now, answer.key_hash],
    )?;
    Ok(changed == 1)
}
