//! `GET /api/v1/artists/{id}/bops`: the artist's Bops as a grid on their
//! page in the app — public ones, and followers-only ones for a fan who
//! follows; newest first, a keyset page at a time.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::views::audience;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::core::ids::{ArtistId, UserId};
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;
use crate::pillar::ProfileTabRequest;

const PAGE: usize = 24;

pub fn router() -> Router<AppState> {
    Router::new().route("/artists/{id}/bops", get(list_artist_bops))
}

#[derive(Debug, Serialize)]
pub struct GridBop {
    pub id: String,
    pub caption: String,
    pub poster_url: Option<String>,
    pub view_count: i64,
    pub like_count: i64,
}

#[derive(Debug, Serialize)]
struct GridPage {
    items: Vec<GridBop>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct GridQuery {
    cursor: Option<String>,
}

struct GridRow {
    id: i64,
    uid: String,
    caption: String,
    visibility: String,
    poster_key: Option<String>,
    published_at: i64,
    view_count: i64,
    like_count: i64,
}

/// The artist's visible Bops before `(published_at, id)`: one walk of
/// `bops_by_artist`.
fn list_grid(
    conn: &Connection,
    artist: ArtistId,
    with_followers: bool,
    before: (i64, i64),
    limit: usize,
) -> rusqlite::Result<Vec<GridRow>> {
    conn.prepare_cached(
        "SELECT id, uid, caption, visibility, poster_key, published_at, view_count, like_count
         FROM bops_videos INDEXED BY bops_by_artist
         WHERE artist_id = ?1 AND deleted_at IS NULL AND hidden_at IS NULL AND (published_at, id) < (?2, ?3)
           AND (visibility = 'public' OR (?4 AND visibility = 'followers'))
         ORDER BY published_at DESC, id DESC LIMIT ?5",
    )?
    .query_map(params![artist, before.0, before.1, with_followers, limit as i64], |r| {
        Ok(GridRow {
            id: r.get(0)?,
            uid: r.get(1)?,
            caption: r.get(2)?,
            visibility: r.get(3)?,
            poster_key: r.get(4)?,
            published_at: r.get(5)?,
            view_count: r.get(6)?,
            like_count: r.get(7)?,
        })
    })?
    .collect()
}

fn parse_cursor(raw: Option<&str>) -> AppResult<(i64, i64)> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok((i64::MAX, i64::MAX)) };
    let bad = || AppError::invalid("cursor", "This cursor is not one the list gave out.");
    let (at, id) = raw.split_once('.').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

async fn list_artist_bops(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Query(query): Query<GridQuery>,
) -> AppResult<Json<GridPage>> {
    let before = parse_cursor(query.cursor.as_deref())?;
    let artist = state
        .db
        .read_now(move |c| crate::identity::artist_by_uid(c, &id))
        .await?
        .filter(|a| a.onboarding_completed && !a.suspended)
        .ok_or(AppError::NotFound)?;
    Ok(Json(grid(&state, artist.id, Some(user.id), before).await?))
}

/// A page of the grid as `viewer` may see it (followers-only Bops for a
/// fan who follows).
async fn grid(state: &AppState, artist: ArtistId, viewer: Option<UserId>, before: (i64, i64)) -> AppResult<GridPage> {
    let rows = state
        .db
        .read_now(move |c| {
            let follows = match viewer {
                Some(viewer) => crate::identity::service::is_following(c, viewer, artist)?,
                None => false,
            };
            list_grid(c, artist, follows, before, PAGE + 1)
        })
        .await?;
    let next_cursor = (rows.len() > PAGE).then(|| rows.get(PAGE - 1).map(|r| format!("{}.{}", r.published_at, r.id)));
    let items = rows
        .into_iter()
        .take(PAGE)
        .map(|r| GridBop {
            poster_url: r
                .poster_key
                .as_deref()
                .and_then(MediaKey::parse)
                .map(|k| state.media.link(&k, audience(&r.visibility))),
            id: r.uid,
            caption: r.caption,
            view_count: r.view_count,
            like_count: r.like_count,
        })
        .collect();
    Ok(GridPage { items, next_cursor: next_cursor.flatten() })
}

#[derive(Serialize)]
struct GridTab<'a> {
    handle: &'a str,
    grid: GridPage,
}

/// The Bops tab of the artist's web page: the same grid, as links to each
/// Bop's own page.
pub async fn profile_tab(state: &AppState, request: &ProfileTabRequest) -> AppResult<String> {
    let before = parse_cursor(request.cursor.as_deref())?;
    let grid = grid(state, request.artist, request.viewer, before).await?;
    let html = state.views.render("bops/_profile_tab.html", GridTab { handle: &request.handle, grid })?;
    Ok(html.0)
}
