//! Handlers, their registry, and processing of due events.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::config::EventsConfig;
use crate::db::{Db, Durability, Savepoint, Tx, now_ms};

use super::repo::{self, EventRow};
use super::tally::{Tallied, Tally, WriteFn};

/// An event as a handler sees it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: i64,
    pub uid: String,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub created_at: i64,
}

type HandlerFn = dyn Fn(&Tx, &StoredEvent) -> anyhow::Result<()> + Send + Sync;

/// Reacts to one event type. Its writes through `tx` commit together with the
/// record that it ran, so its database effect happens exactly once; effects
/// outside the database (mail, push) happen at least once.
pub struct Handler {
    pub name: &'static str,
    pub event_type: &'static str,
    /// Only adds to tallies (see [`Registry::on_tallied`]): it writes nothing itself.
    tallied: bool,
    run: Box<HandlerFn>,
}

#[derive(Default)]
pub struct Registry {
    handlers: Vec<Handler>,
    tallies: Vec<Arc<dyn Tally>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `run` as handler `name` of `event_type`. Names are recorded
    /// in the database: renaming a handler makes it run again for old events.
    pub fn on<F>(&mut self, event_type: &'static str, name: &'static str, run: F) -> &mut Registry
    where
        F: Fn(&Tx, &StoredEvent) -> anyhow::Result<()> + Send + Sync + 'static,
    {
        self.add(event_type, name, false, Box::new(run))
    }

    /// Registers a handler whose only effect is to add updates to tallies
    /// made by [`Registry::tally`]: it may read, but must not write. The
    /// bus writes the tallies before any other handler runs and before the
    /// batch commits.
    pub fn on_tallied<F>(&mut self, event_type: &'static str, name: &'static str, run: F) -> &mut Registry
    where
        F: Fn(&Tx, &StoredEvent) -> anyhow::Result<()> + Send + Sync + 'static,
    {
        self.add(event_type, name, true, Box::new(run))
    }

    /// A list of held updates that the bus writes with `write`.
    pub fn tally<Op, W>(&mut self, write: W) -> Arc<Tallied<Op>>
    where
        Op: Send + 'static,
        W: Fn(&Tx, Vec<Op>) -> rusqlite::Result<()> + Send + Sync + 'static,
    {
        let tally = Tallied::new(Box::new(write) as WriteFn<Op>);
        self.tallies.push(tally.clone());
        tally
    }

    fn add(
        &mut self,
        event_type: &'static str,
        name: &'static str,
        tallied: bool,
        run: Box<HandlerFn>,
    ) -> &mut Registry {
        assert!(
            !self.handlers.iter().any(|h| h.name == name && h.event_type == event_type),
            "handler {name} registered twice for {event_type}"
        );
        // Names are kept comma-separated on a settled event.
        assert!(!name.contains(','), "handler name {name} has a comma");
        self.handlers.push(Handler { name, event_type, tallied, run });
        self
    }

    /// Where each tally stands: marks to rewind to.
    fn marks(&self) -> Vec<usize> {
        self.tallies.iter().map(|t| t.held()).collect()
    }

    fn rewind(&self, marks: &[usize]) {
        self.tallies.iter().zip(marks).for_each(|(t, &mark)| t.rewind(mark));
    }

    fn forget(&self) {
        self.tallies.iter().for_each(|t| t.rewind(0));
    }

    fn flush(&self, tx: &Tx) -> rusqlite::Result<()> {
        self.tallies.iter().try_for_each(|t| t.flush(tx))
    }

    /// `result`, with the tallies emptied when it failed: a failed
    /// transaction's updates must not be written by the next one.
    fn forget_unless_ok<T, E>(&self, result: Result<T, E>) -> Result<T, E> {
        if result.is_err() {
            self.forget();
        }
        result
    }

