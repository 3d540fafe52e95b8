//! SQL of the token tables: sessions, app-surface bearer tokens and
//! password-reset links share one shape (the SHA-256 of a secret → a user).

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::AuthUser;
use crate::core::ids::UserId;

/// The tables that map the hash of a secret token to a user: sign-in
/// sessions, app-surface bearer tokens, password-reset links.
#[derive(Debug, Clone, Copy)]
pub enum TokenTable {
    Sessions,
    ApiTokens,
    PasswordResets,
}

impl TokenTable {
    fn name(self) -> &'static str {
        match self {
            TokenTable::Sessions => "sessions",
            TokenTable::ApiTokens => "api_tokens",
            TokenTable::PasswordResets => "password_resets",
        }
    }
}

pub fn insert_token(
    conn: &Connection,
    table: TokenTable,
    token_hash: &str,
    user: UserId,
    now: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    let sql =
        format!("INSERT INTO {} (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", table.name());
    conn.prepare_cached(&sql)?.execute(params![token_hash, user, now, expires_at])?;
    Ok(())
}

/// The user an unexpired token opens.
/// The user a live token opens, and until when it does.
pub fn find_token_user(
    conn: &Connection,
    table: TokenTable,
    token_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<(AuthUser, i64)>> {
    let sql = format!(
        "SELECT u.id, u.uid, u.email, u.role, u.display_name, t.expires_at FROM {} t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND u.deleted_at IS NULL
           AND (u.suspended_at IS NULL OR u.role = 'artist')",
        table.name()
    );
    conn.prepare_cached(&sql)?
        .query_row(params![token_hash, now], |r| {
            let user =
                AuthUser { id: r.get(0)?, uid: r.get(1)?, email: r.get(2)?, role: r.get(3)?, display_name: r.get(4)? };
            Ok((user, r.get(5)?))
        })
        .optional()
}

pub fn delete_token(conn: &Connection, table: TokenTable, token_hash: &str) -> rusqlite::Result<()> {
    conn.execute_cached(&format!("DELETE FROM {} WHERE token_hash = ?1", table.name()), [token_hash])?;
    Ok(())
}

/// Signs a user out of one surface everywhere.
pub fn delete_tokens_for_user(conn: &Connection, table: TokenTable, user: UserId) -> rusqlite::Result<()> {
    conn.execute_cached(&format!("DELETE FROM {} WHERE user_id = ?1", table.name()), [user])?;
    Ok(())
}

/// Deletes up to `limit` tokens that expired at or before `now`; a token is
/// only valid while `expires_at > now`, so nothing that still opens a
/// session, an API call or a password reset goes (nor anything the token
/// cache would still answer for: it checks the expiry itself).
pub fn prune_expired_tokens(conn: &Connection, table: TokenTable, now: i64, limit: usize) -> rusqlite::Result<usize> {
    let sql = format!(
        "DELETE FROM {0} WHERE token_hash IN (SELECT token_hash FROM {0} WHERE expires_at <= ?1 LIMIT ?2)",
        table.name()
    );
    conn.prepare_cached(&sql)?.execute(params![now, limit as i64])
}

/// When a session gave its second factor and last re-confirmed with it
/// (admins, issue 15); `None` when the session is unknown or expired.
pub fn session_factors(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<(Option<i64>, Option<i64>)>> {
    conn.prepare_cached("SELECT mfa_at, reauth_at FROM sessions WHERE token_hash = ?1 AND expires_at > ?2")?
        .query_row(params![token_hash, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Marks a session's second factor as given now (`reauth` too: a fresh
/// code counts as a fresh confirmation).
pub fn set_session_factor(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE sessions SET mfa_at = COALESCE(mfa_at, ?2), reauth_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, now])?
        == 1)
}
