//! The event bus: a transactional outbox in `platform_events`.
//!
//! A service calls [`emit`] inside its write transaction, so the event exists
//! exactly when the change it announces does. The [`Worker`] thread runs every
//! registered handler for it; each handler's writes commit together with its
//! completion record, so its effect happens once across retries and crashes.

mod bus;
pub mod repo;
pub mod tally;
mod worker;

use serde::Serialize;

use crate::db::Tx;

pub use bus::{EventBus, Handler, HandlerTimer, Registry, RetryPolicy, StoredEvent};
pub use worker::Worker;

/// A platform event: a payload with a `pillar.noun.past_tense` name.
pub trait PlatformEvent: Serialize {
    const TYPE: &'static str;
}

/// Writes `event` to the outbox inside the caller's transaction and returns
/// its opaque id. The worker is woken when the transaction commits.
pub fn emit<E: PlatformEvent>(tx: &Tx, event: &E) -> rusqlite::Result<String> {
    let payload = serde_json::to_string(event).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let uid = repo::insert_event(tx, E::TYPE, &payload, crate::db::now_ms())?;
    tx.mark_emitted();
    Ok(uid)
}

/// Registers `run` as handler `name` of `E`, with the event's payload read.
pub fn on<E>(
    registry: &mut Registry,
    name: &'static str,
    run: impl Fn(&Tx, E, &StoredEvent) -> rusqlite::Result<()> + Send + Sync + 'static,
) where
    E: PlatformEvent + serde::de::DeserializeOwned + 'static,
{
    registry.on(E::TYPE, name, with_payload(run));
}

/// [`on`] for a handler that only adds to tallies ([`Registry::on_tallied`]).
pub fn on_tallied<E>(
    registry: &mut Registry,
    name: &'static str,
    run: impl Fn(&Tx, E, &StoredEvent) -> rusqlite::Result<()> + Send + Sync + 'static,
) where
    E: PlatformEvent + serde::de::DeserializeOwned + 'static,
{
    registry.on_tallied(E::TYPE, name, with_payload(run));
}

/// `run` given the event's payload read as an `E`.
fn with_payload<E: serde::de::DeserializeOwned + 'static>(
    run: impl Fn(&Tx, E, &StoredEvent) -> rusqlite::Result<()> + Send + Sync + 'static,
) -> impl Fn(&Tx, &StoredEvent) -> anyhow::Result<()> + Send + Sync + 'static {
    move |tx, event| {
        let payload: E = serde_json::from_value(event.payload.clone())?;
        run(tx, payload, event)?;
        Ok(())
    }
}

/// The fact's own time `at`; events written before they carried it give
/// their own.
pub fn at(event: &StoredEvent, at: i64) -> i64 {
    if at > 0 { at } else { event.created_at }
}

/// [`emit`] for code that writes on a plain connection (the ledger, which
/// demo seeding also calls). The worker is not woken by this alone: its
/// callers in requests emit their own event in the same transaction, and
/// the worker polls anyway.
pub fn emit_on<E: PlatformEvent>(conn: &rusqlite::Connection, event: &E) -> rusqlite::Result<String> {
    let payload = serde_json::to_string(event).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    repo::insert_event(conn, E::TYPE, &payload, crate::db::now_ms())
}
