//! The web studio for music (session cookie + CSRF, behind the revenue
//! gate): the artist's releases, the release form, artwork, publishing and
//! takedowns.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::domain::{FieldErrors, LANGUAGES, ReleaseInput, ReleaseKind, ReleaseStatus};
use super::service;
use super::track::TrackInput;
use super::views::{StudioRelease, StudioTrack, TrackExtras};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::identity::domain::GENRES;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/music", get(list_releases).post(create_release))
        .route("/studio/music/new", get(show_new_release))
        .route("/studio/music/{id}", get(show_release).post(update_release))
        .route(
            "/studio/music/{id}/artwork",
            post(upload_artwork).layer(DefaultBodyLimit::max(super::artwork::MAX_BYTES + 64 * 1024)),
        )
        .route("/studio/music/{id}/publish", post(publish_release))
        .route("/studio/music/{id}/takedown", post(take_down_release))
}

/// Releases per studio page.
const PAGE: usize = 24;

#[derive(Serialize)]
struct ListView {
    title: &'static str,
    releases: Vec<StudioRelease>,
    older_url: Option<String>,
    first_page: bool,
    /// Toney's word on a new track's momentum, on the first page.
    insight: Option<crate::toney::Insight>,
}

#[derive(Deserialize)]
struct ListQuery {
    before: Option<String>,
}

async fn list_releases(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let first_page = query.before.is_none();
    let (rows, next) = service::list_own_releases(&state, &scope.artist, query.before, PAGE).await?;
    let insight = match first_page {
        true => {
            let kind = crate::toney::insights::Kind::TrackMomentum;
            crate::toney::service::page_insight(&state, scope.artist.id, kind).await?
        }
        false => None,
    };
    let view = ListView {
        insight,
        title: "Your music",
        releases: rows.iter().map(|r| StudioRelease::new(r, &state.media)).collect(),
        older_url: next.map(|uid| format!("/studio/music?before={uid}")),
        first_page,
    };
    Ok(page.render(&state, "music/releases.html", view)?.into_response())
}

#[derive(Serialize)]
struct FormView {
    title: String,
    input: ReleaseInput,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    genres: &'static [&'static str],
    languages: &'static [(&'static str, &'static str)],
    /// The release being edited; none for a new one.
    release: Option<StudioRelease>,
    history: Vec<HistoryItem>,
    message: Option<&'static str>,
    tracks: Vec<StudioTrack>,
    deliveries: Vec<DeliveryItem>,
    /// The add-track form, kept on error.
    track_input: TrackInput,
    max_master_bytes: u64,
    moods: &'static [&'static str],
}

/// A line of the delivery log.
#[derive(Serialize)]
struct DeliveryItem {
    target: String,
    kind: &'static str,
    status: String,
    attempts: i64,
    detail: String,
    at: String,
    /// Every attempt: "#2 13:05 UTC failed: …".
    log: Vec<String>,
}

