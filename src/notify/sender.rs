//! The thread that delivers an outbox (mail, push) after commit: it wakes
//! when a commit raises the outbox signal or the next retry falls due, and
//! never holds the database writer while it talks to the network.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::db::{Db, now_ms};

/// Longest sleep between rounds.
pub const MAX_IDLE: Duration = Duration::from_secs(2);

/// An outbox a [`Sender`] delivers.
pub trait Outbox: Send + Sync + 'static {
    /// The thread's name.
    const THREAD: &'static str;
    /// The outbox's channel: commits that wrote to it wake the thread.
    const CHANNEL: crate::db::Channel;
    fn db(&self) -> &Db;
    /// Delivers what is due; how many were tried.
    fn deliver_due(&self) -> anyhow::Result<usize>;
    /// When the next retry falls due (unix ms), if any is waiting.
    fn next_due_at(&self) -> Option<i64>;
}

/// How long to sleep: until the next retry, at most [`MAX_IDLE`].
fn idle_for(outbox: &impl Outbox) -> Duration {
    outbox
        .next_due_at()
        .map_or(MAX_IDLE, |at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(MAX_IDLE))
}

/// The named thread that runs an outbox's deliveries.
pub struct Sender<O: Outbox> {
    outbox: Arc<O>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<O: Outbox> Sender<O> {
    pub fn start(outbox: Arc<O>) -> std::io::Result<Sender<O>> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new().name(O::THREAD.into()).spawn({
            let (outbox, stop) = (outbox.clone(), stop.clone());
            move || run(&*outbox, &stop)
        })?;
        Ok(Sender { outbox, stop, thread: Some(thread) })
    }

    /// Stops after the round in progress, sending what is due for at most `grace`.
    pub fn shutdown(mut self, grace: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        self.outbox.db().outbox().wake();
        if let Some(thread) = self.thread.take() {
            let _unused = thread.join();
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && matches!(self.outbox.deliver_due(), Ok(n) if n > 0) {}
    }
}

impl<O: Outbox> Drop for Sender<O> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.outbox.db().outbox().wake();
    }
}

fn run<O: Outbox>(outbox: &O, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let seen = outbox.db().outbox().generation(O::CHANNEL);
        match outbox.deliver_due() {
            Ok(0) => outbox.db().outbox().wait_past(O::CHANNEL, seen, idle_for(outbox)),
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), thread = O::THREAD, "cannot read the outbox");
                std::thread::sleep(MAX_IDLE);
            }
        }
    }
}
