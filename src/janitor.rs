//! The janitor: deletes rows that nobody needs any more — delivered events
//! past `retention.done_events_days`, expired sessions, API tokens and
//! password-reset links, processed webhook ids past
//! `retention.webhook_ids_days`, sent mail past `retention.sent_mail_days`,
//! sign-in history past `retention.sign_ins_days`.
//!
//! It runs on its own named thread every `retention.interval_secs` while the
//! server serves, and once by hand with `boptone prune`. Each statement
//! deletes at most [`BATCH`] rows and the writer is released between
//! statements, so requests never wait behind a long delete. The SQL lives in
//! the repo of the room that owns each table. Abandoned uploads are swept by
//! the Bops pillar itself.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::auth::repo::{self as auth_repo, TokenTable};
use crate::config::RetentionConfig;
use crate::db::{Db, Durability, Tx, now_ms};
use crate::events::repo as events_repo;
use crate::notify::repo as notify_repo;
use crate::payments::repo as payments_repo;

/// Rows deleted per statement (one write transaction).
pub const BATCH: usize = 1000;
/// Pause between two full batches, so writers queued behind the janitor get
/// the writer first instead of racing it for the lock.
const BATCH_PAUSE: Duration = Duration::from_millis(5);
/// However long the interval, the first pass comes this soon after start, so
/// a server restarted more often than the interval still gets cleaned.
const FIRST_PASS_AT_MOST: Duration = Duration::from_secs(600);
const DAY_MS: i64 = 86_400_000;

/// How many rows one pass deleted, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub done_events: usize,
    pub sessions: usize,
    pub api_tokens: usize,
    pub reset_links: usize,
    pub webhook_ids: usize,
    pub sent_mail: usize,
    pub sign_ins: usize,
}

impl PruneReport {
    pub fn total(&self) -> usize {
        self.done_events
            + self.sessions
            + self.api_tokens
            + self.reset_links
            + self.webhook_ids
            + self.sent_mail
            + self.sign_ins
    }

    /// `(count, what)` per kind, worded for people.
    pub fn lines(&self, retention: &RetentionConfig) -> [(usize, String); 7] {
        [
            (self.done_events, format!("delivered events older than {} days", retention.done_events_days)),
            (self.sessions, "expired sessions".to_owned()),
            (self.api_tokens, "expired API tokens".to_owned()),
            (self.reset_links, "expired password-reset links".to_owned()),
            (self.webhook_ids, format!("processed webhook ids older than {} days", retention.webhook_ids_days)),
            (self.sent_mail, format!("sent emails older than {} days", retention.sent_mail_days)),
            (self.sign_ins, format!("sign-ins older than {} days", retention.sign_ins_days)),
        ]
    }
}

/// One full pass as of `now` (UTC unix ms).
pub fn prune_once(db: &Db, retention: &RetentionConfig, now: i64) -> anyhow::Result<PruneReport> {
    prune(db, retention, now, &|| false)
}

/// One pass; `stopping` is asked between batches so shutdown never waits
/// for more than one batch.
fn prune(db: &Db, retention: &RetentionConfig, now: i64, stopping: &dyn Fn() -> bool) -> anyhow::Result<PruneReport> {
    let age = |days: u64| now - i64::try_from(days).unwrap_or(i64::MAX / DAY_MS).saturating_mul(DAY_MS);
    let events_before = age(retention.done_events_days);
    let webhooks_before = age(retention.webhook_ids_days);
    let mail_before = age(retention.sent_mail_days);
    let sign_ins_before = age(retention.sign_ins_days);
    let batches = |f: &dyn Fn(&Tx) -> rusqlite::Result<usize>| in_batches(db, stopping, f);
    Ok(PruneReport {
        done_events: batches(&|tx| events_repo::prune_done_events(tx, events_before, BATCH))?,
        sessions: batches(&|tx| auth_repo::prune_expired_tokens(tx, TokenTable::Sessions, now, BATCH))?,
        api_tokens: batches(&|tx| auth_repo::prune_expired_tokens(tx, TokenTable::ApiTokens, now, BATCH))?,
        reset_links: batches(&|tx| auth_repo::prune_expired_tokens(tx, TokenTable::PasswordResets, now, BATCH))?,
        webhook_ids: batches(&|tx| payments_repo::prune_processed_webhooks(tx, webhooks_before, BATCH))?,
        // notify's statement has its own batch size of a thousand rows.
        sent_mail: batches(&|tx| notify_repo::prune_sent_mail(tx, mail_before))?,
        sign_ins: batches(&|tx| crate::identity::sign_ins::prune(tx, sign_ins_before, BATCH))?,
    })
}

/// Runs `delete` in its own write transaction until it deletes nothing (or
/// the janitor is stopping); returns how many rows went.
fn in_batches(
    db: &Db,
    stopping: &dyn Fn() -> bool,
    delete: &dyn Fn(&Tx) -> rusqlite::Result<usize>,
) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let deleted = db.write_blocking(Durability::Normal, |tx| delete(tx))?;
        total += deleted;
        if deleted == 0 || stopping() {
            return Ok(total);
        }
        std::thread::sleep(BATCH_PAUSE);
    }
}

/// The thread that runs a pass every `retention.interval_secs`.
pub struct Janitor {
    stop: Arc<StopFlag>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct StopFlag {
    stopped: Mutex<bool>,
    changed: Condvar,
}

impl StopFlag {
    fn raise(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.changed.notify_all();
    }

    fn is_raised(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps for `timeout` unless raised first; true when raised.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) =
            self.changed.wait_timeout_while(guard, timeout, |stopped| !*stopped).unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

impl Janitor {
    pub fn start(db: Db, retention: RetentionConfig) -> std::io::Result<Janitor> {
        let stop = Arc::new(StopFlag::default());
        let thread = std::thread::Builder::new().name("boptone-janitor".into()).spawn({
            let stop = stop.clone();
            move || run(&db, &retention, &stop)
        })?;
        Ok(Janitor { stop, thread: Some(thread) })
    }

    /// Stops after the batch in progress, if any, and waits for the thread.
    pub fn shutdown(mut self) {
        self.stop.raise();
        if let Some(thread) = self.thread.take() {
            let _unused = thread.join();
        }
    }
}

impl Drop for Janitor {
    fn drop(&mut self) {
        self.stop.raise();
    }
}

fn run(db: &Db, retention: &RetentionConfig, stop: &StopFlag) {
    let interval = Duration::from_secs(retention.interval_secs);
    let mut wait = interval.min(FIRST_PASS_AT_MOST);
    while !stop.wait(wait) {
        match prune(db, retention, now_ms(), &|| stop.is_raised()) {
            Ok(report) if report.total() > 0 => tracing::info!(
                done_events = report.done_events,
                sessions = report.sessions,
                api_tokens = report.api_tokens,
                reset_links = report.reset_links,
                webhook_ids = report.webhook_ids,
                sent_mail = report.sent_mail,
                "janitor pruned old rows"
            ),
            Ok(_) => tracing::debug!("janitor found nothing to prune"),
            Err(err) => tracing::error!(error = %format!("{err:#}"), "janitor pass failed"),
        }
        wait = interval;
    }
    tracing::debug!("janitor stopped");
}
