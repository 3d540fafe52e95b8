//! Notify's routes. Here: web push — the service worker, the server's
//! public key, and subscribing a browser — from the fan app (`/api/v1`,
//! bearer token) and from the studio (session cookie and CSRF token). The
//! feed, the settings and one-click unsubscribe have a file each.

mod feed;
mod prefs;
mod unsubscribe;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::push::{EndpointInput, MAX_SUBSCRIPTIONS_PER_USER, NewSubscription, SubscriptionInput};
use super::repo;
use crate::app::AppState;
use crate::auth::{ApiUser, AuthUser, SessionUser};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};

/// Web surface routes (session cookie, CSRF).
pub fn web_router() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(serve_service_worker))
        .route("/account/push/subscriptions", post(create_web_subscription).delete(delete_web_subscription))
        .route("/notifications", get(feed::show_notifications))
        .route("/notifications/read-all", post(feed::read_all_notifications))
        .route("/notifications/{id}/read", post(feed::open_notification))
        .route("/account/notifications", get(prefs::show_preferences).post(prefs::save_preferences))
}

/// One-click unsubscribe (RFC 8058): web pages, but outside the CSRF layer,
/// since a mail client POSTs without a session; the token is the credential.
pub fn one_click_router() -> Router<AppState> {
    Router::new()
        .route("/unsubscribe/{token}", get(unsubscribe::show_unsubscribe).post(unsubscribe::confirm_unsubscribe))
}

/// App surface routes, under `/api/v1` (bearer token).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/push/key", get(show_push_key))
        .route("/push/subscriptions", post(create_api_subscription).delete(delete_api_subscription))
        .route("/notifications", get(feed::list_notifications))
        .route("/notifications/unread_count", get(feed::show_unread_count))
        .route("/notifications/read", post(feed::mark_notifications_read))
        .route("/notifications/preferences", get(prefs::show_api_preferences).put(prefs::update_api_preferences))
}

/// The service worker, at the root so that its scope is the whole site.
async fn serve_service_worker(headers: HeaderMap) -> Response {
    crate::web::assets::serve_unversioned("js/sw.js", &headers)
}

/// The VAPID public key for `PushManager.subscribe`; public, like any public key.
async fn show_push_key(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"public_key": state.push_outbox.public_key()}))
}

async fn create_api_subscription(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<SubscriptionInput>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Value>)> {
    subscribe(&state, &user, body).await
}

async fn create_web_subscription(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    body: Result<Json<SubscriptionInput>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Value>)> {
    subscribe(&state, &user, body).await
}

async fn delete_api_subscription(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<EndpointInput>, JsonRejection>,
) -> AppResult<StatusCode> {
    unsubscribe(&state, &user, body).await
}

async fn delete_web_subscription(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    body: Result<Json<EndpointInput>, JsonRejection>,
) -> AppResult<StatusCode> {
    unsubscribe(&state, &user, body).await
}

/// A body that is not the JSON object we expect is named as such.
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    body.map(|Json(input)| input).map_err(|rejection| AppError::invalid("body", rejection.body_text()))
}

/// A body that is not the JSON we expect: 400, saying what is wrong.
fn json_400<T>(body: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    body.map(|Json(input)| input).map_err(|rejection| AppError::BadRequest(rejection.body_text()))
}

/// Stores the browser's subscription: 201 when new, 200 when it was known.
async fn subscribe(
    state: &AppState,
    user: &AuthUser,
    body: Result<Json<SubscriptionInput>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let new = NewSubscription::parse(json_body(body)?, state.push_outbox.allow_local())?;
    let user_id = user.id.0;
    let endpoint = new.endpoint.clone();
    let created = state
        .db
        .write(move |tx| {
            repo::upsert_push_subscription(
                tx,
                user_id,
                &new.endpoint,
                &new.p256dh,
                &new.auth,
                MAX_SUBSCRIPTIONS_PER_USER,
                now_ms(),
            )
            .map_err(AppError::from)
        })
        .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"endpoint": endpoint}))))
}

/// Removes the user's own subscription at the endpoint: 204, or 404 when
/// they have none there (someone else's is none of theirs).
async fn unsubscribe(
    state: &AppState,
    user: &AuthUser,
    body: Result<Json<EndpointInput>, JsonRejection>,
) -> AppResult<StatusCode> {
    let endpoint = json_body(body)?.endpoint.filter(|e| !e.trim().is_empty());
    let endpoint = endpoint.ok_or_else(|| AppError::invalid("endpoint", "The push endpoint is missing."))?;
    // Stored endpoints are normalised URLs; look up the same form.
    let endpoint = url::Url::parse(endpoint.trim()).map(|u| u.to_string()).unwrap_or(endpoint);
    let user_id = user.id.0;
    let deleted = state
        .db
        .write(move |tx| repo::delete_push_subscription_for_user(tx, user_id, &endpoint).map_err(AppError::from))
        .await?;
    if deleted { Ok(StatusCode::NO_CONTENT) } else { Err(AppError::NotFound) }
}
