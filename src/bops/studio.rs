//! The web studio for Bops (cookie session + CSRF): the upload page, the
//! artist's list with counts, caption edits and deletes; and anonymous view
//! reports from the public web player.

use std::net::IpAddr;

use crate::web::client_ip::ClientIp;
use crate::web::deadline::Deadline;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::api::{self, ViewReport};
use super::service::{self, PublishInput};
use super::uploading;
use super::uploads::UploadStatus;
use crate::app::AppState;
use crate::auth::MaybeUser;
use crate::error::{AppError, AppResult};
use crate::identity::ArtistScope;
use crate::identity::RevenueReady;
use crate::media::MediaKey;
use crate::web::money::format_money;
use crate::web::page::Page;
use crate::web::views::plural;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/bops", get(show_studio).post(publish_bop).layer(DefaultBodyLimit::max(12 * 1024 * 1024)))
        .route("/studio/bops/new", get(show_new_bop))
        .route("/studio/bops/{id}/caption", post(edit_caption))
        .route("/studio/bops/{id}/delete", post(delete_bop))
        .route("/studio/uploads", post(create_upload))
        .route("/studio/uploads/{id}", get(show_upload).put(append_upload).delete(cancel_upload))
        .route("/studio/uploads/{id}/complete", post(complete_upload))
        .route("/bops/{id}/views", post(report_view))
}

/// What the studio list shows of a Bop: only that (a page of 24 is built
/// and rendered per request; the feed's whole view, with its signed video
/// and avatar links, would be made for nothing).
#[derive(Serialize)]
struct StudioBop {
    id: String,
    poster_url: Option<String>,
    caption: String,
    visibility: String,
    /// "1,204 views · 31 likes · 2 comments · $5.00 in 1 tip", written
    /// here once rather than by four filters per row in the template.
    stats: String,
    tips: String,
    tip_count: String,
    /// Why fans see it in For You (the parts that do not depend on the fan).
    why: Option<String>,
    /// Its captions' language, when it has captions.
    captions_lang: Option<String>,
    hidden_by_label: bool,
}

#[derive(Serialize)]
struct StudioView {
    title: &'static str,
    bops: Vec<StudioBop>,
    /// The link to the next (older) page, if any.
    older_url: Option<String>,
    first_page: bool,
}

#[derive(Deserialize)]
struct StudioQuery {
    after: Option<String>,
}

async fn show_studio(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Query(query): Query<StudioQuery>,
) -> AppResult<Response> {
    let first_page = query.after.as_deref().is_none_or(str::is_empty);
    let listed = service::studio_list(&state, &scope.artist, query.after).await?;
    let older_url = listed.next.map(|uid| format!("/studio/bops?after={uid}"));
    // Tip totals are kept in the tips currency.
    let currency = &super::state(&state).config.tips.currency;
    let now = state.clock.now_ms();
    let why_of = |standing: &super::rank::Standing| {
        let (engagement, recency, artist_fans) = super::for_you::global_parts(standing, now);
        let parts = [("engagement", engagement), ("recency", recency), ("artist_fans", artist_fans)];
        let why = super::for_you::explain(&parts);
        // Whole percents from integers: `{:.0}` on a float took Rust's exact
        // (bignum) formatting path, a sixteenth of the page's time.
        why.iter()
            .map(|w| format!("{} {}%", factor_name(w.factor), (w.weight * 100.0).round() as i64))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let bops = listed
        .rows
        .into_iter()
        .map(|row| {
            let audience = super::views::audience(&row.visibility);
            let poster_url =
                row.poster_key.as_deref().and_then(MediaKey::parse).map(|key| state.media.link(&key, audience));
            let stats = format!(
                "{} · {} · {}",
                plural(row.view_count, "view", "views"),
                plural(row.like_count, "like", "likes"),
                plural(row.comment_count, "comment", "comments"),
            );
            StudioBop {
                why: row.standing.as_ref().map(why_of),
                tips: format_money(row.tip_total_minor, currency),
                stats,
                tip_count: plural(row.tip_count, "tip", "tips"),
                poster_url,
                id: row.uid,
                caption: row.caption,
                visibility: row.visibility,
                captions_lang: row.captions_lang,
                hidden_by_label: row.hidden_by_label,
            }
        })
        .collect();
    Ok(page
        .render(&state, "bops/studio.html", StudioView { title: "Your Bops", bops, older_url, first_page })?
        .into_response())
}

/// A factor of the ranking in words.
pub fn factor_name(factor: &str) -> &'static str {
    match factor {
        "engagement" => "engagement",
        "recency" => "how new it is",
        "artist_fans" => "your fans' loyalty",
        "your_loyalty" => "their loyalty to you",
        "following" => "they follow you",
        "genre" => "their taste in genres",
        "watched" => "already watched",
        _ => "other",
    }
}

