//! The mail outbox. Whoever decides to send an email calls [`queue_mail`]
//! inside its write transaction; the [`MailSender`] thread delivers after the
//! commit, outside the single writer, retrying failures with the events'
//! backoff (`events.*`) until they are dead-lettered. So a slow SMTP server
//! delays mail and nothing else, and a rolled-back transaction sends nothing.

use std::sync::{Arc, Mutex};

use super::mail::Mailer;
use super::repo;
use crate::db::{Channel, Db, Durability, Tx, now_ms};
use crate::events::RetryPolicy;

/// Longest sleep between looks at the outbox when nothing wakes the sender.
const BATCH: usize = 16;

/// Queues an email in the caller's transaction; the sender wakes on commit.
pub fn queue_mail(tx: &Tx, to: &str, subject: &str, body: &str) -> rusqlite::Result<()> {
    repo::insert_mail(tx, to, subject, body, now_ms())?;
    // The commit raises the mail channel, which the sender waits on.
    tx.mark_written(Channel::Mail);
    Ok(())
}

/// As [`queue_mail`], for a notice email: the sender makes `paths`
/// absolute and adds the `List-Unsubscribe` headers.
pub fn queue_mail_with_paths(
    tx: &Tx,
    to: &str,
    subject: &str,
    body: &str,
    paths: &repo::SitePaths,
) -> rusqlite::Result<()> {
    repo::insert_mail_with_paths(tx, to, subject, body, paths, now_ms())?;
    tx.mark_written(Channel::Mail);
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
            let outcome = self.mailer.send_blocking(mail);
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
}

/// The `boptone-mail` thread that delivers the outbox after commit.
pub type MailSender = super::sender::Sender<MailOutbox>;

impl super::sender::Outbox for MailOutbox {
    const THREAD: &'static str = "boptone-mail";
    const CHANNEL: Channel = Channel::Mail;

    fn db(&self) -> &Db {
        &self.db
    }

    fn deliver_due(&self) -> anyhow::Result<usize> {
        MailOutbox::deliver_due(self)
    }

    fn next_due_at(&self) -> Option<i64> {
        self.db.read_blocking(repo::next_mail_due_at).ok().flatten()
    }
}
