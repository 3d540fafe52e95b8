//! Notice emails and their one-click unsubscribe links (RFC 8058). Each
//! email carries a fresh random token; the database keeps only its SHA-256,
//! tied to one user and one kind, and the token can do one thing: turn
//! email off for that kind. So it needs neither a session nor a CSRF token.

use super::kinds;
use super::prefs::Choice;
use super::repo::{NewNotification, SitePaths, prefs as prefs_repo, unsubscribe as token_repo};
use crate::app::AppState;
use crate::auth::hash_token;
use crate::db::{Tx, now_ms};
use crate::error::AppResult;

/// Queues the email of `notice` to `to`, with a new unsubscribe link for
/// its kind; the sender adds the links and the `List-Unsubscribe` headers.
pub fn queue_notice_mail(tx: &Tx, notice: &NewNotification<'_>, to: &str, now: i64) -> rusqlite::Result<()> {
    let token = crate::web::csrf::random_token();
    token_repo::insert_unsubscribe_token(tx, &hash_token(&token), notice.user_id, notice.kind, now)?;
    let body = if notice.body.is_empty() { format!("{}\n", notice.title) } else { format!("{}\n", notice.body) };
    let paths = SitePaths {
        link: notice.link.filter(|l| super::feed::is_local_link(l)).map(str::to_owned),
        unsubscribe: Some(format!("/unsubscribe/{token}")),
    };
    super::outbox::queue_mail_with_paths(tx, to, notice.title, &body, &paths)
}

/// What an unsubscribe link is for.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: String,
    pub label: String,
    /// Whether email of that kind is on now.
    pub email_on: bool,
}

fn label(kind: &str) -> String {
    kinds::find(kind).map_or_else(|| kind.replace('_', " "), |k| k.label.to_owned())
}

/// The link's target, or `None` for an unknown or expired token.
pub async fn look_up(state: &AppState, token: String) -> AppResult<Option<Target>> {
    let hash = hash_token(&token);
    let target = state
        .db
        .read(move |c| {
            let Some((user_id, kind)) = token_repo::find_unsubscribe_token(c, &hash, now_ms())? else {
                return Ok(None);
            };
            let saved = prefs_repo::find_recipient(c, user_id, &kind)?.and_then(|r| r.saved);
            let email_on = Choice::of(&kind, saved).email;
            Ok(Some(Target { label: label(&kind), kind, email_on }))
        })
        .await?;
    Ok(target)
}

/// Turns email off for the token's user and kind (and nothing else);
/// `None` for an unknown or expired token, which changes nothing.
pub async fn apply(state: &AppState, token: String) -> AppResult<Option<Target>> {
    let hash = hash_token(&token);
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            let Some((user_id, kind)) = token_repo::find_unsubscribe_token(tx, &hash, now)? else {
                return Ok(None);
            };
            prefs_repo::turn_email_off(tx, user_id, &kind, kinds::defaults(&kind).push, now)?;
            tracing::info!(user_id, kind, "email turned off by an unsubscribe link");
            Ok(Some(Target { label: label(&kind), kind, email_on: false }))
        })
        .await
}
