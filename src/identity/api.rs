//! Identity on the app surface (`/api/v1`): bearer tokens for the mobile
//! app and the fan web app.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::{Value, json};

use super::limits::ClientIp;
use super::service;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(create_token).delete(revoke_token))
        .route("/accounts", post(create_account))
        .route("/artists/{id}/follow", post(follow_artist).delete(unfollow_artist))
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
    from: super::sign_ins::SignInFrom,
    jar: CookieJar,
    Json(credentials): Json<Credentials>,
) -> AppResult<(CookieJar, Json<Value>)> {
    let identity = super::state(&state);
    let device = identity.devices.known(&jar, &credentials.email);
    if let Err(retry_after_secs) = identity.login_limits.check(ip, &credentials.email, device.as_ref()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let token = service::issue_api_token(&state, &credentials.email, credentials.password, &from).await?;
    let secure = state.config.server.public_url.scheme() == "https";
    let jar = jar.add(identity.devices.cookie(&credentials.email, secure));
    Ok((jar, Json(json!({ "token": token }))))
}

/// Signs this device's app out: the bearer token it sent stops working.
async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::http::StatusCode> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::Unauthorized)?;
    service::revoke_api_token(&state, bearer.trim()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewAccount {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
}

/// A fan's account from the mobile app: `201` with a bearer token at once,
/// whether or not the address is taken (a taken one's token opens nothing,
/// and its owner gets an email); the address gets a link that confirms it.
async fn create_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    from: super::sign_ins::SignInFrom,
    Json(body): Json<NewAccount>,
) -> AppResult<(axum::http::StatusCode, Json<Value>)> {
    if let Err(retry_after_secs) = super::state(&state).account_limits.check_ip(ip) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let token =
        super::app_signup::create_app_account(&state, &body.email, &body.password, &body.display_name, &from).await?;
    Ok((axum::http::StatusCode::CREATED, Json(json!({ "token": token }))))
}

async fn follow_artist(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    service::set_following(&state, user.id, id, true).await?;
    Ok(Json(json!({ "following": true })))
}

async fn unfollow_artist(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    service::set_following(&state, user.id, id, false).await?;
    Ok(Json(json!({ "following": false })))
}