impl DeliveryItem {
    fn new(row: &super::repo::DeliveryRow, attempts: &[super::repo::AttemptRow]) -> DeliveryItem {
        let status = match (row.status.as_str(), row.attempts) {
            ("delivered", _) => "Delivered".to_owned(),
            ("pending", 0) => "Waiting to send".to_owned(),
            ("pending", _) => "Failed — retrying".to_owned(),
            ("delivering", _) => "Sending".to_owned(),
            _ => "Failed — the label has been told".to_owned(),
        };
        DeliveryItem {
            target: row.target.clone(),
            kind: if row.kind == "takedown" { "takedown" } else { "release" },
            status,
            attempts: row.attempts,
            detail: row
                .batch_id
                .clone()
                .map(|b| format!("batch {b}"))
                .or_else(|| row.last_error.clone())
                .unwrap_or_default(),
            at: minute(row.delivered_at.unwrap_or(row.created_at)),
            log: attempts
                .iter()
                .filter(|a| a.delivery_id == row.id)
                .map(|a| {
                    let outcome = if a.ok { "delivered" } else { "failed" };
                    format!("#{} {} {outcome}: {}", a.attempt, minute(a.finished_at), a.detail)
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct HistoryItem {
    status: String,
    note: String,
    /// UTC, to the minute.
    at: String,
}

fn form_view(title: String, input: ReleaseInput, errors: FieldErrors) -> FormView {
    FormView {
        title,
        input,
        errors,
        kinds: ReleaseKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        genres: GENRES,
        languages: LANGUAGES,
        release: None,
        history: Vec::new(),
        message: None,
        tracks: Vec::new(),
        deliveries: Vec::new(),
        track_input: TrackInput::default(),
        max_master_bytes: 0,
        moods: super::track::MOODS,
    }
}

async fn show_new_release(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
) -> AppResult<Response> {
    let year = super::domain::Date::of_ms(state.clock.now_ms()).year();
    let name = scope.artist.stage_name.clone().unwrap_or_default();
    let label = super::state(&state).config.label_name.clone();
    let input = ReleaseInput {
        kind: "single".into(),
        label_name: label.clone(),
        p_line: format!("{year} {name}"),
        c_line: format!("{year} {label}"),
        parental_advisory: "none".into(),
        language: "en".into(),
        ..ReleaseInput::default()
    };
    Ok(page
        .render(&state, "music/release.html", form_view("New release".into(), input, FieldErrors::new()))?
        .into_response())
}

/// A failed form comes back with what was typed and a message per field.
fn form_again(state: &AppState, page: &Page, view: FormView, err: AppError) -> AppResult<Response> {
    match err {
        AppError::Invalid { fields, .. } => {
            let view = FormView { errors: fields, ..view };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(state, "music/release.html", view)?).into_response())
        }
        other => Err(other),
    }
}

async fn create_release(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Form(input): Form<ReleaseInput>,
) -> AppResult<Response> {
    match service::create_release(&state, &scope.artist, &input).await {
        Ok(uid) => Ok(Redirect::to(&format!("/studio/music/{uid}")).into_response()),
        Err(err) => form_again(&state, &page, form_view("New release".into(), input, FieldErrors::new()), err),
    }
}

#[derive(Deserialize)]
struct ReleaseQuery {
    done: Option<String>,
}

async fn release_view(state: &AppState, scope_artist: &crate::identity::ArtistRow, uid: String) -> AppResult<FormView> {
    let row = service::find_own_release(state, scope_artist, uid).await?;
    let history = service::history(state, &row)
        .await?
        .into_iter()
        .map(|(status, note, at)| HistoryItem { status: status.replace('_', " "), note, at: minute(at) })
        .collect();
    let input = service::input_of(&row);
    let (id, status) = (row.id, row.status);
    let (tracks, deliveries) = state
        .db
        .read(move |c| {
            let deliveries =
                (super::repo::list_deliveries_for_release(c, id)?, super::repo::list_attempts_for_release(c, id)?);
            let mut tracks = Vec::new();
            for track in super::repo::list_tracks(c, id)? {
                let extras = TrackExtras {
                    credits: super::repo::list_credits(c, track.id)?,
                    splits: super::repo::list_splits(c, track.id)?,
                    streams: super::repo::count_streams(c, track.id)?,
                };
                tracks.push((track, extras));
            }
            Ok((tracks, deliveries))
        })
        .await?;
    let mut view = form_view(row.title.clone(), input, FieldErrors::new());
    view.release = Some(StudioRelease::new(&row, &state.media));
    view.history = history;
    view.tracks = tracks.into_iter().map(|(t, extras)| StudioTrack::new(&t, status, &state.media, extras)).collect();
    view.max_master_bytes = super::state(state).config.max_master_bytes;
    let (deliveries, attempts) = deliveries;
    view.deliveries = deliveries.iter().map(|d| DeliveryItem::new(d, &attempts)).collect();
    Ok(view)
}

/// The release page again after a failed track form: what was typed, and
/// the message per field.
pub(super) async fn release_again(
    state: &AppState,
    page: &Page,
    artist: &crate::identity::ArtistRow,
    uid: String,
    track_input: TrackInput,
    err: AppError,
) -> AppResult<Response> {
    let view = FormView { track_input, ..release_view(state, artist, uid).await? };
    form_again(state, page, view, err)
}

fn minute(unix_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(unix_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

async fn show_release(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Query(query): Query<ReleaseQuery>,
) -> AppResult<Response> {
    let mut view = release_view(&state, &scope.artist, uid).await?;
    view.message = match query.done.as_deref() {
        Some("saved") => Some("Saved."),
        Some("artwork") => Some("Artwork saved."),
        Some("published") => Some("Published: fans can find it now."),
        Some("scheduled") => Some("Scheduled: it publishes itself on its release date."),
        Some("taken_down") => Some("Taken down."),
        Some("track") => Some("Track added."),
        Some("track_loud") => Some("Track added — see the loudness warning below."),
        Some("track_removed") => Some("Track removed."),
        _ => None,
    };
    Ok(page.render(&state, "music/release.html", view)?.into_response())
}

async fn update_release(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<ReleaseInput>,
) -> AppResult<Response> {
    match service::update_release(&state, &scope.artist, uid.clone(), &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/music/{uid}?done=saved")).into_response()),
        Err(err) => {
            let view = FormView { input, ..release_view(&state, &scope.artist, uid).await? };
            form_again(&state, &page, view, err)
        }
    }
}

async fn upload_artwork(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    // Taken before the body is read: bodies of up to 40 MB wait for the
    // one decoder, and only a few may.
    let _turn = super::artwork::Turn::take().ok_or(AppError::Unavailable)?;
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("artwork") {
            bytes = Some(field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?);
        }
    }
    let bytes = bytes.filter(|b| !b.is_empty());
    let result = match bytes {
        Some(bytes) => service::set_artwork(&state, &scope.artist, uid.clone(), bytes).await,
        None => Err(AppError::invalid("artwork", "Choose the artwork file.")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/studio/music/{uid}?done=artwork")).into_response()),
        Err(err) => {
            let view = release_view(&state, &scope.artist, uid).await?;
            form_again(&state, &page, view, err)
        }
    }
}

async fn publish_release(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    match service::publish_release(&state, &scope.artist, uid.clone()).await {
        Ok(ReleaseStatus::Scheduled) => {
            Ok(Redirect::to(&format!("/studio/music/{uid}?done=scheduled")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/studio/music/{uid}?done=published")).into_response()),
        Err(err) => {
            let view = release_view(&state, &scope.artist, uid).await?;
            form_again(&state, &page, view, err)
        }
    }
}

async fn take_down_release(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    service::take_down_release(&state, &scope.artist, uid.clone(), scope.user.id).await?;
    Ok(Redirect::to(&format!("/studio/music/{uid}?done=taken_down")).into_response())
}
