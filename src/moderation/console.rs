//! The label console's moderation pages: the queue (`/admin/moderation`),
//! one reported thing with all its reports and history, and the actions on
//! it. Hide and suspend are destructive: a confirmation page, a required
//! reason and the admin's authenticator code. Admins only.

use std::collections::BTreeMap;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::actions::{self, Action, Moderator};
use super::domain::{parse_kind, parse_reason};
use super::queue::{self, DecisionView, ItemView};
use crate::app::AppState;
use crate::console::Admin;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/moderation", get(show_queue))
        .route("/admin/moderation/decisions/{uid}", post(answer_appeal))
        .route("/admin/moderation/{kind}/{uid}", get(show_item))
        .route("/admin/moderation/{kind}/{uid}/dismiss", post(dismiss))
        .route("/admin/moderation/{kind}/{uid}/unhide", post(unhide))
        .route("/admin/moderation/{kind}/{uid}/hide", get(confirm_hide).post(hide))
        .route("/admin/moderation/{kind}/{uid}/suspend", get(confirm_suspend).post(suspend))
}

type Errors = BTreeMap<String, String>;

/// Field errors of a refused form (a message without a field is the form's).
fn errors_of(err: AppError) -> Result<Errors, AppError> {
    match err {
        AppError::Invalid { message, mut fields } => {
            if fields.is_empty() {
                fields.insert("form".into(), message);
            }
            Ok(fields)
        }
        other => Err(other),
    }
}

fn moderator(admin: &Admin) -> Moderator {
    Moderator { user: admin.user.id, actor: admin.actor() }
}

fn kind_of(raw: &str) -> AppResult<&'static str> {
    parse_kind(raw).ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    filter: Option<String>,
    sort: Option<String>,
    after: Option<String>,
}

#[derive(Serialize)]
struct QueueView {
    title: &'static str,
    filter: String,
    sort: String,
    items: Vec<ItemView>,
    next_url: Option<String>,
    first_url: Option<String>,
    errors: Errors,
}

