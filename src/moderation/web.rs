//! `/report`: the report form behind the "Report" links on public pages,
//! for signed-in people (others are sent to sign in first).

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::domain::{NewReport, REASONS};
use super::service;
use crate::app::AppState;
use crate::auth::SessionUser;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/report", get(show_report_form).post(create_report))
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: String,
}

#[derive(Serialize)]
struct Reason {
    code: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct ReportView {
    title: &'static str,
    kind: String,
    id: String,
    what: &'static str,
    reason: String,
    details: String,
    reasons: Vec<Reason>,
    errors: std::collections::BTreeMap<String, String>,
    sent: bool,
}

fn what(kind: &str) -> &'static str {
    match kind {
        "bop" => "this Bop",
        "comment" => "this comment",
        "track" => "this track",
        "product" => "this product",
        "profile" => "this artist's page",
        _ => "this",
    }
}

fn view(form: ReportForm) -> ReportView {
    ReportView {
        title: "Report",
        what: what(&form.kind),
        kind: form.kind,
        id: form.id,
        reason: form.reason,
        details: form.details,
        reasons: REASONS.iter().map(|(code, label)| Reason { code, label }).collect(),
        errors: Default::default(),
        sent: false,
    }
}

async fn show_report_form(
    State(state): State<AppState>,
    page: Page,
    SessionUser(_user): SessionUser,
    Query(form): Query<ReportForm>,
) -> AppResult<Response> {
    Ok(page.render(&state, "moderation/report.html", view(form))?.into_response())
}

async fn create_report(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let parsed = NewReport::parse(&form.kind, &form.id, &form.reason, &form.details);
    let result = match parsed {
        Ok(new) => service::create_report(&state, user.id, new).await.map(|_| ()),
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => {
            let mut shown = view(form);
            shown.sent = true;
            Ok(page.render(&state, "moderation/report.html", shown)?.into_response())
        }
        Err(AppError::Invalid { fields, message }) => {
            let mut shown = view(form);
            shown.errors = fields.into_iter().collect();
            if shown.errors.is_empty() {
                shown.errors.insert("form".into(), message);
            }
            let body = page.render(&state, "moderation/report.html", shown)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(err) => Err(err),
    }
}
