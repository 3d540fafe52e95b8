//! `GET /unsubscribe/{token}` asks, `POST` does it: RFC 8058 one-click, so
//! the POST is outside the CSRF layer and needs no session. The token is
//! the credential, and it can only turn one kind of email off.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::error::AppResult;
use crate::notify::unsubscribe::{self, Target};
use crate::web::page::Page;

#[derive(Serialize)]
struct UnsubscribeView {
    title: &'static str,
    /// `None`: the link is unknown or expired.
    label: Option<String>,
    email_on: bool,
    done: bool,
}

/// These pages are reached from an email, with no session and no CSRF
/// token: they show no signed-in header and no forms but their own.
fn render(state: &AppState, target: Option<Target>, done: bool) -> AppResult<Response> {
    let status = if target.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let view = UnsubscribeView {
        title: "Unsubscribe",
        email_on: target.as_ref().is_some_and(|t| t.email_on),
        label: target.map(|t| t.label),
        done,
    };
    let page = Page { csrf_token: String::new(), user: None };
    Ok((status, page.render(state, "notify/unsubscribe.html", view)?).into_response())
}

pub async fn show_unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let target = unsubscribe::look_up(&state, token).await?;
    render(&state, target, false)
}

pub async fn confirm_unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let target = unsubscribe::apply(&state, token).await?;
    render(&state, target, true)
}
