//! `/api/v1/reports`: a fan reports a Bop, a comment, a track, a product or
//! a profile, and sees their own reports.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::domain::{NewReport, REASONS};
use super::service;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list_reports).post(create_report))
        .route("/reports/reasons", get(list_reasons))
        .route("/reports/{id}", get(show_report))
}

#[derive(Deserialize)]
struct ReportBody {
    kind: String,
    id: String,
    reason: String,
    #[serde(default)]
    details: String,
}

async fn create_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ReportBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let new = NewReport::parse(&body.kind, &body.id, &body.reason, &body.details)?;
    let report = service::create_report(&state, user.id, new).await?;
    Ok((StatusCode::CREATED, Json(json!(report))))
}

async fn list_reports(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "items": service::my_reports(&state, user.id).await? })))
}

async fn show_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    Ok(Json(json!(service::my_report(&state, user.id, id).await?)))
}

/// The reasons a report form offers, in the order to show them.
async fn list_reasons() -> Json<Value> {
    let items: Vec<_> = REASONS.iter().map(|(code, label)| json!({ "code": code, "label": label })).collect();
    Json(json!({ "items": items }))
}
