//! The one named worker thread that delivers events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::EventBus;
use super::bus::Round;
use crate::db::Channel;

/// Longest sleep between polls: events written by another process (the
/// `boptone events retry` command) are picked up within this.
const MAX_IDLE: Duration = Duration::from_secs(2);

/// How long the worker lets events gather after a round that found only a
/// few (fewer than [`GATHER_BELOW`]) and left none. Under a steady trickle
/// (comments from two connections: 2,500 a second) it otherwise woke for
/// every commit and settled one or two events per transaction, each
/// rewriting the same dozen pages (the artist's day, the fan's loyalty, the
/// outbox's own rows and indexes): half the WAL the server wrote, and two
/// thirds of the CPU the requests took. Events are delivered this much
/// later at most; a round that finds many, or is cut short, goes on at once.
const GATHER: Duration = Duration::from_millis(10);

const GATHER_BELOW: usize = 16;

pub struct Worker {
    bus: Arc<EventBus>,
    stop: Arc<AtomicBool>,
    drain_for: Arc<std::sync::Mutex<Duration>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start(bus: Arc<EventBus>) -> std::io::Result<Worker> {
        let stop = Arc::new(AtomicBool::new(false));
        let drain_for = Arc::new(std::sync::Mutex::new(Duration::ZERO));
        let thread = std::thread::Builder::new().name("boptone-events".into()).spawn({
            let (bus, stop, drain_for) = (bus.clone(), stop.clone(), drain_for.clone());
            move || run(&bus, &stop, &drain_for)
        })?;
        Ok(Worker { bus, stop, drain_for, thread: Some(thread) })
    }

    /// Stops the worker after delivering what is due, for at most `grace`.
    pub fn shutdown(mut self, grace: Duration) {
        *self.drain_for.lock().unwrap_or_else(|e| e.into_inner()) = grace;
        self.stop.store(true, Ordering::SeqCst);
        self.bus.db().outbox().wake();
        if let Some(thread) = self.thread.take() {
            let _unused = thread.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.bus.db().outbox().wake();
    }
}

fn run(bus: &EventBus, stop: &AtomicBool, drain_for: &std::sync::Mutex<Duration>) {
    tracing::debug!("event worker started");
    while !stop.load(Ordering::SeqCst) {
        let seen = bus.db().outbox().generation(Channel::Events);
        match bus.process_round() {
            Ok(Round { settled: 0, .. }) => {
                let idle = bus.next_due_in().ok().flatten().map_or(MAX_IDLE, |d| d.min(MAX_IDLE));
                bus.db().outbox().wait_past(Channel::Events, seen, idle);
            }
            Ok(Round { settled, drained: true }) if settled < GATHER_BELOW => std::thread::sleep(GATHER),
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %err, "event worker could not read the outbox");
                std::thread::sleep(MAX_IDLE);
            }
        }
    }
    let grace = *drain_for.lock().unwrap_or_else(|e| e.into_inner());
    match bus.drain(Instant::now() + grace) {
        Ok(n) => tracing::info!(delivered = n, "event worker drained and stopped"),
        Err(err) => tracing::error!(error = %err, "event worker stopped while draining"),
    }
}
