//! Operations endpoints: `/healthz` and `/metrics`.

pub mod metrics;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

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

async fn show_metrics(State(state): State<AppState>) -> impl IntoResponse {
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
}
