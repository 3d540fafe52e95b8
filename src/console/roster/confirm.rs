//! The confirmation page every console action with a reason shares:
//! suspend, reinstate, decline, disable, enable, erase. It says what will
//! happen, asks why (required where the issue says so), asks for a typed
//! word where the action cannot be undone, and for destructive actions
//! includes the authenticator-code field of the re-authentication.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::console::Admin;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

/// Longest reason kept (the audit log and the email carry it whole).
const REASON_CHARS: usize = 1000;

/// What one confirmation page asks.
#[derive(Debug, Clone, Serialize)]
pub struct Confirm {
    pub title: String,
    pub explain: Vec<String>,
    pub action: String,
    pub back: String,
    pub button: &'static str,
    pub reason_label: &'static str,
    pub reason_hint: &'static str,
    pub reason_required: bool,
    /// A word to type where the action cannot be undone.
    pub confirm_word: Option<&'static str>,
    /// Destructive: the authenticator code is asked (unless given lately).
    pub reauth: bool,
}

#[derive(Serialize)]
struct ConfirmView<'a> {
    #[serde(flatten)]
    confirm: &'a Confirm,
    reason: &'a str,
    errors: BTreeMap<String, String>,
}

pub fn render(state: &AppState, page: &Page, confirm: &Confirm) -> AppResult<Response> {
    let view = ConfirmView { confirm, reason: "", errors: BTreeMap::new() };
    Ok(page.render(state, "console/confirm.html", view)?.into_response())
}

/// The page again with what was wrong, and 422; nothing was changed.
pub fn refuse(state: &AppState, page: &Page, confirm: &Confirm, form: &ReasonForm, err: AppError) -> AppResult<Response> {
    let AppError::Invalid { fields, message } = err else { return Err(err) };
    let mut errors: BTreeMap<String, String> = fields.into_iter().collect();
    if errors.is_empty() {
        errors.insert("form".into(), message);
    }
    let view = ConfirmView { confirm, reason: &form.reason, errors };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(state, "console/confirm.html", view)?).into_response())
}

/// The confirmation form as posted.
#[derive(Debug, Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub confirm: String,
}

impl ReasonForm {
    /// Checks the form against `confirm`: the code first (for destructive
    /// actions), then the reason and the typed word. Returns the reason,
    /// trimmed (empty when optional and left out).
    pub async fn check(&self, state: &AppState, admin: &Admin, confirm: &Confirm) -> AppResult<String> {
        if confirm.reauth {
            admin.reauthenticate(state, Some(self.code.trim()).filter(|c| !c.is_empty())).await?;
        }
        let reason = self.reason.trim();
        let mut fields = BTreeMap::new();
        if confirm.reason_required && reason.is_empty() {
            fields.insert("reason".to_owned(), "Say why: it is kept in the audit log and the person reads it.".to_owned());
        } else if reason.chars().count() > REASON_CHARS {
            fields.insert("reason".to_owned(), format!("Keep it under {REASON_CHARS} characters."));
        }
        if let Some(word) = confirm.confirm_word
            && self.confirm.trim() != word
        {
            fields.insert("confirm".to_owned(), format!("Type {word} to confirm."));
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields });
        }
        Ok(reason.to_owned())
    }
}
