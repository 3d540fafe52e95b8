//! A generation number for sign-in credentials, raised after every commit
//! that changed an account or a sign-in token, so what is kept of them
//! outside the database (the token cache, `auth::TokenCaches`) knows when
//! it may be stale.
//!
//! The changes are watched by SQLite's update hook on the writer, so none
//! can be missed by code that forgets to say so (a suspension, a deletion,
//! a new display name, "sign out everywhere"). The hook does not report
//! the `sessions` and `api_tokens` tables (they are `WITHOUT ROWID`); their
//! triggers count each change in `credential_changes`, which it does report
//! (V048). Reset links are never cached, so `password_resets` is not watched.
//!
//! The generation is raised after the commit, before any write of the
//! batch is answered: a reader that took the generation before reading
//! either read after the commit or holds a generation already passed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rusqlite::Connection;
use rusqlite::hooks::Action;

/// The account rows a signed-in request's user is read from.
const ACCOUNTS: &str = "users";
/// Counts the changes to sign-in tokens.
const TOKEN_CHANGES: &str = "credential_changes";

#[derive(Default)]
pub struct CredentialWatch {
    generation: AtomicU64,
    /// A credential changed since the last commit.
    touched: Arc<AtomicBool>,
}

impl CredentialWatch {
    /// Watches the writer's changes. A new account changes no credential
    /// already given out, so inserts are not reported.
    pub(super) fn install(conn: &Connection) -> Arc<CredentialWatch> {
        let watch = Arc::new(CredentialWatch::default());
        let touched = watch.touched.clone();
        conn.update_hook(Some(move |action: Action, _db: &str, table: &str, _row: i64| {
            if action != Action::SQLITE_INSERT && (table == ACCOUNTS || table == TOKEN_CHANGES) {
                touched.store(true, Ordering::Relaxed);
            }
        }));
        watch
    }

    /// Take it before reading credentials; what was read is current while
    /// [`CredentialWatch::generation`] still answers the same.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// After a commit. A change by a write that was rolled back raises it
    /// too: once too often is harmless.
    pub(super) fn settle(&self) {
        if self.touched.swap(false, Ordering::Relaxed) {
            self.generation.fetch_add(1, Ordering::Release);
        }
    }
}
