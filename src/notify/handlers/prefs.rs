//! Notification settings: `/account/notifications` (session, CSRF) and
//! `/api/v1/notifications/preferences` (bearer token).

use std::collections::HashSet;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{ApiUser, SessionUser};
use crate::error::{AppError, AppResult};
use crate::notify::kinds;
use crate::notify::prefs::{self, Change, ChangesInput, Pref};
use crate::web::page::Page;

#[derive(Serialize)]
struct PrefsView {
    title: &'static str,
    preferences: Vec<Pref>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn show_preferences(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Query(query): Query<SavedQuery>,
) -> AppResult<Response> {
    let preferences = prefs::list(&state, &user).await?;
    let view = PrefsView { title: "Notification settings", preferences, saved: query.saved.is_some() };
    Ok(page.render(&state, "notify/preferences.html", view)?.into_response())
}

/// The form lists a checkbox `email.KIND` and `push.KIND` per kind of the
/// user's role; an unticked box is not sent, so it means off.
pub async fn save_preferences(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    let mut ticked = HashSet::new();
    for (name, _) in &fields {
        if name == crate::web::csrf::CSRF_FIELD {
            continue;
        }
        let kind = name.strip_prefix("email.").or_else(|| name.strip_prefix("push."));
        match kind.and_then(kinds::find) {
            Some(_) => {
                ticked.insert(name.as_str());
            }
            None => return Err(AppError::BadRequest(format!("Unknown setting {name:?}."))),
        }
    }
    let changes = kinds::for_role(user.role.as_str())
        .map(|kind| Change {
            kind: kind.name.to_owned(),
            email: Some(ticked.contains(format!("email.{}", kind.name).as_str())),
            push: Some(ticked.contains(format!("push.{}", kind.name).as_str())),
        })
        .collect();
    prefs::save(&state, &user, changes).await?;
    Ok(Redirect::to("/account/notifications?saved=1"))
}

pub async fn show_api_preferences(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Value>> {
    Ok(Json(json!({"preferences": prefs::list(&state, &user).await?})))
}

pub async fn update_api_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<ChangesInput>, JsonRejection>,
) -> AppResult<Json<Value>> {
    let input = super::json_400(body)?;
    Ok(Json(json!({"preferences": prefs::save(&state, &user, input.preferences).await?})))
}
