//! The audit log: every admin action (console or command line) with who,
//! when, what, on what and why, written in the same transaction as the
//! action itself, so a change without its row cannot happen.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::core::ids::UserId;

/// Who acted: an admin account, or the command line on the server.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// The admin's email, or "cli"; copied so the log outlives the account.
    pub name: String,
}

/// The label's operator at the server's shell (`boptone admin …`).
pub fn cli_actor() -> Actor {
    Actor { user_id: None, name: "cli".to_owned() }
}

/// One action. `action` is dotted, the noun first ("artist.suspend",
/// "report.hide", "label.update", "money.export").
pub struct Entry<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_uid: &'a str,
    pub reason: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub fn record(tx: &Connection, actor: &Actor, entry: Entry<'_>, now: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target_kind, target_uid, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        now,
        actor.user_id.map(|u| u.0),
        actor.name,
        entry.action,
        entry.target_kind,
        entry.target_uid,
        entry.reason,
        entry.detail.to_string()
    ])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_uid: String,
    pub reason: Option<String>,
    pub detail: String,
}

/// What the log page filters by; each part optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// An action, or its noun ("artist" matches "artist.suspend").
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
}

/// Newest first, `limit` rows with ids below `before`.
pub fn page(conn: &Connection, filter: &Filter, before: Option<i64>, limit: usize) -> rusqlite::Result<Vec<Row>> {
    let noun = filter.action.as_deref().map(|a| format!("{a}.%"));
    conn.prepare_cached(
        "SELECT id, at, actor_name, action, target_kind, target_uid, reason, detail FROM audit_log
         WHERE id < ?1
           AND (?2 IS NULL OR action = ?2 OR action LIKE ?3 ESCAPE '\\')
           AND (?4 IS NULL OR actor_name = ?4)
           AND (?5 IS NULL OR target_uid = ?5)
         ORDER BY id DESC LIMIT ?6",
    )?
    .query_map(
        params![
            before.unwrap_or(i64::MAX),
            filter.action,
            noun.map(|n| n.replace('\\', "\\\\").replace('_', "\\_")),
            filter.actor,
            filter.target,
            limit as i64
        ],
        |r| {
            Ok(Row {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target_kind: r.get(4)?,
                target_uid: r.get(5)?,
                reason: r.get(6)?,
                detail: r.get(7)?,
            })
        },
    )?
    .collect()
}

/// One CSV field (RFC 4180), with spreadsheet formulas neutralised: a
/// value that starts with = + - @ (or a tab or carriage return) is read as
/// text, not run, when the label opens the export.
pub fn csv_field(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

pub const CSV_HEADER: &str = "id,at_utc,actor,action,target_kind,target_uid,reason,detail\r\n";

pub fn csv_line(row: &Row) -> String {
    let at = chrono::DateTime::from_timestamp_millis(row.at).map(|t| t.to_rfc3339()).unwrap_or_default();
    let fields = [
        row.id.to_string(),
        at,
        row.actor.clone(),
        row.action.clone(),
        row.target_kind.clone(),
        row.target_uid.clone(),
        row.reason.clone().unwrap_or_default(),
        row.detail.clone(),
    ];
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
