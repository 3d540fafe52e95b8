//! Per-user, per-kind choices: email on or off, push on or off. Without a
//! saved choice a kind's default holds (see [`super::kinds`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::kinds::{self, Kind};
use super::repo::prefs as repo;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};

/// Where notices of one kind go for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub email: bool,
    pub push: bool,
}

impl Choice {
    /// The saved choice, or the kind's default.
    pub fn of(kind: &str, saved: Option<(bool, bool)>) -> Choice {
        let (email, push) = saved.unwrap_or_else(|| {
            let default = kinds::defaults(kind);
            (default.email, default.push)
        });
        Choice { email, push }
    }
}

/// One line of the settings: a kind, its label and the user's choice.
#[derive(Debug, Clone, Serialize)]
pub struct Pref {
    pub kind: &'static str,
    pub label: &'static str,
    pub email: bool,
    pub push: bool,
}

/// A change asked for one kind; a missing field keeps its value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub kind: String,
    pub email: Option<bool>,
    pub push: Option<bool>,
}

/// The body of `PUT /api/v1/notifications/preferences`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesInput {
    pub preferences: Vec<Change>,
}

fn prefs_for(role: &str, saved: Vec<(String, bool, bool)>) -> Vec<Pref> {
    let saved: HashMap<String, (bool, bool)> = saved.into_iter().map(|(k, e, p)| (k, (e, p))).collect();
    kinds::for_role(role)
        .map(|kind| {
            let choice = Choice::of(kind.name, saved.get(kind.name).copied());
            Pref { kind: kind.name, label: kind.label, email: choice.email, push: choice.push }
        })
        .collect()
}

/// The user's choices for the kinds of their role.
pub async fn list(state: &AppState, user: &AuthUser) -> AppResult<Vec<Pref>> {
    let (user_id, role) = (user.id.0, user.role.as_str());
    let saved = state.db.read(move |c| repo::list_prefs(c, user_id)).await?;
    Ok(prefs_for(role, saved))
}

/// Checks every change first: an unknown kind (named in the message)
/// changes nothing. Returns each change's kind, in order.
pub fn check(changes: &[Change]) -> AppResult<Vec<&'static Kind>> {
    if changes.is_empty() {
        return Err(AppError::BadRequest("preferences must list at least one kind.".into()));
    }
    changes
        .iter()
        .map(|change| {
            let kind = kinds::find(&change.kind).ok_or_else(|| {
                let known: Vec<&str> = kinds::KINDS.iter().map(|k| k.name).collect();
                AppError::BadRequest(format!(
                    "Unknown notification kind {:?}; the kinds are {}.",
                    change.kind,
                    known.join(", ")
                ))
            })?;
            Ok(kind)
        })
        .collect()
}

/// Applies checked changes in one transaction; returns the choices after.
pub async fn save(state: &AppState, user: &AuthUser, changes: Vec<Change>) -> AppResult<Vec<Pref>> {
    check(&changes)?;
    let (user_id, role) = (user.id.0, user.role.as_str());
    let saved = state
        .db
        .write(move |tx| {
            let now = now_ms();
            let mut current: HashMap<String, (bool, bool)> =
                repo::list_prefs(tx, user_id)?.into_iter().map(|(k, e, p)| (k, (e, p))).collect();
            for (kind, change) in check(&changes)?.into_iter().zip(&changes) {
                let was = Choice::of(kind.name, current.get(kind.name).copied());
                let (email, push) = (change.email.unwrap_or(was.email), change.push.unwrap_or(was.push));
                repo::upsert_pref(tx, user_id, kind.name, email, push, now)?;
                // The same kind twice: the second change starts from the first.
                current.insert(kind.name.to_owned(), (email, push));
            }
            Ok::<_, AppError>(repo::list_prefs(tx, user_id)?)
        })
        .await?;
    Ok(prefs_for(role, saved))
}
