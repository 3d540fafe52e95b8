//! The app surface: `/api/v1`, JSON, bearer tokens. Used by the mobile app
//! and the bundled fan web app; owns consumption and engagement.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::service;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/auth/token", post(create_token)).merge(crate::bops::router())
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

/// `{"email","password"}` → `{"token"}`; 401 when they do not match.
async fn create_token(
    State(state): State<AppState>,
    crate::web::client_ip::ClientIp(client): crate::web::client_ip::ClientIp,
    Json(credentials): Json<Credentials>,
) -> AppResult<Json<Value>> {
    if let Err(retry_after_secs) = state.identity.login_limits.check(client, &credentials.email) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let token = service::issue_api_token(&state, &credentials.email, credentials.password).await?;
    Ok(Json(json!({ "token": token })))
}
