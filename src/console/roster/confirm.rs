//! The confirmation page every console action with a reason shares:
//! suspend, reinstate, decline, disable, enable, erase. It says what will
//! happen, asks why (always: each is audited with its reason), asks for a
//! typed word where the action cannot be undone, and includes the
//! authenticator-code field of the re-authentication (each is destructive).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::console::Admin;
use crate::error::{AppError, AppResult};
use crate::identity::suspension;
use crate::web::page::Page;

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
    /// A word to type where the action cannot be undone.
    pub confirm_word: Option<&'static str>,
}

#[derive(Serialize)]
struct ConfirmView<'a> {
    #[serde(flatten)]
    confirm: &'a Confirm,
    reason: &'a str,
    /// Whether the code field shows (no code given within the last minutes).
    needs_code: bool,
    errors: BTreeMap<String, String>,
}

pub fn render(state: &AppState, page: &Page, admin: &Admin, confirm: &Confirm) -> AppResult<Response> {
    let needs_code = !admin.recently_confirmed(state);
    let view = ConfirmView { confirm, reason: "", needs_code, errors: BTreeMap::new() };
    Ok(page.render(state, "console/confirm.html", view)?.into_response())
}

/// The page again with what was wrong, and 422; nothing was changed.
pub fn refuse(
    state: &AppState,
    page: &Page,
    admin: &Admin,
    confirm: &Confirm,
    form: &ReasonForm,
    err: AppError,
) -> AppResult<Response> {
    let AppError::Invalid { fields, message } = err else { return Err(err) };
    let mut errors: BTreeMap<String, String> = fields.into_iter().collect();
    if errors.is_empty() {
        errors.insert("form".into(), message);
    }
    let needs_code = !admin.recently_confirmed(state);
    let view = ConfirmView { confirm, reason: &form.reason, needs_code, errors };
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
    /// Checks the form against `confirm`: the reason and the typed word,
    /// then the code. Returns the reason, trimmed.
    pub async fn check(&self, state: &AppState, admin: &Admin, confirm: &Confirm) -> AppResult<String> {
        let mut fields = BTreeMap::new();
        let reason = match suspension::parse_reason(&self.reason) {
            Ok(reason) => reason,
            Err(AppError::Invalid { fields: why, .. }) => {
                fields.extend(why);
                String::new()
            }
            Err(other) => return Err(other),
        };
        if let Some(word) = confirm.confirm_word
            && self.confirm.trim() != word
        {
            fields.insert("confirm".to_owned(), format!("Type {word} to confirm."));
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields });
        }
        // The code last: a form refused for its reason has not used it up.
        admin.reauthenticate(state, Some(self.code.trim()).filter(|c| !c.is_empty())).await?;
        Ok(reason)
    }
}
