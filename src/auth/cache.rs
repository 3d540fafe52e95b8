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

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{AuthUser, TokenTable};

/// The most tokens kept; past it the cache starts over.
const CAPACITY: usize = 8_192;

/// The longest an answer is used without reading the token again.
const MAX_AGE: Duration = Duration::from_secs(60);

/// A cache per kind of sign-in token.
#[derive(Default)]
pub struct TokenCaches {
    sessions: TokenCache,
    api_tokens: TokenCache,
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

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    user: AuthUser,
    expires_at: i64,
    generation: u64,
    read_at: Instant,
}

impl TokenCache {
    /// The user `token_hash` opens, if it was read while `generation` was
    /// current and has not expired by `now`.
    pub fn get(&self, token_hash: &str, generation: u64, now: i64) -> Option<AuthUser> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(token_hash)?;
        let fresh = entry.generation == generation && entry.expires_at > now && entry.read_at.elapsed() < MAX_AGE;
        fresh.then(|| entry.user.clone())
    }

    /// Keeps what the token opened, read under `generation` (taken from
    /// [`crate::db::CredentialWatch::generation`] before the read).
    pub fn put(&self, token_hash: String, user: AuthUser, expires_at: i64, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&token_hash) {
            entries.clear();
        }
        entries.insert(token_hash, Entry { user, expires_at, generation, read_at: Instant::now() });
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
        let cache = TokenCache::default();
        cache.put("t".into(), user(1), 1_000, 7);
        assert_eq!(cache.get("t", 7, 999).map(|u| u.id), Some(UserId(1)));
        assert!(cache.get("t", 8, 999).is_none(), "a credential changed since the read");
        assert!(cache.get("t", 7, 1_000).is_none(), "the token expired");
        assert!(cache.get("other", 7, 0).is_none());
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache = TokenCache::default();
        for i in 0..CAPACITY as i64 + 10 {
            cache.put(format!("t{i}"), user(i), i64::MAX, 0);
        }
        let kept = cache.entries.lock().unwrap().len();
        assert!(kept <= CAPACITY, "{kept} entries kept");
        assert!(cache.get(&format!("t{}", CAPACITY as i64 + 9), 0, 0).is_some());
    }
}
