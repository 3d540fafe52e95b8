//! The mail outbox. Whoever decides to send an email calls [`queue_mail`]
//! inside its write transaction; the [`MailSender`] thread delivers after the
//! commit, outside the single writer, retrying failures with the events'
//! backoff (`events.*`) until they are dead-lettered. So a slow SMTP server
//! delays mail and nothing else, and a rolled-back transaction sends nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::mail::Mailer;
use super::repo;
use crate::db::{Db, Durability, Tx, now_ms};
use crate::events::RetryPolicy;

/// Longest sleep between looks at the outbox when nothing wakes the sender.
const MAX_IDLE: Duration = Duration::from_secs(2);
const BATCH: usize = 16;

/// Queues an email in the caller's transaction; the sender wakes on commit.
pub fn queue_mail(tx: &Tx, to: &str, subject: &str, body: &str) -> rusqlite::Result<()> {
    repo::insert_mail(tx, to, subject, body, now_ms())?;
    // The commit raises the outbox signal, which the sender waits on.
    tx.mark_emitted();
    Ok(())
}

/// Delivers queued mail; one delivery round at a time.
pub struct MailOutbox {
    db: Db,
    mailer: Arc<Mailer>,
    policy: RetryPolicy,
    round: Mutex<()>,
}

impl MailOutbox {
    pub fn new(db: Db, mailer: Arc<Mailer>, policy: RetryPolicy) -> Arc<MailOutbox> {
        Arc::new(MailOutbox { db, mailer, policy, round: Mutex::new(()) })
    }

    /// Sends one batch of due mail; returns how many were attempted. Must
    /// not run on a Tokio worker thread when SMTP is configured.
    pub fn deliver_due(&self) -> anyhow::Result<usize> {
        let _one_round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        let due = self.db.read_blocking(|c| repo::list_due_mail(c, now_ms(), BATCH))?;
        for mail in &due {
            let outcome = self.mailer.send_blocking(&mail.to, &mail.subject, &mail.body);
            self.record(mail, outcome)?;
        }
        Ok(due.len())
    }

    fn record(&self, mail: &repo::QueuedMail, outcome: anyhow::Result<()>) -> anyhow::Result<()> {
        let now = now_ms();
        self.db.write_blocking(Durability::Normal, |tx| match &outcome {
            Ok(()) => repo::mark_mail_sent(tx, mail.id, now),
            Err(err) => {
                let failures = u32::try_from(mail.attempts + 1).unwrap_or(u32::MAX);
                let retry_at = (failures < self.policy.max_attempts).then(|| {
                    now + i64::try_from(self.policy.delay_after(failures).as_millis()).unwrap_or(i64::MAX / 2)
                });
                tracing::warn!(mail_id = mail.id, attempts = failures, error = %format!("{err:#}"), "mail not delivered");
                repo::mark_mail_failed(tx, mail.id, &format!("{err:#}"), retry_at)
            }
        })?;
        Ok(())
    }

    fn idle_for(&self) -> Duration {
        let next = self.db.read_blocking(repo::next_mail_due_at).ok().flatten();
        next.map_or(MAX_IDLE, |at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(MAX_IDLE))
    }
}

/// The named thread that runs [`MailOutbox::deliver_due`] whenever a commit
/// raises the outbox signal or a retry falls due.
pub struct MailSender {
    outbox: Arc<MailOutbox>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MailSender {
    pub fn start(outbox: Arc<MailOutbox>) -> std::io::Result<MailSender> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new().name("boptone-mail".into()).spawn({
            let (outbox, stop) = (outbox.clone(), stop.clone());
            move || run(&outbox, &stop)
        })?;
        Ok(MailSender { outbox, stop, thread: Some(thread) })
    }

    /// Stops after the round in progress, sending what is due for at most `grace`.
    pub fn shutdown(mut self, grace: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        self.outbox.db.outbox().wake();
        if let Some(thread) = self.thread.take() {
            let _unused = thread.join();
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && matches!(self.outbox.deliver_due(), Ok(n) if n > 0) {}
    }
}

impl Drop for MailSender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.outbox.db.outbox().wake();
    }
}

fn run(outbox: &MailOutbox, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let seen = outbox.db.outbox().generation();
        match outbox.deliver_due() {
            Ok(0) => outbox.db.outbox().wait_past(seen, outbox.idle_for()),
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "mail sender could not read the outbox");
                std::thread::sleep(MAX_IDLE);
            }
        }
    }
}