    fn for_type<'a>(&'a self, event_type: &'a str) -> impl Iterator<Item = &'a Handler> + 'a {
        self.handlers.iter().filter(move |h| h.event_type == event_type)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &EventsConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts: config.max_attempts,
            backoff_base: Duration::from_millis(config.backoff_base_ms),
            backoff_max: Duration::from_millis(config.backoff_max_ms),
        }
    }

    /// Delay before the attempt after `failed_attempts` failures: base · 2^(n-1), capped.
    pub fn delay_after(&self, failed_attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed_attempts.saturating_sub(1));
        self.backoff_base.saturating_mul(factor).min(self.backoff_max)
    }
}

/// The outbox and the handlers that consume it.
/// Told how long each handler ran: (event type, handler, seconds).
pub type HandlerTimer = Arc<dyn Fn(&'static str, &'static str, f64) + Send + Sync>;

pub struct EventBus {
    db: Db,
    registry: Registry,
    policy: RetryPolicy,
    /// How long one batch may hold the writer before it stops taking events.
    batch_budget: Duration,
    timer: std::sync::OnceLock<HandlerTimer>,
}

const BATCH: usize = 64;

/// What one round of [`EventBus::process_round`] did.
#[derive(Debug, Clone, Copy)]
pub(super) struct Round {
    /// Events settled.
    pub settled: usize,
    /// Whether it settled every event that was due (none was left for the
    /// next round by the batch size or the time budget).
    pub drained: bool,
}

/// How long one batch may hold the writer before it stops taking events,
/// unless the bus is made [`EventBus::with_batch_budget`].
const BATCH_BUDGET: Duration = Duration::from_millis(2);

impl EventBus {
    pub fn new(db: Db, registry: Registry, policy: RetryPolicy) -> Arc<EventBus> {
        EventBus::with_batch_budget(db, registry, policy, BATCH_BUDGET)
    }

    /// A bus whose batches stop taking events after `batch_budget` (tests
    /// pin it to make a round's size independent of the machine's speed).
    pub fn with_batch_budget(db: Db, registry: Registry, policy: RetryPolicy, batch_budget: Duration) -> Arc<EventBus> {
        Arc::new(EventBus { db, registry, policy, batch_budget, timer: std::sync::OnceLock::new() })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Processes one batch of due events; returns how many were processed.
    ///
    /// The batch runs in one write transaction: each event's handlers in a
    /// savepoint (each handler in its own when one of them fails), each
    /// event settled with the names of those that ran as it finishes, until
    /// the batch is done or its time budget has passed (the rest wait for
    /// the next round). One commit for many events is what lets the worker
    /// keep up with a flood of likes; the budget keeps request writes from
    /// waiting long behind it. Should the batch's transaction itself fail,
    /// its events are processed one at a time instead.
    pub fn process_due(&self) -> anyhow::Result<usize> {
        self.process_round().map(|round| round.settled)
    }

    /// [`EventBus::process_due`], also saying whether it left nothing due.
    pub(super) fn process_round(&self) -> anyhow::Result<Round> {
        let due = self.db.read_blocking(|c| repo::list_due_events(c, now_ms(), BATCH))?;
        if due.is_empty() {
            return Ok(Round { settled: 0, drained: true });
        }
        let batch = |tx: &Tx| {
            let settled = self.process_batch(tx, &due).and_then(|n| Ok(self.registry.flush(tx).map(|()| n)?));
            self.registry.forget_unless_ok(settled)
        };
        let settled = match self.db.write_blocking(Durability::Normal, batch) {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(error = %err, "an event batch failed; processing its events one at a time");
                for row in &due {
                    self.process(row)?;
                }
                due.len()
            }
        };
        Ok(Round { settled, drained: due.len() < BATCH && settled == due.len() })
    }

    /// Reports each handler's run time to `timer` (the metrics) from now on.
    pub fn time_handlers(&self, timer: HandlerTimer) {
        let _ = self.timer.set(timer);
    }

