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
        .route(
            "/me/avatar",
            axum::routing::put(set_avatar)
                .delete(remove_avatar)
                .layer(axum::extract::DefaultBodyLimit::max(super::avatar::MAX_BYTES + 1)),
        )
}

async fn show_me(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Value>> {
    let avatar_url = super::avatar::avatar_url(&state, user.id).await?;
    Ok(Json(json!({
        "id": user.uid, "email": user.email, "display_name": user.display_name, "role": user.role,
        "avatar_url": avatar_url,
    })))
}

/// The body is the image itself (JPEG, PNG or WebP), at most 5 MiB.
async fn set_avatar(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: axum::body::Bytes,
) -> AppResult<Json<Value>> {
    let url = super::avatar::set_avatar(&state, user.id, body).await?;
    Ok(Json(json!({"avatar_url": url})))
}

async fn remove_avatar(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<StatusCode> {
    super::avatar::remove_avatar(&state, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
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
