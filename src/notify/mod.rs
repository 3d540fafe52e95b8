//! Notifications: in-app notices, email and web push. Pillars decide who
//! hears what (in their own event handlers) and hand it here; notify
//! reaches into no pillar.

mod handlers;
pub mod mail;
pub mod outbox;
pub mod push;
pub mod push_outbox;
pub mod repo;
mod sender;

pub use handlers::{api_router, web_router};
pub use mail::Mailer;
pub use outbox::{MailOutbox, MailSender, queue_mail};
pub use push_outbox::{PushOutbox, PushSender, queue_push};
pub use repo::NewNotification;

use crate::db::Tx;

/// An in-app notice for one user, written in the caller's transaction, and
/// pushed to each browser the user subscribed (after commit, by the push
/// sender). Pillars call this from their own event handlers; notify knows
/// no pillar.
pub fn notify(tx: &Tx, notice: &NewNotification<'_>) -> rusqlite::Result<()> {
    repo::insert_notification(tx, notice, crate::db::now_ms())?;
    queue_push(tx, notice.user_id, &push::payload(notice.title, notice.body, notice.link))
}
