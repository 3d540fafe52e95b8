//! Step 2: the artist profile.

use std::collections::BTreeMap;

use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::ArtistScope;
use crate::identity::domain::{GENRES, Handle, ProfileDraft, ProfileInput, SOCIAL_NETWORKS};
use crate::identity::gate::{Step, first_incomplete_step};
use crate::identity::photo::{self, PhotoError};
use crate::identity::service;
use crate::media::MediaKey;
use crate::web::multipart::{bad_form, read_capped, read_text};
use crate::web::page::Page;

#[derive(Serialize)]
struct NetworkView {
    id: &'static str,
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct SetupView {
    title: &'static str,
    stage_name: String,
    handle: String,
    bio: String,
    location: String,
    genres: Vec<String>,
    all_genres: &'static [&'static str],
    networks: Vec<NetworkView>,
    photo_url: Option<String>,
    photo_max_bytes: usize,
    errors: BTreeMap<String, String>,
}

fn setup_view(input: &ProfileInput, photo_key: Option<&str>, errors: BTreeMap<String, String>) -> SetupView {
    SetupView {
        title: "Set up your artist profile",
        stage_name: input.stage_name.clone(),
        handle: input.handle.clone(),
        bio: input.bio.clone(),
        location: input.location.clone(),
        genres: input.genres.clone(),
        all_genres: GENRES,
        networks: SOCIAL_NETWORKS
            .iter()
            .map(|(id, label, _)| NetworkView {
                id,
                label,
                value: input.social_links.get(*id).cloned().unwrap_or_default(),
            })
            .collect(),
        photo_url: photo_key.and_then(MediaKey::parse).map(|k| k.url_path()),
        photo_max_bytes: photo::MAX_BYTES,
        errors,
    }
}

/// Steps before this one must be done first.
fn earlier_step(scope: &ArtistScope) -> Option<Response> {
    match first_incomplete_step(&scope.artist) {
        Some(step @ (Step::Approval | Step::Subscription)) => Some(Redirect::to(step.url()).into_response()),
        _ => None,
    }
}

pub async fn show_setup(State(state): State<AppState>, page: Page, scope: ArtistScope) -> AppResult<Response> {
    if let Some(redirect) = earlier_step(&scope) {
        return Ok(redirect);
    }
    let artist = &scope.artist;
    let input = ProfileInput {
        stage_name: artist.stage_name.clone().unwrap_or_default(),
        handle: artist.handle.clone().unwrap_or_default(),
        bio: artist.bio.clone(),
        location: artist.location.clone(),
        genres: artist.genres.clone(),
        social_links: artist.social_links.clone(),
    };
    let view = setup_view(&input, artist.photo_key.as_deref(), BTreeMap::new());
    Ok(page.render(&state, "identity/setup.html", view)?.into_response())
}

pub async fn save_setup(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    multipart: Multipart,
) -> AppResult<Response> {
    if let Some(redirect) = earlier_step(&scope) {
        return Ok(redirect);
    }
    let (mut input, photo_part) = read_form(multipart).await?;
    if input.handle.trim().is_empty() && !input.stage_name.trim().is_empty() {
        input.handle = Handle::suggest(&input.stage_name);
    }
    let status = match photo_part {
        Some(Err(PhotoError::TooLarge)) => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let rerender = |errors: BTreeMap<String, String>| -> AppResult<Response> {
        let view = setup_view(&input, scope.artist.photo_key.as_deref(), errors);
        Ok((status, page.render(&state, "identity/setup.html", view)?).into_response())
    };
    let mut errors = BTreeMap::new();
    let draft = ProfileDraft::parse(&input).map_err(|e| errors.extend(e)).ok();
    let photo = match photo_part {
        Some(Ok(bytes)) => tokio::task::spawn_blocking(move || photo::process(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| errors.insert("photo".into(), e.to_string()))
            .ok(),
        Some(Err(e)) => {
            errors.insert("photo".into(), e.to_string());
            None
        }
        None => None,
    };
    let Some(draft) = draft.filter(|_| errors.is_empty()) else { return rerender(errors) };
    let photo_key = match photo {
        Some(photo) => {
            let key = MediaKey::parse(&photo.key).expect("photo keys are valid media keys");
            state.media.put_bytes_as(&key, Bytes::from(photo.jpeg), "image/jpeg").await?;
            Some(photo.key)
        }
        None => None,
    };
    let artist = scope.artist.clone();
    let saved = state.db.write(move |tx| service::save_profile(tx, &artist, &draft, photo_key.as_deref())).await;
    match saved {
        Ok(_) => {
            let next = if scope.artist.payouts_enabled { "/dashboard" } else { Step::Payout.url() };
            Ok(Redirect::to(next).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => rerender(fields),
        Err(other) => Err(other),
    }
}

/// The whole form may be this large: an over-size photo is drained, not
/// kept, so the fields sent after it still arrive and the form comes back
/// with the artist's input and a field error instead of a bare 400.
pub const MAX_FORM_BYTES: usize = 64 * 1024 * 1024;
/// All text fields together: far above any real profile, small enough that
/// the raised form limit cannot be used to make the server hold text.
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The photo part of the form: absent, its bytes, or refused for its size.
type PhotoPart = Option<Result<Bytes, PhotoError>>;

/// Reads the multipart form: text fields into `ProfileInput`, the photo as
/// bytes (at most `photo::MAX_BYTES` of them).
async fn read_form(mut multipart: Multipart) -> AppResult<(ProfileInput, PhotoPart)> {
    let mut input = ProfileInput::default();
    let mut photo = None;
    let mut text_budget = MAX_TEXT_BYTES;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body outgrew even the form limit behind an over-size
            // photo: answer with what arrived and the photo's error.
            Err(_) if matches!(photo, Some(Err(_))) => break,
            Err(err) => return Err(bad_form(err)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            photo = read_photo(field).await?;
            continue;
        }
        let value = read_text(field, &mut text_budget).await?;
        match name.as_str() {
            "stage_name" => input.stage_name = value,
            "handle" => input.handle = value,
            "bio" => input.bio = value,
            "location" => input.location = value,
            "genres" => input.genres.push(value),
            other => {
                if let Some(network) = other.strip_prefix("social_") {
                    input.social_links.insert(network.to_owned(), value);
                }
            }
        }
    }
    Ok((input, photo))
}

/// The photo field: `None` when left empty, its bytes, or too large.
async fn read_photo(field: Field<'_>) -> AppResult<PhotoPart> {
    Ok(match read_capped(field, photo::MAX_BYTES).await? {
        None => Some(Err(PhotoError::TooLarge)),
        Some(kept) => (!kept.is_empty()).then_some(Ok(kept)),
    })
}
