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

/// One email waiting in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

pub fn insert_mail(conn: &Connection, to: &str, subject: &str, body: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO mail_outbox (to_address, subject, body, status, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?4)",
        params![to, subject, body, now],
    )?;
    Ok(())
}

pub fn list_due_mail(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<QueuedMail>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, to_address, subject, body, attempts FROM mail_outbox
         WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(QueuedMail { id: r.get(0)?, to: r.get(1)?, subject: r.get(2)?, body: r.get(3)?, attempts: r.get(4)? })
    })?;
    rows.collect()
}

/// When the next pending mail falls due, if any is pending.
pub fn next_mail_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'pending'", [], |r| r.get(0))
}

pub fn mark_mail_sent(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `None`.
pub fn mark_mail_failed(conn: &Connection, id: i64, error: &str, retry_at: Option<i64>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2,
                status = CASE WHEN ?3 IS NULL THEN 'dead' ELSE 'pending' END,
                next_attempt_at = COALESCE(?3, next_attempt_at)
         WHERE id = ?1",
        params![id, error, retry_at],
    )?;
    Ok(())
}

/// Sent mail older than `before`, removed in bounded batches.
pub fn prune_sent_mail(conn: &Connection, before: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM mail_outbox WHERE id IN
           (SELECT id FROM mail_outbox WHERE status = 'sent' AND sent_at < ?1 LIMIT 1000)",
        [before],
    )
}
