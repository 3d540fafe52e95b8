//! The label's actions on a reported thing (issue 15 item 4): dismiss the
//! reports, hide the content (its pillar does it, see
//! [`crate::pillar::Pillar::moderate`]), show it again, suspend its author;
//! and the answer to an author's appeal. Each runs in one write
//! transaction with its audit row and the author's notice.

use super::queue::what;
use super::repo::decisions::{self, Answer, DecisionRow, NewDecision};
use super::repo::items::{self, ItemRow};
use crate::app::AppState;
use crate::auth::hash_token;
use crate::console::audit::{self, Actor, Entry};
use crate::core::ids::UserId;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::notify::repo::SitePaths;
use crate::notify::{NewNotification, notify};
use crate::pillar::Moderate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Dismiss,
    Hide,
    Unhide,
    SuspendAuthor,
}

impl Action {
    fn code(self) -> &'static str {
        match self {
            Action::Dismiss => "dismiss",
            Action::Hide => "hide",
            Action::Unhide => "unhide",
            Action::SuspendAuthor => "suspend_author",
        }
    }
}

/// Who acts: the admin's account (kept on the decision) and the audit actor.
#[derive(Clone)]
pub struct Moderator {
    pub user: UserId,
    pub actor: Actor,
}

/// Applies `action` to the item `kind`/`uid` for `reason`; returns the
/// decision's uid.
pub async fn decide(
    state: &AppState,
    by: Moderator,
    kind: &'static str,
    uid: String,
    action: Action,
    reason: String,
) -> AppResult<String> {
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let item = items::find_item(tx, kind, &uid)?.ok_or(AppError::NotFound)?;
            match action {
                Action::Dismiss if item.open_reports == 0 => {
                    return Err(AppError::invalid("form", "There are no open reports to dismiss."));
                }
                Action::Dismiss => {
                    items::close_reports(tx, &item, "dismissed", by.user, &reason, now)?;
                }
                Action::Hide if item.hidden => return Err(AppError::invalid("form", "It is hidden already.")),
                Action::Hide => {
                    if !moderate(tx, &item, true, &reason, now)? {
                        return Err(AppError::invalid(
                            "form",
                            "It is gone already (its author deleted it); dismiss the reports instead.",
                        ));
                    }
                    items::set_hidden(tx, item.id, true, now)?;
                    items::close_reports(tx, &item, "actioned", by.user, &reason, now)?;
                }
                Action::Unhide if !item.hidden => return Err(AppError::invalid("form", "It is not hidden.")),
                Action::Unhide => {
                    moderate(tx, &item, false, &reason, now)?;
                    items::set_hidden(tx, item.id, false, now)?;
                }
                Action::SuspendAuthor => {
                    crate::identity::suspension::suspend(tx, item.author, &reason, now)?;
                    items::close_reports(tx, &item, "actioned", by.user, &reason, now)?;
                }
            }
            let key = crate::web::csrf::random_token();
            let new = NewDecision {
                item_id: item.id,
                author: item.author,
                action: action.code(),
                reason: &reason,
                by: by.user,
                key_hash: &hash_token(&key),
            };
            let decision = decisions::insert_decision(tx, &new, now)?;
            let entry = Entry {
                action: match action {
                    Action::Dismiss => "report.dismiss",
                    Action::Hide => "report.hide",
                    Action::Unhide => "report.unhide",
                    Action::SuspendAuthor => "report.suspend_author",
                },
                target_kind: kind,
                target_uid: &uid,
                reason: Some(&reason),
                detail: serde_json::json!({ "decision": decision, "author": item.author.0 }),
            };
            audit::record(tx, &by.actor, entry, now)?;
            let what = what(kind).to_lowercase();
            let link = format!("/moderation/decisions/{decision}");
            match action {
                Action::Dismiss => {}
                Action::Hide => tell_author(
                    tx,
                    item.author,
                    &format!("The label hid your {what}"),
                    &format!("“{}”\n\nWhy: {reason}\n\nYou can read the decision and appeal it once.", item.excerpt),
                    &link,
                    &key,
                )?,
                Action::Unhide => tell_author(
                    tx,
                    item.author,
                    &format!("The label showed your {what} again"),
                    &format!("“{}”\n\nWhy: {reason}", item.excerpt),
                    &link,
                    &key,
                )?,
                Action::SuspendAuthor => tell_author(
                    tx,
                    item.author,
                    "The label suspended your account",
                    &format!("Why: {reason}\n\nYou can read the decision and appeal it once."),
                    &link,
                    &key,
                )?,
            }
            Ok(decision)
        })
        .await
}

