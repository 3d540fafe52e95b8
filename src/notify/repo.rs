//! SQL of notifications.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

pub mod feed;
pub mod prefs;
pub mod unsubscribe;

pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
}

pub fn insert_notification(conn: &Connection, new: &NewNotification<'_>, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new.user_id, new.kind, new.title, new.body, new.link, now],
    )?;
    Ok(())
}

/// One email waiting in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// Site paths the sender makes absolute (see [`SitePaths`]).
    pub paths: SitePaths,
}

/// Site paths of a notice email: the notice's own link, and its one-click
/// unsubscribe link (which also goes in the `List-Unsubscribe` headers).
#[derive(Debug, Clone, Default)]
pub struct SitePaths {
    pub link: Option<String>,
    pub unsubscribe: Option<String>,
}

pub fn insert_mail(conn: &Connection, to: &str, subject: &str, body: &str, now: i64) -> rusqlite::Result<()> {
    insert_mail_with_paths(conn, to, subject, body, &SitePaths::default(), now)
}

pub fn insert_mail_with_paths(
    conn: &Connection,
    to: &str,
    subject: &str,
    body: &str,
    paths: &SitePaths,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO mail_outbox (to_address, subject, body, link_path, unsubscribe_path, status, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
    )?
    .execute(params![to, subject, body, paths.link, paths.unsubscribe, now])?;
    Ok(())
}

pub fn list_due_mail(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<QueuedMail>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, to_address, subject, body, attempts, link_path, unsubscribe_path FROM mail_outbox
         WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(QueuedMail {
            id: r.get(0)?,
            to: r.get(1)?,
            subject: r.get(2)?,
            body: r.get(3)?,
            attempts: r.get(4)?,
            paths: SitePaths { link: r.get(5)?, unsubscribe: r.get(6)? },
        })
    })?;
    rows.collect()
}

/// When the next pending mail falls due, if any is pending.
pub fn next_mail_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row_cached("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'pending'", [], |r| r.get(0))
}