async fn show_queue(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    let mut view = QueueView {
        title: "Moderation",
        filter: query.filter.clone().unwrap_or_else(|| "open".into()),
        sort: query.sort.clone().unwrap_or_else(|| "newest".into()),
        items: Vec::new(),
        next_url: None,
        first_url: None,
        errors: Errors::new(),
    };
    let listed = match queue::listing(query.filter.as_deref(), query.sort.as_deref()) {
        Ok(listing) => queue::page(&state, listing, query.after.clone()).await,
        Err(err) => Err(err),
    };
    match listed {
        Ok((items, next)) => {
            view.items = items;
            let base = format!("/admin/moderation?filter={}&sort={}", view.filter, view.sort);
            view.next_url = next.map(|cursor| format!("{base}&after={cursor}"));
            view.first_url = query.after.filter(|a| !a.is_empty()).map(|_| base);
            Ok(page.render(&state, "console/moderation.html", view)?.into_response())
        }
        Err(err) => {
            view.errors = errors_of(err)?;
            view.filter = "open".into();
            view.sort = "newest".into();
            let body = page.render(&state, "console/moderation.html", view)?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
struct ItemQuery {
    before: Option<String>,
}

#[derive(Serialize)]
struct ItemPageView {
    title: String,
    item: ItemView,
    history: Vec<DecisionView>,
    next_url: Option<String>,
    errors: Errors,
    reason: String,
}

async fn render_item(
    state: &AppState,
    page: &Page,
    kind: &'static str,
    uid: String,
    before: Option<String>,
    errors: Errors,
    reason: String,
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let found = match queue::item(state, kind, uid.clone(), before).await {
        Err(AppError::Invalid { .. }) => {
            // A broken page link of the reports: the first page, and why.
            let mut errors = errors;
            errors.insert("cursor".into(), "This page link is broken; here is the first page.".into());
            let found = queue::item(state, kind, uid, None).await?;
            return Ok((StatusCode::BAD_REQUEST, page_of(state, page, found, errors, reason)?).into_response());
        }
        found => found?,
    };
    Ok((status, page_of(state, page, found, errors, reason)?).into_response())
}

fn page_of(
    state: &AppState,
    page: &Page,
    found: queue::ItemPage,
    errors: Errors,
    reason: String,
) -> AppResult<axum::response::Html<String>> {
    let next_url = found.next_reports.map(|before| format!("{}?before={before}", found.item.url));
    let view = ItemPageView {
        title: format!("{} reported", found.item.what),
        item: found.item,
        history: found.history,
        next_url,
        errors,
        reason,
    };
    page.render(state, "console/moderation_item.html", view)
}

async fn show_item(
    State(state): State<AppState>,
    page: Page,
    _admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
    Query(query): Query<ItemQuery>,
) -> AppResult<Response> {
    render_item(&state, &page, kind_of(&kind)?, uid, query.before, Errors::new(), String::new()).await
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    code: String,
}

/// Dismiss needs no code: nothing happens to anyone. A note is optional.
async fn dismiss(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let note = match form.reason.trim() {
        "" => "No rule was broken.".to_owned(),
        _ => match parse_reason(&form.reason, "reason") {
            Ok(reason) => reason,
            Err(err) => return render_item(&state, &page, kind, uid, None, errors_of(err)?, form.reason).await,
        },
    };
    match actions::decide(&state, moderator(&admin), kind, uid.clone(), Action::Dismiss, note).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/moderation/{kind}/{uid}")).into_response()),
        Err(err) => render_item(&state, &page, kind, uid, None, errors_of(err)?, form.reason).await,
    }
}

/// Showing hidden content again restores; it needs a reason, not a code.
async fn unhide(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let done = match parse_reason(&form.reason, "reason") {
        Ok(reason) => actions::decide(&state, moderator(&admin), kind, uid.clone(), Action::Unhide, reason).await,
        Err(err) => Err(err),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/admin/moderation/{kind}/{uid}")).into_response()),
        Err(err) => render_item(&state, &page, kind, uid, None, errors_of(err)?, form.reason).await,
    }
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

/// Upholds or reverses an appealed decision (reversing restores, so no code).
async fn answer_appeal(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path(decision): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let reverse = match form.outcome.as_str() {
        "reverse" => Ok(true),
        "uphold" => Ok(false),
        _ => Err(AppError::invalid("outcome", "Uphold or reverse the decision.")),
    };
    let done = match (reverse, parse_reason(&form.reason, "answer")) {
        (Ok(reverse), Ok(reason)) => {
            actions::answer_appeal(&state, moderator(&admin), decision.clone(), reverse, reason).await
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    };
    match done {
        Ok((kind, uid)) => Ok(Redirect::to(&format!("/admin/moderation/{kind}/{uid}")).into_response()),
        Err(err) => {
            let errors = errors_of(err)?;
            let (kind, uid) = super::queue::item_of_decision(&state, decision).await?;
            render_item(&state, &page, kind, uid, None, errors, form.reason).await
        }
    }
}

#[derive(Serialize)]
struct ConfirmView {
    title: String,
    /// The code field shows unless one was entered a few minutes ago.
    needs_code: bool,
    action: &'static str,
    item: ItemView,
    errors: Errors,
    reason: String,
}

async fn render_confirm(
    state: &AppState,
    page: &Page,
    admin: &Admin,
    kind: &'static str,
    uid: String,
    action: &'static str,
    (errors, reason): (Errors, String),
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let found = queue::item(state, kind, uid, None).await?;
    let title = match action {
        "hide" => format!("Hide this {}?", found.item.what.to_lowercase()),
        _ => "Suspend the author?".to_owned(),
    };
    let needs_code = !admin.recently_confirmed(state);
    let view = ConfirmView { title, needs_code, action, item: found.item, errors, reason };
    Ok((status, page.render(state, "console/moderation_confirm.html", view)?).into_response())
}

async fn confirm_hide(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
) -> AppResult<Response> {
    render_confirm(&state, &page, &admin, kind_of(&kind)?, uid, "hide", Default::default()).await
}

async fn confirm_suspend(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
) -> AppResult<Response> {
    render_confirm(&state, &page, &admin, kind_of(&kind)?, uid, "suspend", Default::default()).await
}

async fn hide(
    state: State<AppState>,
    page: Page,
    admin: Admin,
    path: Path<(String, String)>,
    form: Form<ActionForm>,
) -> AppResult<Response> {
    destructive(state, page, admin, path, form, Action::Hide).await
}

async fn suspend(
    state: State<AppState>,
    page: Page,
    admin: Admin,
    path: Path<(String, String)>,
    form: Form<ActionForm>,
) -> AppResult<Response> {
    destructive(state, page, admin, path, form, Action::SuspendAuthor).await
}

/// Hide or suspend: the code first (re-authentication), then the reason.
async fn destructive(
    State(state): State<AppState>,
    page: Page,
    admin: Admin,
    Path((kind, uid)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
    action: Action,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let name = if action == Action::Hide { "hide" } else { "suspend" };
    let code = Some(form.code.trim()).filter(|c| !c.is_empty());
    let done = match admin.reauthenticate(&state, code).await {
        Ok(()) => match parse_reason(&form.reason, "reason") {
            Ok(reason) => actions::decide(&state, moderator(&admin), kind, uid.clone(), action, reason).await,
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/admin/moderation/{kind}/{uid}")).into_response()),
        Err(err) => render_confirm(&state, &page, &admin, kind, uid, name, (errors_of(err)?, form.reason)).await,
    }
}
