//! Who is making a request (ARCHITECTURE §3): sessions (cookie) for the web
//! studio, bearer tokens for the app surface, and the extractors that read
//! them. A shared room: every page needs the signed-in user, so the web base
//! and every pillar use it; identity owns the accounts these tokens open.

mod cache;
mod extract;
pub mod repo;
mod tokens;

use serde::Serialize;

use crate::core::ids::UserId;

pub use cache::TokenCaches;
pub use extract::{AdminUser, ApiUser, CurrentUser, MaybeUser, SessionFactors, SessionUser, admin_session};
pub use repo::TokenTable;
pub use tokens::{SESSION_COOKIE, clear_session_cookie, hash_token, session_cookies};

/// What an account is on this platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Artist,
    Fan,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Artist => "artist",
            Role::Fan => "fan",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "artist" => Some(Role::Artist),
            "fan" => Some(Role::Fan),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl rusqlite::types::FromSql for Role {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let raw = value.as_str()?;
        Role::parse(raw).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown role {raw:?}").into()))
    }
}

/// The account a request is made for: what a session or a bearer token
/// opens. Never carries the password hash.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    pub uid: String,
    pub email: String,
    pub role: Role,
    pub display_name: String,
}
