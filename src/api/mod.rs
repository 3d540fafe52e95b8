//! The app surface: `/api/v1`, JSON, bearer tokens. Used by the mobile app
//! and the bundled fan web app; owns consumption and engagement.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::limits::ClientIp;
use crate::identity::service;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/auth/token", post(create_token)).merge(crate::bops::router())
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

/// `{"email","password"}` → `{"token"}`; 401 when they do not match. Like the
/// web sign-in, a client that signed in before carries a device cookie and
/// gets its own attempt budget (see `identity::limits`).
async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Json(credentials): Json<Credentials>,
) -> AppResult<(CookieJar, Json<Value>)> {
    let device = state.identity.devices.known(&jar, &credentials.email);
    if let Err(retry_after_secs) = state.identity.login_limits.check(ip, &credentials.email, device.as_ref()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let token = service::issue_api_token(&state, &credentials.email, credentials.password).await?;
    let secure = state.config.server.public_url.scheme() == "https";
    let jar = jar.add(state.identity.devices.cookie(&credentials.email, secure));
    Ok((jar, Json(json!({ "token": token }))))
}