    fn run(&self, tx: &Tx, handler: &Handler, event: &StoredEvent) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let ran = run_in(tx, handler, event);
        if let Some(timer) = self.timer.get() {
            timer(handler.event_type, handler.name, started.elapsed().as_secs_f64());
        }
        ran
    }

    /// Runs the handlers of `due` inside `tx` until the time budget is
    /// spent; returns how many events were settled.
    fn process_batch(&self, tx: &Tx, due: &[EventRow]) -> anyhow::Result<usize> {
        let started = std::time::Instant::now();
        let mut settled = 0;
        for row in due {
            if settled > 0 && started.elapsed() >= self.batch_budget {
                break;
            }
            // Another worker (a `drain`, the CLI) may have settled it since
            // the due list was read.
            let Some(done) = repo::handlers_run(tx, row.id)? else { continue };
            let event = stored(row)?;
            let pending: Vec<&Handler> =
                self.registry.for_type(&event.event_type).filter(|h| !done.iter().any(|name| name == h.name)).collect();
            let (ran, failures) = self.run_handlers(tx, &pending, &event)?;
            settled += 1;
            if failures.is_empty() {
                // Settled in one go: the names go on the event row this
                // update writes anyway, not in a row per handler.
                let names: Vec<&str> = done.iter().map(String::as_str).chain(ran).collect();
                repo::mark_event_done(tx, row.id, now_ms(), Some(&names.join(",")))?;
                continue;
            }
            // To be retried: those that ran must not run again.
            let now = now_ms();
            for name in ran {
                repo::insert_handler_completion(tx, event.id, name, now)?;
            }
            self.record_outcome(tx, row, failures)?;
        }
        Ok(settled)
    }

    /// Runs `handlers` together in one savepoint — the usual case, two
    /// statements per event instead of two per handler, none when they
    /// are all tallied: (ran, failures). When one fails, all their work is
    /// undone; the one that failed is not run again until the event's
    /// retry, and the others are run again each in a savepoint of its own,
    /// so they keep their work.
    fn run_handlers(
        &self,
        tx: &Tx,
        handlers: &[&Handler],
        event: &StoredEvent,
    ) -> anyhow::Result<(Vec<&'static str>, Vec<String>)> {
        let writes = handlers.iter().any(|h| !h.tallied);
        if writes {
            // Before the savepoint: undoing it must not undo earlier events' updates.
            self.registry.flush(tx)?;
        }
        let undo = Undo::open(tx, &self.registry, Savepoint::Event, writes)?;
        let failed = handlers.iter().enumerate().find_map(|(at, handler)| {
            // A handler that writes may read what the tallies hold back.
            let ran = if handler.tallied { Ok(()) } else { self.registry.flush(tx).map_err(anyhow::Error::from) };
            ran.and_then(|()| self.run(tx, handler, event)).err().map(|e| (at, e))
        });
        undo.close(tx, &self.registry, failed.is_none())?;
        let Some((at, err)) = failed else { return Ok((handlers.iter().map(|h| h.name).collect(), Vec::new())) };
        let mut failures = vec![self.failed(handlers[at], event, &err)];
        let mut ran = Vec::new();
        for (_, handler) in handlers.iter().enumerate().filter(|(i, _)| *i != at) {
            if !handler.tallied {
                self.registry.flush(tx)?;
            }
            let undo = Undo::open(tx, &self.registry, Savepoint::Handler, !handler.tallied)?;
            let outcome = self.run(tx, handler, event);
            undo.close(tx, &self.registry, outcome.is_ok())?;
            match outcome {
                Ok(()) => ran.push(handler.name),
                Err(err) => failures.push(self.failed(handler, event, &err)),
            }
        }
        Ok((ran, failures))
    }

    fn failed(&self, handler: &Handler, event: &StoredEvent, err: &anyhow::Error) -> String {
        tracing::warn!(event = %event.uid, event_type = %event.event_type, handler = handler.name, error = %err, "event handler failed");
        format!("{}: {err:#}", handler.name)
    }

    /// Processes due events until none is due or `deadline` passes.
    pub fn drain(&self, deadline: std::time::Instant) -> anyhow::Result<usize> {
        let mut total = 0;
        while std::time::Instant::now() < deadline {
            let n = self.process_due()?;
            if n == 0 {
                break;
            }
            total += n;
        }
        Ok(total)
    }

    /// Milliseconds until the next pending event is due, if any.
    pub fn next_due_in(&self) -> anyhow::Result<Option<Duration>> {
        let next = self.db.read_blocking(repo::next_due_at)?;
        Ok(next.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))))
    }

    /// One event on its own: each handler in its own transaction (the
    /// fallback when a batch's transaction fails).
    fn process(&self, row: &EventRow) -> anyhow::Result<()> {
        let event = stored(row)?;
        let Some(done) = self.db.read_blocking(|c| repo::handlers_run(c, event.id))? else { return Ok(()) };
        let mut failures = Vec::new();
        for handler in self.registry.for_type(&event.event_type) {
            if done.iter().any(|name| name == handler.name) {
                continue;
            }
            let ran = self.db.write_blocking(Durability::Normal, |tx| {
                // Settled or run meanwhile by another worker: nothing to do.
                let ran = repo::handlers_run(tx, event.id)?;
                if ran.is_none_or(|ran| ran.iter().any(|n| n == handler.name)) {
                    return Ok(());
                }
                let ran = self.run(tx, handler, &event).and_then(|()| Ok(self.registry.flush(tx)?));
                self.registry.forget_unless_ok(ran)?;
                Ok(repo::insert_handler_completion(tx, event.id, handler.name, now_ms())?)
            });
            if let Err(err) = ran {
                failures.push(self.failed(handler, &event, &err));
            }
        }
        self.db.write_blocking(Durability::Normal, |tx| self.record_outcome(tx, row, failures))
    }

    /// Marks the event done, or records its failure and when to retry.
    fn record_outcome(&self, tx: &Tx, row: &EventRow, failures: Vec<String>) -> anyhow::Result<()> {
        let now = now_ms();
        if failures.is_empty() {
            return Ok(repo::mark_event_done(tx, row.id, now, None)?);
        }
        let attempts = row.attempts + 1;
        let dead = attempts >= i64::from(self.policy.max_attempts);
        let delay = self.policy.delay_after(u32::try_from(attempts).unwrap_or(u32::MAX));
        let next = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        if dead {
            tracing::error!(event = %row.event_uid, event_type = %row.event_type, attempts, "event dead-lettered");
        }
        Ok(repo::record_event_failure(tx, row.id, attempts, next, dead, &failures.join("; "))?)
    }
}

