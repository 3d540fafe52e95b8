//! SQL of notifications.

use rusqlite::{Connection, params};
use serde::Serialize;

pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
}

pub fn insert_notification(conn: &Connection, new: &NewNotification<'_>, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new.user_id, new.kind, new.title, new.body, new.link, now],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub unread: bool,
}

pub fn list_notifications_for_user(
    conn: &Connection,
    user_id: i64,
    limit: usize,
) -> rusqlite::Result<Vec<NotificationRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, title, body, link, created_at, read_at IS NULL FROM notifications
         WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![user_id, limit as i64], |r| {
        Ok(NotificationRow {
            kind: r.get(0)?,
            title: r.get(1)?,
            body: r.get(2)?,
            link: r.get(3)?,
            created_at: r.get(4)?,
            unread: r.get(5)?,
        })
    })?;
    rows.collect()
}
