//! `/toney`: the artist's insights and conversation; `POST /toney/messages`
//! asks, `POST /toney/clear` clears the conversation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::followups::Outcome;
use super::insights::Insight;
use super::repo::MessageRow;
use super::report::{self, Report};
use super::service;
use crate::analytics::statements::Month;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/toney", get(show_toney))
        .route("/toney/messages", post(ask_toney))
        .route("/toney/clear", post(clear_conversation))
        .route("/toney/reports", get(list_reports))
        .route("/toney/reports/{month}", get(show_report))
}

#[derive(Serialize)]
struct ToneyView {
    title: &'static str,
    insights: Vec<Insight>,
    messages: Vec<MessageRow>,
    outcomes: Vec<Outcome>,
    reports: Vec<(String, String)>,
    message: String,
    error: Option<String>,
    max_chars: u32,
    help: &'static str,
    /// The language model's name, when one phrases the answers.
    model: Option<String>,
}

async fn render(
    state: &AppState,
    page: &Page,
    scope: &ArtistScope,
    message: String,
    error: Option<String>,
) -> AppResult<Response> {
    let o = service::overview(state, scope.artist.id).await?;
    let view = ToneyView {
        title: "Toney",
        insights: o.insights,
        messages: o.messages,
        outcomes: o.outcomes,
        reports: month_names(o.reports, 3),
        message,
        error: error.clone(),
        max_chars: super::state(state).config.max_message_chars,
        help: super::chat::HELP,
        model: super::state(state).llm.as_ref().map(|l| l.model().to_owned()),
    };
    let html = page.render(state, "toney/toney.html", view)?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

async fn show_toney(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    render(&state, &page, &scope, String::new(), None).await
}

#[derive(Deserialize)]
struct AskForm {
    #[serde(default)]
    message: String,
}

async fn ask_toney(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Form(form): Form<AskForm>,
) -> AppResult<Response> {
    match service::ask(&state, scope.artist.id, &form.message).await {
        Ok(()) => Ok(Redirect::to("/toney#latest").into_response()),
        Err(AppError::Invalid { message, fields }) => {
            let error = fields.get("message").cloned().unwrap_or(message);
            render(&state, &page, &scope, form.message, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

async fn clear_conversation(State(state): State<AppState>, scope: ArtistScope) -> AppResult<Response> {
    service::clear(&state, scope.artist.id).await?;
    Ok(Redirect::to("/toney").into_response())
}

/// Report months as (key, name), newest first, at most `limit`.
fn month_names(months: Vec<String>, limit: usize) -> Vec<(String, String)> {
    months.into_iter().filter_map(|k| Month::parse(&k).map(|m| (k, m.name()))).take(limit).collect()
}

#[derive(Serialize)]
struct ReportsView {
    title: &'static str,
    reports: Vec<(String, String)>,
}

async fn list_reports(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    let artist = scope.artist.id;
    let months = state.db.read(move |c| report::list_months(c, artist)).await?;
    let view = ReportsView { title: "Monthly reports", reports: month_names(months, usize::MAX) };
    Ok(page.render(&state, "toney/reports.html", view)?.into_response())
}

#[derive(Serialize)]
struct ReportView {
    title: String,
    report: Report,
}

async fn show_report(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(month): Path<String>,
) -> AppResult<Response> {
    let month = Month::parse(&month).ok_or(AppError::NotFound)?.key();
    let artist = scope.artist.id;
    let found = state.db.read(move |c| report::find(c, artist, &month)).await?.ok_or(AppError::NotFound)?;
    let view = ReportView { title: format!("{} with Toney", found.name), report: found };
    Ok(page.render(&state, "toney/report.html", view)?.into_response())
}
