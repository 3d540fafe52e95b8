//! SQL of one-click unsubscribe tokens (stored as SHA-256 hashes).

use rusqlite::{Connection, OptionalExtension, params};

/// How long an emailed unsubscribe link works.
pub const UNSUBSCRIBE_TTL_MS: i64 = 180 * 86_400_000;

/// Stores a token for (user, kind) and drops that pair's expired ones, so
/// the table holds at most the links of the last 180 days' emails.
pub fn insert_unsubscribe_token(
    conn: &Connection,
    token_hash: &str,
    user_id: i64,
    kind: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM unsubscribe_tokens WHERE user_id = ?1 AND kind = ?2 AND created_at < ?3")?
        .execute(params![user_id, kind, now - UNSUBSCRIBE_TTL_MS])?;
    conn.prepare_cached(
        "INSERT INTO unsubscribe_tokens (token_hash, user_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token_hash, user_id, kind, now])?;
    Ok(())
}

/// The (user, kind) a live token is for.
pub fn find_unsubscribe_token(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<(i64, String)>> {
    conn.prepare_cached(
        "SELECT t.user_id, t.kind FROM unsubscribe_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ?1 AND t.created_at >= ?2 AND u.deleted_at IS NULL",
    )?
    .query_row(params![token_hash, now - UNSUBSCRIBE_TTL_MS], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}
