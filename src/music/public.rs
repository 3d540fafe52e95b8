//! A published release's own public page (`/releases/{id}`): artwork,
//! title, the artist and the track list, with share cards (Open Graph and
//! Twitter) so a link unfurls in chats and social apps. Drafts, releases
//! taken down and a suspended artist's are 404.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::domain::ReleaseStatus;
use super::repo;
use super::service;
use super::views::ReleaseDetail;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new().route("/releases/{id}", get(show_public_release)).route("/tracks/{id}", get(show_public_track))
}

#[derive(Serialize)]
struct Card {
    title: String,
    description: String,
    url: String,
    image: Option<String>,
    oembed: String,
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
        oembed: format!(
            "{base}/oembed?format=json&url={}",
            form_urlencoded::byte_serialize(format!("{base}/releases/{}", detail.release.id).as_bytes())
                .collect::<String>()
        ),
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

/// A track's link: its line on its release's page (share cards included).
async fn show_public_track(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let track = public_track(&state, id).await?.ok_or(AppError::NotFound)?;
    let (release, track) = (track.release_uid, track.track_uid);
    Ok(axum::response::Redirect::to(&format!("/releases/{release}#track-{track}")).into_response())
}

/// A track of a published release of a visible artist.
struct PublicTrack {
    release_uid: String,
    track_uid: String,
    title: String,
    author: crate::core::ids::UserId,
}

async fn public_track(state: &AppState, uid: String) -> AppResult<Option<PublicTrack>> {
    Ok(state
        .db
        .read_now(move |c| {
            let Some((track, status, artist)) = repo::find_track(c, &uid)? else { return Ok(None) };
            if status != ReleaseStatus::Published || super::moderation::is_hidden(c, track.id)? {
                return Ok(None);
            }
            let Some(author) = crate::identity::service::visible_artist_user(c, artist)? else { return Ok(None) };
            Ok(repo::find_release_by_id(c, track.release_id)?.map(|r| PublicTrack {
                release_uid: r.uid,
                track_uid: track.uid,
                title: track.title,
                author,
            }))
        })
        .await?)
}

/// A track as a report describes it.
pub async fn report_target(state: &AppState, uid: &str) -> AppResult<Option<crate::pillar::ReportTarget>> {
    let track = public_track(state, uid.to_owned()).await?;
    Ok(track.map(|t| crate::pillar::ReportTarget::new(t.author, &t.title, format!("/releases/{}", t.release_uid))))
}

/// The Music tab of the artist's page: published releases, newest first.
pub async fn profile_tab(state: &AppState, request: &crate::pillar::ProfileTabRequest) -> AppResult<String> {
    let (rows, next_cursor) = service::list_releases(state, request.artist, true, request.cursor.clone(), 24).await?;
    let releases: Vec<_> = rows.iter().map(|row| super::views::ReleaseView::new(row, &state.media)).collect();
    let context = serde_json::json!({ "handle": request.handle, "releases": releases, "next_cursor": next_cursor });
    Ok(state.views.render("music/_profile_tab.html", context)?.0)
}

/// oEmbed for a release's page or a track's link: a `link` with the
/// artwork as thumbnail.
pub async fn oembed(state: &AppState, path: &str, maxwidth: Option<u32>) -> AppResult<Option<serde_json::Value>> {
    let (release_uid, track_uid) = match path.strip_prefix("/tracks/") {
        Some(track) => match public_track(state, track.to_owned()).await? {
            Some(found) => (found.release_uid, Some(found.track_uid)),
            None => return Ok(None),
        },
        None => (path.trim_start_matches("/releases/").to_owned(), None),
    };
    let detail = match service::public_release_detail(state, release_uid).await {
        Ok(detail) => detail,
        Err(AppError::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    let uid = detail.artist_id.clone();
    let Some(artist) = state.db.read_now(move |c| crate::identity::artist_by_uid(c, &uid)).await? else {
        return Ok(None);
    };
    let name = artist.stage_name.clone().unwrap_or_default();
    let base = state.views.globals().public_url.trim_end_matches('/').to_owned();
    let title = match track_uid.and_then(|t| detail.tracks.iter().find(|x| x.id == t)) {
        Some(track) => format!("{} by {name}", track.title),
        None => format!("{} by {name}", detail.release.title),
    };
    let mut body = serde_json::json!({
        "type": "link",
        "title": title,
        "author_name": name,
        "author_url": format!("{base}/@{}", artist.handle.clone().unwrap_or_default()),
    });
    // The web derivative, or the small one when the consumer asks for less.
    let small = maxwidth.is_some_and(|max| max < super::artwork::WEB_SIDE);
    let (artwork, side) = if small {
        (&detail.release.artwork_thumb_url, super::artwork::THUMB_SIDE)
    } else {
        (&detail.release.artwork_url, super::artwork::WEB_SIDE)
    };
    if let Some(artwork) = artwork {
        body["thumbnail_url"] = format!("{base}{artwork}").into();
        body["thumbnail_width"] = side.into();
        body["thumbnail_height"] = side.into();
    }
    Ok(Some(body))
}
