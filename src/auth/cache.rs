//! Sign-in tokens recently seen (session cookies and the app surface's
//! bearer tokens), and whom they open.
//!
//! Every signed-in request reads its token and its user. Under a stream of writes
//! that read is never cheap: SQLite empties a reader's page cache at each
//! commit, so the token's index pages and the user's row were read back
//! from the file on every call (7% of a like flood's server time). An app
//! makes its calls in bursts (a feed page, then views and likes), so the
//! answer is kept here.
//!
//! Nothing kept outlives what it was read from: each entry holds the
//! [`CredentialWatch`](crate::db::CredentialWatch) generation taken before the read, and is used only
//! while the generation is unchanged. Every commit that changes an account
//! (suspension, deletion, new name, new password) or a session or token
//! (sign-out, password reset, "sign out everywhere", a second factor given)
//! raises it, before the write is answered. An entry is also used only before its token expires,
//! and for at most [`MAX_AGE`], which bounds what a process other than the
//! server (the CLI) could change unseen. Only tokens that opened an
//! account are kept, at most [`CAPACITY`] of them, so a stream of made-up
//! tokens costs no memory.

use std::time::Duration;

use super::{AuthUser, TokenTable};
use crate::core::memo::Memo;

/// The most tokens kept per cache; past it the cache starts over.
const CAPACITY: usize = 8_192;

/// The longest an answer is used without reading the token again.
const MAX_AGE: Duration = Duration::from_secs(60);

/// A cache per kind of sign-in token.
pub struct TokenCaches {
    sessions: TokenCache,
    api_tokens: TokenCache,
}

impl Default for TokenCaches {
    fn default() -> Self {
        TokenCaches { sessions: TokenCache::new(), api_tokens: TokenCache::new() }
    }
}

impl TokenCaches {
    /// The cache of `table`'s tokens; reset links are never kept.
    pub fn of(&self, table: TokenTable) -> Option<&TokenCache> {
        match table {
            TokenTable::Sessions => Some(&self.sessions),
            TokenTable::ApiTokens => Some(&self.api_tokens),
            TokenTable::PasswordResets => None,
        }
    }
}

/// By token hash: whom it opens and until when, kept under the
/// generation it was read at.
pub struct TokenCache(Memo<String, u64, (AuthUser, i64)>);

impl TokenCache {
    fn new() -> TokenCache {
        TokenCache(Memo::new(CAPACITY, Some(MAX_AGE)))
    }

    /// The user `token_hash` opens, if it was read while `generation` was
    /// current and has not expired by `now`.
    pub fn get(&self, token_hash: &str, generation: u64, now: i64) -> Option<AuthUser> {
        let (user, expires_at) = self.0.get(token_hash, &generation)?;
        (expires_at > now).then_some(user)
    }

    /// Keeps what the token opened, read under `generation` (taken from
    /// [`crate::db::CredentialWatch::generation`] before the read).
    pub fn put(&self, token_hash: String, user: AuthUser, expires_at: i64, generation: u64) {
        self.0.put(token_hash, generation, (user, expires_at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::core::ids::UserId;

    fn user(id: i64) -> AuthUser {
        AuthUser {
            id: UserId(id),
            uid: format!("u{id}"),
            email: String::new(),
            role: Role::Fan,
            display_name: String::new(),
        }
    }

    #[test]
    fn an_answer_is_used_only_under_its_generation_and_before_its_expiry() {
        let cache = TokenCache::new();
        cache.put("t".into(), user(1), 1_000, 7);
        assert_eq!(cache.get("t", 7, 999).map(|u| u.id), Some(UserId(1)));
        assert!(cache.get("t", 8, 999).is_none(), "a credential changed since the read");
        assert!(cache.get("t", 7, 1_000).is_none(), "the token expired");
        assert!(cache.get("other", 7, 0).is_none());
    }
}