/// What undoes a handler's work: its savepoint, when it may write, and
/// where the tallies stood.
struct Undo {
    savepoint: Option<Savepoint>,
    marks: Vec<usize>,
}

impl Undo {
    fn open(tx: &Tx, registry: &Registry, savepoint: Savepoint, writes: bool) -> rusqlite::Result<Undo> {
        let savepoint = writes.then_some(savepoint);
        if let Some(name) = savepoint {
            tx.savepoint(name)?;
        }
        Ok(Undo { savepoint, marks: registry.marks() })
    }

    fn close(self, tx: &Tx, registry: &Registry, keep: bool) -> rusqlite::Result<()> {
        if !keep {
            registry.rewind(&self.marks);
        }
        self.savepoint.map_or(Ok(()), |name| tx.release(name, keep))
    }
}

fn stored(row: &EventRow) -> anyhow::Result<StoredEvent> {
    Ok(StoredEvent {
        id: row.id,
        uid: row.event_uid.clone(),
        event_type: row.event_type.clone(),
        payload: serde_json::from_str(&row.payload)?,
        attempts: row.attempts,
        created_at: row.created_at,
    })
}

/// Runs one handler in `tx`. A panicking handler is a failing handler: it
/// must not take the worker thread down with it, or block the events
/// behind it.
fn run_in(tx: &Tx, handler: &Handler, event: &StoredEvent) -> anyhow::Result<()> {
    catch_unwind(AssertUnwindSafe(|| (handler.run)(tx, event)))
        .map_err(|panic| anyhow::anyhow!("handler panicked: {}", panic_message(&panic)))?
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
