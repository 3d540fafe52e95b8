//! The web studio's track pages: adding a track with its master to a
//! draft, a track's page (details, credits, splits, streams), removing it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use super::domain::FieldErrors;
use super::repo;
use super::track::{CREDIT_ROLES, MOODS, TrackInput, credits_text, format_position};
use super::tracks::{self, SplitsInput};
use super::views::{StudioTrack, TrackExtras};
use crate::app::AppState;
use crate::bops::uploads::UploadStatus;
use crate::error::{AppError, AppResult};
use crate::identity::domain::GENRES;
use crate::identity::{ArtistRow, RevenueReady};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/music/uploads", post(start_master_upload))
        .route("/studio/music/{id}/tracks", post(add_track))
        .route("/studio/music/tracks/{id}", get(show_track).post(update_track))
        .route("/studio/music/tracks/{id}/splits", post(set_splits))
        .route("/studio/music/tracks/{id}/delete", post(delete_track))
}

#[derive(Deserialize)]
struct NewUpload {
    size: u64,
    #[serde(default)]
    direct: bool,
}

/// Starts a master's resumable upload; its chunks go through `/studio/uploads/{id}`.
async fn start_master_upload(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Json(body): Json<NewUpload>,
) -> AppResult<(StatusCode, Json<UploadStatus>)> {
    let limit = super::state(&state).config.max_master_bytes;
    let status = crate::bops::uploading::start_master(&state, &scope.artist, body.size, limit, body.direct).await?;
    Ok((StatusCode::CREATED, Json(status)))
}

/// The add-track form on the release page: its fields carry a `track_`
/// prefix, as the release's own form on that page has a title too.
#[derive(Deserialize, Default)]
#[serde(default)]
struct AddTrackForm {
    track_title: String,
    track_version: String,
    track_isrc: String,
    track_explicit: Option<String>,
    track_moods: String,
    track_preview_start: String,
    track_credits: String,
    upload_id: String,
}

impl AddTrackForm {
    fn input(&self) -> TrackInput {
        TrackInput {
            title: self.track_title.clone(),
            version: self.track_version.clone(),
            isrc: self.track_isrc.clone(),
            explicit: self.track_explicit.clone(),
            genre: String::new(),
            moods: self.track_moods.clone(),
            preview_start: self.track_preview_start.clone(),
            credits: self.track_credits.clone(),
        }
    }
}

/// The track form's errors under its prefixed field names.
fn prefixed(err: AppError) -> AppError {
    match err {
        AppError::Invalid { message, fields } => AppError::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|(name, text)| (if name == "master" { name } else { format!("track_{name}") }, text))
                .collect(),
        },
        other => other,
    }
}

async fn add_track(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(release_uid): Path<String>,
    Form(form): Form<AddTrackForm>,
) -> AppResult<Response> {
    let input = form.input();
    if form.upload_id.is_empty() {
        let err = AppError::invalid("master", "Choose the master file and wait for the upload to finish.");
        return super::studio::release_again(&state, &page, &scope.artist, release_uid, input, err).await;
    }
    match tracks::add_track(&state, &scope.artist, release_uid.clone(), &input, &form.upload_id).await {
        Ok((uid, warnings)) => {
            let done = if warnings.is_empty() { "track" } else { "track_loud" };
            Ok(Redirect::to(&format!("/studio/music/{release_uid}?done={done}#track-{uid}")).into_response())
        }
        Err(err) => super::studio::release_again(&state, &page, &scope.artist, release_uid, input, prefixed(err)).await,
    }
}

#[derive(Serialize)]
struct TrackPage {
    title: String,
    release_id: String,
    release_title: String,
    track: StudioTrack,
    editable: bool,
    input: TrackInput,
    errors: FieldErrors,
    splits_input: String,
    genres: &'static [&'static str],
    moods: &'static [&'static str],
    roles: Vec<&'static str>,
    message: Option<&'static str>,
    stream_days: Vec<(String, String, i64)>,
    /// What the track earned, per collaborator: (who, amount, currency).
    earnings: Vec<(String, String, String)>,
}

