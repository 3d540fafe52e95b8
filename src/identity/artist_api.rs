//! `GET /api/v1/artists/{id}`: the artist's page in the app — who they are,
//! their links and how many follow them. `{id}` is the artist's id or
//! `@handle`. Only public artists (onboarded, not suspended) are found.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::domain::SOCIAL_NETWORKS;
use super::repo::{self, ArtistRow};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::core::ids::{ArtistId, UserId};
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;

pub fn router() -> Router<AppState> {
    Router::new().route("/artists/{id}", get(show_artist))
}

#[derive(Debug, Serialize)]
pub struct ArtistLink {
    pub label: &'static str,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct ArtistPage {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub bio: String,
    pub location: String,
    pub genres: Vec<String>,
    pub links: Vec<ArtistLink>,
    pub photo_url: Option<String>,
    pub follower_count: i64,
    pub following: bool,
    /// The web page, to share.
    pub page_url: String,
}

/// Followers of the artist (kept by triggers on follows).
pub(crate) fn follower_count(conn: &Connection, artist: ArtistId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT followers FROM artist_follower_counts WHERE artist_id = ?1")?
        .query_row([artist], |r| r.get(0))
        .optional()
        .map(Option::unwrap_or_default)
}

fn find_public(conn: &Connection, id: &str) -> rusqlite::Result<Option<ArtistRow>> {
    let found = match id.strip_prefix('@') {
        Some(handle) => repo::find_artist_by_handle(conn, &handle.to_lowercase())?,
        None => repo::find_artist_by_uid(conn, id)?,
    };
    Ok(found.filter(|a| a.onboarding_completed && !a.suspended))
}

async fn show_artist(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ArtistPage>> {
    let viewer: UserId = user.id;
    let found = state
        .db
        .read_now(move |c| {
            let Some(artist) = find_public(c, &id)? else { return Ok::<_, rusqlite::Error>(None) };
            let followers = follower_count(c, artist.id)?;
            let following = repo::followed_since(c, viewer, artist.id)?.is_some();
            Ok(Some((artist, followers, following)))
        })
        .await?;
    let (artist, follower_count, following) = found.ok_or(AppError::NotFound)?;
    let links = SOCIAL_NETWORKS
        .iter()
        .filter_map(|(id, label, _)| artist.social_links.get(*id).map(|url| ArtistLink { label, url: url.clone() }))
        .collect();
    let handle = artist.handle.clone().unwrap_or_default();
    Ok(Json(ArtistPage {
        id: artist.uid.clone(),
        page_url: format!("{}/@{handle}", state.views.globals().public_url),
        handle,
        name: artist.stage_name.clone().unwrap_or_default(),
        bio: artist.bio.clone(),
        location: artist.location.clone(),
        genres: artist.genres.clone(),
        links,
        photo_url: artist.photo_key.as_deref().and_then(MediaKey::parse).map(|k| k.url_path()),
        follower_count,
        following,
    }))
}

/// An artist's public page as a report describes it (id or `@handle`).
pub(crate) async fn report_target(state: &AppState, id: &str) -> AppResult<Option<crate::pillar::ReportTarget>> {
    let id = id.to_owned();
    let artist = state.db.read_now(move |c| find_public(c, &id)).await?;
    Ok(artist.map(|a| {
        let name = a.stage_name.clone().unwrap_or_default();
        let link = a.handle.as_ref().map_or_else(|| "/".to_owned(), |h| format!("/@{h}"));
        crate::pillar::ReportTarget::new(a.user_id, &format!("{name}\n{}", a.bio), link)
    }))
}