/// Asks the pillar that owns the item's kind to hide or show it.
fn moderate(tx: &Tx, item: &ItemRow, hidden: bool, reason: &str, now: i64) -> AppResult<bool> {
    let request = Moderate { kind: &item.kind, uid: &item.uid, hidden, reason, now };
    for pillar in crate::pillars::ALL.iter().filter(|p| p.reportable_kinds().contains(&item.kind.as_str())) {
        if pillar.moderate(tx, &request)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The author hears of a decision in the app and by email (always: it is
/// about their account, not a notice they chose). The email's link carries
/// the decision's key, so a disabled account can still read and appeal it.
fn tell_author(tx: &Tx, author: UserId, title: &str, body: &str, link: &str, key: &str) -> AppResult<()> {
    notify(tx, &NewNotification { user_id: author.0, kind: "moderation", title, body, link: Some(link) })?;
    if let Some((email, _)) = crate::identity::service::user_contact(tx, author)? {
        let paths = SitePaths { link: Some(format!("{link}?key={key}")), unsubscribe: None };
        crate::notify::outbox::queue_mail_with_paths(tx, &email, title, &format!("{body}\n"), &paths)?;
    }
    Ok(())
}

/// The label upholds or reverses a decision the author appealed; reversing
/// shows the content again or reinstates the author.
pub async fn answer_appeal(
    state: &AppState,
    by: Moderator,
    decision_uid: String,
    reverse: bool,
    reason: String,
) -> AppResult<(String, String)> {
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let decision = decisions::find_decision(tx, &decision_uid)?.ok_or(AppError::NotFound)?;
            let item = items::find_item_by_id(tx, decision.item_id)?.ok_or(AppError::NotFound)?;
            if decision.appealed_at.is_none() {
                return Err(AppError::invalid("form", "The author has not appealed this decision."));
            }
            let key = crate::web::csrf::random_token();
            let answer = Answer {
                outcome: if reverse { "reversed" } else { "upheld" },
                reason: &reason,
                by: by.user,
                key_hash: &hash_token(&key),
            };
            if !decisions::set_outcome(tx, decision.id, &answer, now)? {
                return Err(AppError::invalid("form", "This appeal is answered already."));
            }
            if reverse {
                undo(tx, &decision, &item, &reason, now)?;
            }
            items::set_appeal_pending(tx, item.id, false, now)?;
            let entry = Entry {
                action: if reverse { "appeal.reverse" } else { "appeal.uphold" },
                target_kind: &item.kind,
                target_uid: &item.uid,
                reason: Some(&reason),
                detail: serde_json::json!({ "decision": decision.uid, "author": item.author.0 }),
            };
            audit::record(tx, &by.actor, entry, now)?;
            let (title, body) = match (reverse, decision.action.as_str()) {
                (true, "suspend_author") => {
                    ("Your appeal: the label reinstated your account", format!("Why: {reason}"))
                }
                (true, _) => (
                    "Your appeal: the label reversed its decision",
                    format!("Your {} is shown again.\n\nWhy: {reason}", what(&item.kind).to_lowercase()),
                ),
                (false, _) => ("Your appeal: the label upheld its decision", format!("Why: {reason}")),
            };
            tell_author(tx, item.author, title, &body, &format!("/moderation/decisions/{}", decision.uid), &key)?;
            Ok((item.kind, item.uid))
        })
        .await
}

/// Reverses a hide (shows the content) or a suspension (reinstates).
fn undo(tx: &Tx, decision: &DecisionRow, item: &ItemRow, reason: &str, now: i64) -> AppResult<()> {
    match decision.action.as_str() {
        "hide" => {
            moderate(tx, item, false, reason, now)?;
            items::set_hidden(tx, item.id, false, now)?;
        }
        "suspend_author" => {
            crate::identity::suspension::reinstate(tx, item.author, now)?;
        }
        _ => {}
    }
    Ok(())
}