async fn track_page(state: &AppState, artist: &ArtistRow, uid: String) -> AppResult<TrackPage> {
    let (track, status) = tracks::find_own_track(state, artist, uid).await?;
    let (id, release_id) = (track.id, track.release_id);
    let (credits, splits, streams, days, release, earned) = state
        .db
        .read(move |c| {
            Ok((
                repo::list_credits(c, id)?,
                repo::list_splits(c, id)?,
                repo::count_streams(c, id)?,
                repo::list_stream_days(c, id, 30)?,
                repo::find_release_by_id(c, release_id)?,
                crate::ledger::repo::sum_for_track(c, id)?,
            ))
        })
        .await?;
    let earnings = earned
        .into_iter()
        .map(|(key, name, currency, net)| {
            let who = if key == "artist" || name.is_empty() { "You".to_owned() } else { name };
            (who, crate::ledger::Micros(net).format_decimal(2), currency)
        })
        .collect();
    let release = release.ok_or(AppError::NotFound)?;
    let input = TrackInput {
        title: track.title.clone(),
        version: track.version.clone(),
        isrc: track.isrc.clone().unwrap_or_default(),
        explicit: track.explicit.then(|| "on".to_owned()),
        genre: track.genre.clone(),
        moods: track.moods.join(", "),
        preview_start: format_position(track.preview_start_ms),
        credits: credits_text(&credits),
    };
    let splits_input = splits
        .iter()
        .map(|s| format!("{}, {}, {}", s.name, s.email, super::views::SplitView::new(s).percent))
        .collect::<Vec<_>>()
        .join("\n");
    let extras = TrackExtras { credits, splits, streams };
    Ok(TrackPage {
        title: track.title.clone(),
        release_id: release.uid.clone(),
        release_title: release.title.clone(),
        track: StudioTrack::new(&track, status, &state.media, extras),
        editable: status.is_editable(),
        input,
        errors: FieldErrors::new(),
        splits_input,
        genres: GENRES,
        moods: MOODS,
        roles: CREDIT_ROLES.iter().map(|(_, label)| *label).collect(),
        message: None,
        stream_days: days,
        earnings,
    })
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show_track(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let mut view = track_page(&state, &scope.artist, uid).await?;
    view.message = match done.done.as_deref() {
        Some("saved") => Some("Saved."),
        Some("splits") => Some("Splits saved. Collaborators without an account were invited by email."),
        _ => None,
    };
    Ok(page.render(&state, "music/track.html", view)?.into_response())
}

/// The track page again, with what was typed and a message per field.
async fn track_again(
    state: &AppState,
    page: &Page,
    artist: &ArtistRow,
    uid: String,
    edit: impl FnOnce(&mut TrackPage),
    err: AppError,
) -> AppResult<Response> {
    let AppError::Invalid { fields, .. } = err else { return Err(err) };
    let mut view = track_page(state, artist, uid).await?;
    edit(&mut view);
    view.errors = fields;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(state, "music/track.html", view)?).into_response())
}

async fn update_track(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<TrackInput>,
) -> AppResult<Response> {
    match tracks::update_track(&state, &scope.artist, uid.clone(), &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/music/tracks/{uid}?done=saved")).into_response()),
        Err(err) => track_again(&state, &page, &scope.artist, uid, |v| v.input = input, err).await,
    }
}

async fn set_splits(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<SplitsInput>,
) -> AppResult<Response> {
    match tracks::set_splits(&state, &scope.artist, uid.clone(), &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/studio/music/tracks/{uid}?done=splits")).into_response()),
        Err(err) => track_again(&state, &page, &scope.artist, uid, |v| v.splits_input = input.splits, err).await,
    }
}

async fn delete_track(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let (track, _) = tracks::find_own_track(&state, &scope.artist, uid.clone()).await?;
    let release_id = track.release_id;
    let release = state.db.read(move |c| repo::find_release_by_id(c, release_id)).await?.ok_or(AppError::NotFound)?;
    tracks::delete_track(&state, &scope.artist, uid).await?;
    Ok(Redirect::to(&format!("/studio/music/{}?done=track_removed", release.uid)).into_response())
}
