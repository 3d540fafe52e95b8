//! `/toney`: the artist's insights and conversation; `POST /toney/messages`
//! asks, `POST /toney/clear` clears the conversation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::insights::Insight;
use super::repo::MessageRow;
use super::service;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::session::ArtistScope;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/toney", get(show_toney))
        .route("/toney/messages", post(ask_toney))
        .route("/toney/clear", post(clear_conversation))
}

#[derive(Serialize)]
struct ToneyView {
    title: &'static str,
    insights: Vec<Insight>,
    messages: Vec<MessageRow>,
    message: String,
    error: Option<String>,
    max_chars: u32,
    help: &'static str,
}

async fn render(
    state: &AppState,
    page: &Page,
    scope: &ArtistScope,
    message: String,
    error: Option<String>,
) -> AppResult<Response> {
    let (insights, messages) = service::conversation(state, scope.artist.id).await?;
    let view = ToneyView {
        title: "Toney",
        insights,
        messages,
        message,
        error: error.clone(),
        max_chars: super::state(state).config.max_message_chars,
        help: super::chat::HELP,
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
