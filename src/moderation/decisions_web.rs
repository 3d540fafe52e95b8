//! `/moderation/decisions/{id}`: the author reads the label's decision
//! about their content or account, and may appeal it once.

use std::collections::BTreeMap;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::appeals::{self, AuthorView, Proof};
use super::domain::parse_appeal;
use crate::app::AppState;
use crate::auth::MaybeUser;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moderation/decisions/{uid}", get(show_decision))
        .route("/moderation/decisions/{uid}/appeal", post(appeal_decision))
}

#[derive(Deserialize, Default)]
struct KeyQuery {
    key: Option<String>,
}

#[derive(Serialize)]
struct DecisionPage {
    title: &'static str,
    uid: String,
    key: String,
    view: AuthorView,
    appeal: String,
    errors: BTreeMap<String, String>,
    sent: bool,
}

/// The author's proof: their session, or the key from their email; with
/// neither, the browser is sent to sign in.
fn proof(user: MaybeUser, key: Option<String>) -> AppResult<Proof> {
    let key = key.filter(|k| !k.is_empty());
    match (user.0, key) {
        (None, None) => Err(AppError::Unauthorized),
        (user, key) => Ok(Proof { user: user.map(|u| u.id), key }),
    }
}

async fn show_decision(
    State(state): State<AppState>,
    page: Page,
    user: MaybeUser,
    Path(uid): Path<String>,
    Query(query): Query<KeyQuery>,
) -> AppResult<Response> {
    let key = query.key.clone().unwrap_or_default();
    let view = appeals::show(&state, uid.clone(), proof(user, query.key)?).await?;
    let shown = DecisionPage {
        title: "The label's decision",
        uid,
        key,
        view,
        appeal: String::new(),
        errors: BTreeMap::new(),
        sent: false,
    };
    Ok(page.render(&state, "moderation/decision.html", shown)?.into_response())
}

#[derive(Deserialize, Default)]
struct AppealForm {
    #[serde(default)]
    appeal: String,
    #[serde(default)]
    key: String,
}

async fn appeal_decision(
    State(state): State<AppState>,
    page: Page,
    user: MaybeUser,
    Path(uid): Path<String>,
    Form(form): Form<AppealForm>,
) -> AppResult<Response> {
    let proof = proof(user, Some(form.key.clone()))?;
    let result = match parse_appeal(&form.appeal) {
        Ok(text) => appeals::appeal(&state, uid.clone(), proof.clone(), text).await,
        Err(err) => Err(err),
    };
    let (errors, status) = match result {
        Ok(()) => (BTreeMap::new(), StatusCode::OK),
        Err(AppError::Invalid { message, mut fields }) => {
            if fields.is_empty() {
                fields.insert("appeal".into(), message);
            }
            (fields, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err) => return Err(err),
    };
    let view = appeals::show(&state, uid.clone(), proof).await?;
    let sent = errors.is_empty();
    let appeal = if sent { String::new() } else { form.appeal };
    let shown = DecisionPage { title: "The label's decision", uid, key: form.key, view, appeal, errors, sent };
    Ok((status, page.render(&state, "moderation/decision.html", shown)?).into_response())
}
