//! Sign-in history (issue 15 item 6): one row per web sign-in, app token
//! and signup session of an account, and per failed try on an existing
//! account, for the label's person page. Tries for unknown addresses are not
//! stored (there is no one to show them to). Bounded: the user agent is cut
//! to [`USER_AGENT_CHARS`], and the janitor forgets rows after
//! `retention.sign_ins_days`.

use crate::db::CachedSql;
use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::app::AppState;
use crate::core::ids::UserId;
use crate::web::client_ip::client_ip;

/// Characters of a user agent kept.
pub const USER_AGENT_CHARS: usize = 200;

/// Where a sign-in came from: the client's address and browser.
#[derive(Debug, Clone, Default)]
pub struct SignInFrom {
    pub ip: Option<String>,
    pub user_agent: String,
}

impl FromRequestParts<AppState> for SignInFrom {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts, &state.config.server.trusted_proxies).to_string();
        let agent = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        Ok(SignInFrom { ip: Some(ip), user_agent: agent.chars().take(USER_AGENT_CHARS).collect() })
    }
}

/// Which surface the credential was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Web,
    Api,
}

impl Surface {
    fn as_str(self) -> &'static str {
        match self {
            Surface::Web => "web",
            Surface::Api => "api",
        }
    }
}

pub fn record(
    conn: &Connection,
    user: UserId,
    from: &SignInFrom,
    surface: Surface,
    ok: bool,
    now: i64,
) -> rusqlite::Result<()> {
    let agent: String = from.user_agent.chars().take(USER_AGENT_CHARS).collect();
    conn.prepare_cached(
        "INSERT INTO sign_ins (user_id, at, ip, user_agent, surface, ok) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![user, now, from.ip, agent, surface.as_str(), ok])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct SignInRow {
    pub id: i64,
    pub at: i64,
    pub ip: Option<String>,
    pub user_agent: String,
    pub surface: String,
    pub ok: bool,
}

/// The account's sign-ins, newest first, before row `before` (keyset).
pub fn list_for_user(
    conn: &Connection,
    user: UserId,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<SignInRow>> {
    conn.prepare_cached(
        "SELECT id, at, ip, user_agent, surface, ok FROM sign_ins
          WHERE user_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
    )?
    .query_map(params![user, before, limit as i64], |r| {
        Ok(SignInRow {
            id: r.get(0)?,
            at: r.get(1)?,
            ip: r.get(2)?,
            user_agent: r.get(3)?,
            surface: r.get(4)?,
            ok: r.get(5)?,
        })
    })?
    .collect()
}

/// When the account last signed in successfully.
pub fn last_for_user(conn: &Connection, user: UserId) -> rusqlite::Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT at FROM sign_ins WHERE user_id = ?1 AND ok = 1 ORDER BY id DESC LIMIT 1")?
        .query_row([user], |r| r.get(0))
        .optional()
}

/// Forgets up to `limit` rows older than `before` (the janitor).
pub fn prune(conn: &Connection, before: i64, limit: usize) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "DELETE FROM sign_ins WHERE id IN (SELECT id FROM sign_ins WHERE at < ?1 LIMIT ?2)",
        params![before, limit as i64],
    )
}
