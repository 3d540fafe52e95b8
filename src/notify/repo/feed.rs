//! SQL of the in-app feed: keyset pages, the unread counter, marking read.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// One notice as its owner sees it in the feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedItem {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub unread: bool,
}

/// Up to `limit` of `user_id`'s notices with ids below `before` (all when
/// `None`), newest first: one walk of `notifications_user`.
pub fn list_feed_page(
    conn: &Connection,
    user_id: i64,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<FeedItem>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, title, body, link, created_at, read_at IS NULL FROM notifications
         WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![user_id, before.unwrap_or(i64::MAX), limit as i64], |r| {
        Ok(FeedItem {
            id: r.get(0)?,
            kind: r.get(1)?,
            title: r.get(2)?,
            body: r.get(3)?,
            link: r.get(4)?,
            created_at: r.get(5)?,
            unread: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The user's unread notices, from the counter the triggers keep.
pub fn unread_count(conn: &Connection, user_id: i64) -> rusqlite::Result<i64> {
    let count = conn
        .prepare_cached("SELECT unread FROM notification_unread WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?;
    Ok(count.unwrap_or(0))
}

/// The link of `user_id`'s notice `id` (outer `None`: no such notice of theirs).
pub fn find_notice_link(conn: &Connection, user_id: i64, id: i64) -> rusqlite::Result<Option<Option<String>>> {
    conn.prepare_cached("SELECT link FROM notifications WHERE id = ?1 AND user_id = ?2")?
        .query_row(params![id, user_id], |r| r.get(0))
        .optional()
}

/// How many of `ids` are notices of `user_id`.
pub fn count_owned(conn: &Connection, user_id: i64, ids: &[i64]) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM notifications WHERE id = ?1 AND user_id = ?2")?;
    let mut owned = 0;
    for &id in ids {
        owned += usize::from(stmt.exists(params![id, user_id])?);
    }
    Ok(owned)
}

/// Marks `user_id`'s notice `id` read (no change if it already was).
pub fn mark_read(conn: &Connection, user_id: i64, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE notifications SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 AND read_at IS NULL")?
        .execute(params![id, user_id, now])?;
    Ok(())
}

/// Marks every unread notice of `user_id` read.
pub fn mark_all_read(conn: &Connection, user_id: i64, now: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL")?
        .execute(params![user_id, now])
}