#[derive(Serialize)]
struct NewBopView {
    title: &'static str,
    max_bytes: u64,
    max_secs: u64,
    /// The artist's published tracks, to tag one: (id, label).
    tracks: Vec<(String, String)>,
    /// Pre-filled from a suggestion's link (`?caption=…&track=…`).
    caption: String,
    track: String,
    /// Toney's best time to post, when the artist's Bops show one.
    best_time: Option<crate::toney::Insight>,
}

/// A suggestion's pre-filled form: shown escaped, checked at publishing.
#[derive(Deserialize)]
struct NewBopQuery {
    #[serde(default)]
    caption: String,
    #[serde(default)]
    track: String,
}

async fn show_new_bop(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Query(query): Query<NewBopQuery>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let now = state.clock.now_ms();
    let (tracks, best_time) = state
        .db
        .read(move |c| {
            Ok((crate::music::tagging::taggable(c, artist)?, crate::toney::insights::best_time(c, artist, now)?))
        })
        .await?;
    let view = NewBopView {
        title: "Post a Bop",
        max_bytes: crate::bops::state(&state).config.bops.max_upload_bytes,
        max_secs: crate::bops::state(&state).config.bops.max_duration_secs,
        tracks,
        caption: query.caption.chars().take(2200).collect(),
        track: query.track,
        best_time,
    };
    Ok(page.render(&state, "bops/new.html", view)?.into_response())
}

/// The upload page's final step: publish the finished upload (multipart:
/// `upload_id`, `caption`, `visibility`, optional `poster` image).
async fn publish_bop(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    mut multipart: Multipart,
) -> AppResult<(StatusCode, Json<Value>)> {
    let mut input = PublishInput {
        upload_id: String::new(),
        caption: String::new(),
        visibility: String::new(),
        poster: None,
        track: String::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "poster" => {
                let bytes = field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?;
                input.poster = (!bytes.is_empty()).then_some(bytes);
            }
            "upload_id" => input.upload_id = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            "caption" => input.caption = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            "visibility" => input.visibility = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            "track" => input.track = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            _ => {}
        }
    }
    let uid = service::publish(&state, &scope.artist, input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": uid, "studio_url": "/studio/bops" }))))
}

#[derive(Deserialize)]
struct CaptionForm {
    caption: String,
}

async fn edit_caption(
    State(state): State<AppState>,
    scope: ArtistScope,
    Path(id): Path<String>,
    Form(form): Form<CaptionForm>,
) -> AppResult<Response> {
    service::edit_caption(&state, &scope.artist, id, &form.caption).await?;
    Ok(Redirect::to("/studio/bops").into_response())
}

async fn delete_bop(State(state): State<AppState>, scope: ArtistScope, Path(id): Path<String>) -> AppResult<Response> {
    service::delete_bop(&state, &scope.artist, id).await?;
    Ok(Redirect::to("/studio/bops").into_response())
}

/// Views from the web player: a signed-in viewer by account, anyone else
/// by a hash of IP and user agent (never stored raw).
async fn report_view(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ViewReport>,
) -> AppResult<Json<Value>> {
    let viewer = user.as_ref().map(|u| u.id);
    let key = match viewer {
        Some(id) => format!("u:{id}"),
        None => {
            // Each report is a job for the one writer: an address gets a budget.
            super::state(&state)
                .anonymous_views
                .check(client)
                .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
            anonymous_viewer_key(client, &headers)
        }
    };
    let counted = service::record_view(&state, key, viewer, &id, body.watched_ms).await?;
    Ok(Json(json!({ "counted": counted })))
}

fn anonymous_viewer_key(client: IpAddr, headers: &HeaderMap) -> String {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let digest = Sha256::digest(format!("{client}|{agent}").as_bytes());
    format!("a:{}", hex::encode(&digest[..16]))
}

// The studio's upload calls (the upload page's script): the same use cases
// as the app's, behind the session cookie and CSRF (the token rides in the
// query string, as for every multipart or binary body).

async fn create_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Json(body): Json<api::NewUpload>,
) -> AppResult<(StatusCode, Json<UploadStatus>)> {
    let status = uploading::start(&state, &scope.artist, body.size, body.direct).await?;
    Ok((StatusCode::CREATED, Json(status)))
}

async fn show_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::progress(&state, &scope.artist, &id).await?))
}

async fn append_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
    Query(at): Query<api::Offset>,
    deadline: Deadline,
    body: axum::body::Body,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::append(&state, &scope.artist, &id, at.offset, body, &deadline).await?))
}

async fn complete_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
    Json(body): Json<api::DirectParts>,
) -> AppResult<Json<UploadStatus>> {
    Ok(Json(uploading::complete(&state, &scope.artist, &id, body.etags).await?))
}

async fn cancel_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    uploading::cancel(&state, &scope.artist, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
