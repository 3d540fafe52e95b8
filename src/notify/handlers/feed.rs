//! The feed's routes: the `/notifications` page (session, CSRF) and
//! `/api/v1/notifications` (bearer token).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{ApiUser, SessionUser};
use crate::error::{AppError, AppResult};
use crate::notify::feed::{self, FeedPage, FeedQuery, MarkInput};
use crate::web::page::Page;

#[derive(Serialize)]
struct NoticeView {
    id: i64,
    title: String,
    body: String,
    /// Opening it leads somewhere on this site.
    opens: bool,
    unread: bool,
    when: String,
}

#[derive(Serialize)]
struct FeedView {
    title: &'static str,
    notifications: Vec<NoticeView>,
    next_before: Option<i64>,
    unread_count: i64,
    older: bool,
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

pub async fn show_notifications(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Query(query): Query<FeedQuery>,
) -> AppResult<Response> {
    let (before, limit) = query.parse()?;
    let FeedPage { notifications, next_before, unread_count } = feed::page(&state, user.id.0, before, limit).await?;
    let notifications = notifications
        .into_iter()
        .map(|n| NoticeView {
            id: n.id,
            opens: n.link.as_deref().is_some_and(feed::is_local_link),
            title: n.title,
            body: n.body,
            unread: n.unread,
            when: when(n.created_at),
        })
        .collect();
    let view = FeedView { title: "Notifications", notifications, next_before, unread_count, older: before.is_some() };
    Ok(page.render(&state, "notify/feed.html", view)?.into_response())
}

/// Marks the notice read, then follows its link (on this site only).
pub async fn open_notification(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let link = feed::open(&state, user.id.0, id).await?;
    Ok(Redirect::to(link.as_deref().unwrap_or("/notifications")))
}

pub async fn read_all_notifications(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
) -> AppResult<Redirect> {
    feed::mark_read(&state, user.id.0, feed::Mark::All).await?;
    Ok(Redirect::to("/notifications"))
}

pub async fn list_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<FeedQuery>,
) -> AppResult<Json<FeedPage>> {
    let (before, limit) = query.parse()?;
    Ok(Json(feed::page(&state, user.id.0, before, limit).await?))
}

pub async fn show_unread_count(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Value>> {
    Ok(Json(json!({"unread_count": feed::unread_count(&state, user.id.0).await?})))
}

pub async fn mark_notifications_read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<MarkInput>, JsonRejection>,
) -> AppResult<Json<Value>> {
    let mark = super::json_400(body)?.parse()?;
    let unread_count = feed::mark_read(&state, user.id.0, mark).await?;
    Ok(Json(json!({"unread_count": unread_count})))
}
