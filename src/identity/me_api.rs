//! `/api/v1/me`: one's own account from the app — the name, the password,
//! the data export and deleting the account (as `/account` on the web).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::account::{self, Fresh};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(show_me).patch(rename).delete(delete_me))
        .route("/me/password", post(change_password))
        .route("/me/export", get(export))
}

async fn show_me(ApiUser(user): ApiUser) -> Json<Value> {
    Json(json!({"id": user.uid, "email": user.email, "display_name": user.display_name, "role": user.role}))
}

#[derive(Deserialize)]
struct Rename {
    #[serde(default)]
    display_name: String,
}

async fn rename(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<Rename>,
) -> AppResult<Json<Value>> {
    let name = account::rename(&state, user.id, &body.display_name).await?;
    Ok(Json(json!({"display_name": name.as_str()})))
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Every other session and token ends; the answer carries this device's new token.
async fn change_password(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewPassword>,
) -> AppResult<Json<Value>> {
    let token =
        account::change_password(&state, user.id, body.current_password, &body.new_password, Fresh::ApiToken).await?;
    Ok(Json(json!({"token": token})))
}

async fn export(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Value>> {
    let id = user.id;
    Ok(Json(state.db.read(move |c| account::export(c, id)).await?))
}

#[derive(Deserialize)]
struct Confirm {
    #[serde(default)]
    password: String,
}

async fn delete_me(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<Confirm>,
) -> AppResult<StatusCode> {
    account::delete(&state, user.id, user.role, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
