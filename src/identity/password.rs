//! Password hashing with a bound on how much of it runs at once.
//!
//! Each argon2id hash or check takes ~19 MiB and a core for a few hundred
//! milliseconds. Unbounded, any endpoint that hashes is an amplifier: a
//! hundred parallel requests cost gigabytes of memory. Here at most
//! `concurrency` hashes run (one per core by default) and a short queue waits
//! behind them; beyond that the answer is 503 with `Retry-After`, before any
//! memory is taken.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::config::AccountsConfig;
use super::domain::Password;
use crate::error::{AppError, AppResult};

/// How many requests may wait for a hashing slot, per slot. A waiter holds
/// no hashing memory, only its small request; with hashes of tens of
/// milliseconds a full queue drains in about a second, so a legitimate burst
/// (a crowd signing in at once) waits instead of getting 503.
const QUEUE_PER_SLOT: usize = 32;

pub struct Hashing {
    /// Requests admitted: running plus waiting.
    admitted: Arc<Semaphore>,
    /// Hashes running.
    running: Arc<Semaphore>,
}

/// A place in the hashing queue; dropped when the hash is done.
pub struct HashTicket(#[allow(dead_code)] OwnedSemaphorePermit);

impl Hashing {
    pub fn new(config: &AccountsConfig) -> Hashing {
        let slots = match config.password_hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n as usize,
        };
        Hashing {
            admitted: Arc::new(Semaphore::new(slots * (1 + QUEUE_PER_SLOT))),
            running: Arc::new(Semaphore::new(slots)),
        }
    }

    /// A place in the queue, or 503 at once when the queue is full.
    pub fn ticket(&self) -> AppResult<HashTicket> {
        self.admitted.clone().try_acquire_owned().map(HashTicket).map_err(|_| AppError::Unavailable)
    }

    /// Hashes a new password (argon2id, a random salt).
    pub async fn hash(&self, password: Password) -> AppResult<String> {
        self.run(move || hash_blocking(password.expose()).map_err(AppError::Internal)).await
    }

    /// Checks `password` against `hash`; without an account, against a fixed
    /// hash, so the answer takes as long as for a real one (no enumeration).
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        self.run(move || {
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
            let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
            Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
    }

    /// Runs `work` on a blocking thread once a slot is free. The permits move
    /// into the blocking task, so a client that hangs up does not free a slot
    /// whose hash is still running.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
        let ticket = self.ticket()?;
        let slot = self.running.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop((slot, ticket));
            result
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    }
}

/// One argon2id hash with the crate's defaults (m=19 MiB, t=2, p=1).
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0dTgzk7Pv3hBtwbiGWsF4P3E3OIOX3zYyl2wPMH7jkM";
