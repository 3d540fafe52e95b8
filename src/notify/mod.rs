//! Notifications: in-app notices and email. Pillars decide who hears what
//! (in their own event handlers) and hand it here; notify reaches into no
//! pillar.

pub mod mail;
pub mod outbox;
pub mod repo;

pub use mail::Mailer;
pub use outbox::{MailOutbox, MailSender, queue_mail};
pub use repo::NewNotification;

use crate::db::Tx;

/// An in-app notice for one user, written in the caller's transaction.
/// Pillars call this from their own event handlers; notify knows no pillar.
pub fn notify(tx: &Tx, notice: &NewNotification<'_>) -> rusqlite::Result<()> {
    repo::insert_notification(tx, notice, crate::db::now_ms())
}
