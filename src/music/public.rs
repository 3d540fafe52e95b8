//! A published release's own public page (`/releases/{id}`): artwork,
//! title, the artist and the track list, with share cards (Open Graph and
//! Twitter) so a link unfurls in chats and social apps. Drafts, releases
//! taken down and a suspended artist's are 404.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::service;
use super::views::ReleaseDetail;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/releases/{id}", get(show_public_release))
}

#[derive(Serialize)]
struct Card {
    title: String,
    description: String,
    url: String,
    image: Option<String>,
}

#[derive(Serialize)]
struct TrackLine {
    id: String,
    title: String,
    version: String,
    explicit: bool,
    length: String,
}

#[derive(Serialize)]
struct PublicReleaseView {
    title: String,
    detail: ReleaseDetail,
    tracks: Vec<TrackLine>,
    artist_name: String,
    handle: String,
    card: Card,
}

fn clock(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

async fn show_public_release(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let detail = service::public_release_detail(&state, id).await?;
    let uid = detail.artist_id.clone();
    let artist = state.db.read(move |c| crate::identity::artist_by_uid(c, &uid)).await?.ok_or(AppError::NotFound)?;
    let (name, handle) = (artist.stage_name.clone().unwrap_or_default(), artist.handle.clone().unwrap_or_default());
    let base = state.views.globals().public_url.trim_end_matches('/').to_owned();
    let total: i64 = detail.tracks.iter().map(|t| t.duration_ms).sum();
    let tracks = detail.tracks.len();
    let card = Card {
        title: format!("{} by {name}", detail.release.title),
        description: format!(
            "{} · {tracks} track{} · {} · out {}",
            detail.release.kind,
            if tracks == 1 { "" } else { "s" },
            clock(total),
            detail.release.release_date
        ),
        url: format!("{base}/releases/{}", detail.release.id),
        image: detail.release.artwork_url.as_ref().map(|a| format!("{base}{a}")),
    };
    let lines = detail
        .tracks
        .iter()
        .map(|t| TrackLine {
            id: t.id.clone(),
            title: t.title.clone(),
            version: t.version.clone(),
            explicit: t.explicit,
            length: clock(t.duration_ms),
        })
        .collect();
    let view = PublicReleaseView { title: card.title.clone(), detail, tracks: lines, artist_name: name, handle, card };
    Ok(page.render(&state, "music/public_release.html", view)?.into_response())
}
