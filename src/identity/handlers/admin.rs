//! The label's admin: every artist at a glance, suspend and reinstate.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::AppResult;
use crate::identity::repo;
use crate::identity::service;
use crate::web::page::Page;

const PAGE_SIZE: usize = 50;

#[derive(Deserialize)]
pub struct AdminQuery {
    before: Option<i64>,
}

#[derive(Serialize)]
struct ArtistLine {
    uid: String,
    email: String,
    stage_name: Option<String>,
    handle: Option<String>,
    tier: Option<String>,
    subscription: &'static str,
    onboarding_completed: bool,
    payouts_enabled: bool,
    suspended: bool,
}

#[derive(Serialize)]
struct AdminView {
    title: &'static str,
    artists: Vec<ArtistLine>,
    next_before: Option<i64>,
}

pub async fn show_admin(
    State(state): State<AppState>,
    page: Page,
    _admin: AdminUser,
    Query(query): Query<AdminQuery>,
) -> AppResult<Response> {
    let rows = state.db.read(move |c| repo::list_artists_for_admin(c, query.before, PAGE_SIZE + 1)).await?;
    let next_before = (rows.len() > PAGE_SIZE).then(|| rows[PAGE_SIZE - 1].id.0);
    let artists = rows
        .into_iter()
        .take(PAGE_SIZE)
        .map(|a| ArtistLine {
            uid: a.uid,
            email: a.email,
            stage_name: a.stage_name,
            handle: a.handle,
            tier: a.tier,
            subscription: a.subscription_status.map_or("none", |s| s.as_str()),
            onboarding_completed: a.onboarding_completed,
            payouts_enabled: a.payouts_enabled,
            suspended: a.suspended,
        })
        .collect();
    let view = AdminView { title: "Artists", artists, next_before };
    Ok(page.render(&state, "identity/admin.html", view)?.into_response())
}

pub async fn suspend_artist(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    service::set_suspended(&state, uid, true).await?;
    Ok(Redirect::to("/admin").into_response())
}

pub async fn reinstate_artist(
    State(state): State<AppState>,
    _admin: AdminUser,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    service::set_suspended(&state, uid, false).await?;
    Ok(Redirect::to("/admin").into_response())
}
