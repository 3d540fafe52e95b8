//! Notifications: in-app notices, email and web push. Pillars decide who
//! hears what (in their own event handlers) and hand it here; notify
//! reaches into no pillar.

pub mod feed;
mod handlers;
pub mod kinds;
pub mod mail;
pub mod outbox;
pub mod prefs;
pub mod push;
pub mod push_outbox;
pub mod repo;
mod sender;
pub mod unsubscribe;

pub use handlers::{api_router, one_click_router, web_router};
pub use mail::Mailer;
pub use outbox::{MailOutbox, MailSender, queue_mail};
pub use push_outbox::{PushOutbox, PushSender, queue_push};
pub use repo::NewNotification;

use crate::db::CachedSql;
use crate::db::Tx;

/// An in-app notice for one user, written in the caller's transaction; by
/// the user's choice for its kind (see [`prefs`]) also pushed to each
/// browser they subscribed and emailed with a one-click unsubscribe link
/// (both after commit, by the push and mail senders). Pillars call this
/// from their own event handlers; notify knows no pillar.
/// A deleted account's notices and push subscriptions go.
pub fn forget_user(tx: &Tx, user_id: i64) -> rusqlite::Result<()> {
    tx.execute_cached("DELETE FROM push_subscriptions WHERE user_id = ?1", [user_id])?;
    tx.execute_cached("DELETE FROM notifications WHERE user_id = ?1", [user_id])?;
    Ok(())
}

pub fn notify(tx: &Tx, notice: &NewNotification<'_>) -> rusqlite::Result<()> {
    let now = crate::db::now_ms();
    repo::insert_notification(tx, notice, now)?;
    let Some(recipient) = repo::prefs::find_recipient(tx, notice.user_id, notice.kind)? else {
        return Ok(());
    };
    let choice = prefs::Choice::of(notice.kind, recipient.saved);
    if choice.push {
        queue_push(tx, notice.user_id, &push::payload(notice.title, notice.body, notice.link))?;
    }
    if choice.email {
        unsubscribe::queue_notice_mail(tx, notice, &recipient.email, now)?;
    }
    Ok(())
}
