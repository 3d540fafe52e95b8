//! Music on the app surface (`/api/v1`): an artist's releases and a release.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::service;
use super::streams::{self, PlayOutcome, PlayReport};
use super::views::{ReleaseDetail, ReleaseView};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/artists/{id}/releases", get(list_artist_releases))
        .route("/releases/{id}", get(show_release))
        .route("/tracks/{id}/plays", post(report_play))
}

#[derive(Deserialize)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct ReleasePage {
    items: Vec<ReleaseView>,
    next_cursor: Option<String>,
}

/// An artist's published releases, newest first.
async fn list_artist_releases(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(artist_uid): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<ReleasePage>> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(AppError::invalid("limit", "Ask for 1 to 50 releases."));
    }
    let lookup = artist_uid.clone();
    let artist = state.db.read(move |c| crate::identity::artist_by_uid(c, &lookup)).await?;
    let artist = artist.filter(|a| !a.suspended).ok_or(AppError::NotFound)?;
    let (rows, next_cursor) = service::list_releases(&state, artist.id, true, query.cursor, limit).await?;
    let items = rows.iter().map(|row| ReleaseView::new(row, &state.media)).collect();
    Ok(Json(ReleasePage { items, next_cursor }))
}

async fn show_release(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<Json<ReleaseDetail>> {
    Ok(Json(service::public_release_detail(&state, uid).await?))
}

/// The player reports its position; a stream counts after 30 s played.
async fn report_play(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
    Json(report): Json<PlayReport>,
) -> AppResult<Json<PlayOutcome>> {
    Ok(Json(streams::report(&state, user.id, uid, report).await?))
}