pub fn mark_mail_sent(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `None`.
pub fn mark_mail_failed(conn: &Connection, id: i64, error: &str, retry_at: Option<i64>) -> rusqlite::Result<()> {
    conn.execute_cached(
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
    conn.execute_cached(
        "DELETE FROM mail_outbox WHERE id IN
           (SELECT id FROM mail_outbox WHERE status = 'sent' AND sent_at < ?1 LIMIT 1000)",
        [before],
    )
}

/// Queues `payload` for every push subscription of `user_id`; returns how
/// many pushes were queued.
pub fn insert_pushes_for_user(conn: &Connection, user_id: i64, payload: &str, now: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO push_outbox (subscription_id, payload, status, next_attempt_at, created_at)
         SELECT id, ?2, 'pending', ?3, ?3 FROM push_subscriptions WHERE user_id = ?1",
    )?
    .execute(params![user_id, payload, now])
}

/// One push waiting in the outbox, with where it goes.
#[derive(Debug, Clone)]
pub struct QueuedPush {
    pub id: i64,
    pub subscription_id: i64,
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
    pub payload: String,
    pub attempts: i64,
}

pub fn list_due_pushes(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<QueuedPush>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, s.id, s.endpoint, s.p256dh, s.auth, o.payload, o.attempts
         FROM push_outbox o JOIN push_subscriptions s ON s.id = o.subscription_id
         WHERE o.status = 'pending' AND o.next_attempt_at <= ?1 ORDER BY o.next_attempt_at, o.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(QueuedPush {
            id: r.get(0)?,
            subscription_id: r.get(1)?,
            endpoint: r.get(2)?,
            p256dh: r.get(3)?,
            auth: r.get(4)?,
            payload: r.get(5)?,
            attempts: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// When the next pending push falls due, if any is pending.
pub fn next_push_due_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row_cached("SELECT MIN(next_attempt_at) FROM push_outbox WHERE status = 'pending'", [], |r| r.get(0))
}

/// A push the service accepted: it leaves the outbox, and its subscription
/// is known to work.
pub fn mark_push_delivered(conn: &Connection, push: &QueuedPush, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached("DELETE FROM push_outbox WHERE id = ?1", [push.id])?;
    conn.execute_cached(
        "UPDATE push_subscriptions SET last_success_at = ?2, failures = 0 WHERE id = ?1",
        params![push.subscription_id, now],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `None`.
pub fn mark_push_failed(
    conn: &Connection,
    push: &QueuedPush,
    error: &str,
    retry_at: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE push_outbox SET attempts = attempts + 1, last_error = ?2,
                status = CASE WHEN ?3 IS NULL THEN 'dead' ELSE 'pending' END,
                next_attempt_at = COALESCE(?3, next_attempt_at)
         WHERE id = ?1",
        params![push.id, error, retry_at],
    )?;
    conn.execute_cached("UPDATE push_subscriptions SET failures = failures + 1 WHERE id = ?1", [push.subscription_id])?;
    if retry_at.is_none() {
        // Dead pushes are kept to look at, the newest few per subscription:
        // a service that refuses everything must not grow the table forever.
        conn.execute_cached(
            "DELETE FROM push_outbox WHERE subscription_id = ?1 AND status = 'dead' AND id NOT IN
               (SELECT id FROM push_outbox WHERE subscription_id = ?1 AND status = 'dead' ORDER BY id DESC LIMIT ?2)",
            params![push.subscription_id, DEAD_PUSHES_KEPT],
        )?;
    }
    Ok(())
}

/// Dead pushes kept per subscription.
pub const DEAD_PUSHES_KEPT: i64 = 10;

/// Removes a subscription and whatever still waits for it.
pub fn delete_push_subscription(conn: &Connection, subscription_id: i64) -> rusqlite::Result<()> {
    conn.execute_cached("DELETE FROM push_outbox WHERE subscription_id = ?1", [subscription_id])?;
    conn.execute_cached("DELETE FROM push_subscriptions WHERE id = ?1", [subscription_id])?;
    Ok(())
}

/// Stores a subscription for `user_id`; returns true when it is new. An
/// endpoint already stored moves to `user_id` with the new keys (only the
/// browser that holds it knows it): what waited for another user is
/// dropped, so nothing of theirs reaches this browser. A user keeps
/// `max` subscriptions at most: a new one replaces the one that went
/// longest without a delivery.
pub fn upsert_push_subscription(
    conn: &Connection,
    user_id: i64,
    endpoint: &str,
    p256dh: &[u8],
    auth: &[u8],
    max: usize,
    now: i64,
) -> rusqlite::Result<bool> {
    let existing: Option<(i64, i64)> = conn
        .query_row_cached("SELECT id, user_id FROM push_subscriptions WHERE endpoint = ?1", [endpoint], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((id, owner)) = existing {
        if owner != user_id {
            conn.execute_cached("DELETE FROM push_outbox WHERE subscription_id = ?1", [id])?;
        }
        conn.execute_cached(
            "UPDATE push_subscriptions SET user_id = ?2, p256dh = ?3, auth = ?4, failures = 0 WHERE id = ?1",
            params![id, user_id, p256dh, auth],
        )?;
        return Ok(false);
    }
    let stale: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM push_subscriptions WHERE user_id = ?1
             ORDER BY COALESCE(last_success_at, created_at) DESC, id DESC LIMIT -1 OFFSET ?2",
        )?
        .query_map(params![user_id, max.saturating_sub(1) as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in stale {
        delete_push_subscription(conn, id)?;
    }
    conn.execute_cached(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, endpoint, p256dh, auth, now],
    )?;
    Ok(true)
}

/// Removes `user_id`'s subscription at `endpoint`; false when they have none there.
pub fn delete_push_subscription_for_user(conn: &Connection, user_id: i64, endpoint: &str) -> rusqlite::Result<bool> {
    let id: Option<i64> = conn
        .query_row_cached(
            "SELECT id FROM push_subscriptions WHERE endpoint = ?1 AND user_id = ?2",
            params![endpoint, user_id],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => delete_push_subscription(conn, id).map(|()| true),
        None => Ok(false),
    }
}
