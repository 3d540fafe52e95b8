//! Operations endpoints: `/healthz` and `/metrics`.

pub mod metrics;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::config::Secret;

pub use metrics::Metrics;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(show_health)).route("/metrics", get(show_metrics))
}

/// 200 while the database answers, else 503.
async fn show_health(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.db.clone();
    match tokio::task::spawn_blocking(move || db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n"),
    }
}

/// With `ops.metrics_token` set, only its bearer sees the metrics; anyone
/// else gets the same 404 as for a path that does not exist.
async fn show_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !metrics_allowed(&state.config.ops.metrics_token, &headers) {
        return crate::error::AppError::NotFound.into_response();
    }
    let db = state.db.clone();
    let queue = tokio::task::spawn_blocking(move || {
        db.read_blocking(|c| {
            Ok((crate::events::repo::count_by_status(c, "pending")?, crate::events::repo::count_by_status(c, "dead")?))
        })
    })
    .await;
    if let Ok(Ok((pending, dead))) = queue {
        state.metrics.set_event_queue(pending, dead);
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.encode())
        .into_response()
}

fn metrics_allowed(token: &Secret, headers: &HeaderMap) -> bool {
    if !token.is_set() {
        return true;
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests, so the time taken says nothing about the token.
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.expose().as_bytes())
}
