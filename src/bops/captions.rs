//! Captions for a Bop: the artist attaches one WebVTT file in the studio
//! (`/studio/bops/{id}/captions`), checked before anything is stored
//! (UTF-8, the `WEBVTT` signature, timed cues, at most 512 KiB) and kept
//! beside the video in the media store under a new key each time. It is
//! served by the video's own access rules (`access::media_grant`: gone at
//! once when the Bop is deleted, hidden or its artist suspended; signed
//! links for followers-only and private Bops) and purged with the video.
//! Players add it as a `<track kind="captions" default>`; the app surface
//! gives it as `captions_url` and `captions_lang`.

use std::collections::BTreeMap;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, body::Bytes};
use serde::{Deserialize, Serialize};

use super::domain::{MAX_CAPTIONS_BYTES, check_webvtt, parse_captions_language};
use super::repo::{self, CaptionsTarget};
use super::views::audience;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::{ArtistRow, ArtistScope};
use crate::media::MediaKey;
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/studio/bops/{id}/captions",
            get(show_captions).post(upload_captions).layer(DefaultBodyLimit::max(MAX_CAPTIONS_BYTES + 64 * 1024)),
        )
        .route("/studio/bops/{id}/captions/delete", post(remove_captions))
}

/// The content type captions are stored and served with.
pub const WEBVTT: &str = "text/vtt; charset=utf-8";

#[derive(Serialize)]
struct CaptionsView {
    title: &'static str,
    id: String,
    caption: String,
    poster_url: Option<String>,
    video_url: String,
    captions_url: Option<String>,
    captions_lang: Option<String>,
    /// The language field's value.
    lang: String,
    errors: BTreeMap<String, String>,
    /// "saved" or "removed", after a change.
    done: Option<String>,
    max_kib: usize,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn target(state: &AppState, artist: &ArtistRow, uid: &str) -> AppResult<CaptionsTarget> {
    let (id, uid) = (artist.id, uid.to_owned());
    state.db.read_now(move |c| repo::find_captions_target(c, id, &uid)).await?.ok_or(AppError::NotFound)
}

fn view(state: &AppState, bop: CaptionsTarget, lang: String, errors: BTreeMap<String, String>) -> CaptionsView {
    let audience = audience(&bop.visibility);
    let link = |key: Option<&str>| key.and_then(MediaKey::parse).map(|k| state.media.link(&k, audience));
    CaptionsView {
        title: "Captions",
        poster_url: link(bop.poster_key.as_deref()),
        video_url: link(Some(&bop.video_key)).unwrap_or_default(),
        captions_url: link(bop.captions_key.as_deref()),
        captions_lang: bop.captions_key.as_ref().and(bop.captions_lang),
        id: bop.uid,
        caption: bop.caption,
        lang,
        errors,
        done: None,
        max_kib: MAX_CAPTIONS_BYTES / 1024,
    }
}

async fn show_captions(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(uid): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let bop = target(&state, &scope.artist, &uid).await?;
    let lang = bop.captions_lang.clone().unwrap_or_else(|| "en".to_owned());
    let mut view = view(&state, bop, lang, BTreeMap::new());
    view.done = done.done.filter(|d| d == "saved" || d == "removed");
    Ok(page.render(&state, "bops/captions.html", view)?.into_response())
}

/// The form: `lang` (a BCP 47 tag) and `file` (the WebVTT file). A bad one
/// is refused with the reason beside its field, and nothing is stored.
async fn upload_captions(
    State(state): State<AppState>,
    page: Page,
    scope: ArtistScope,
    Path(uid): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let bop = target(&state, &scope.artist, &uid).await?;
    let (mut lang, mut file) = (String::new(), None::<Result<Vec<u8>, String>>);
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                file = Some(Err(upload_error(&e)));
                break;
            }
        };
        match field.name() {
            Some("lang") => lang = field.text().await.unwrap_or_default(),
            Some("file") => {
                let mut bytes = Vec::new();
                let mut read = Ok(());
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_CAPTIONS_BYTES => {
                            read = Err(too_big());
                            break;
                        }
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => {
                            read = Err(upload_error(&e));
                            break;
                        }
                    }
                }
                let chosen = !field.file_name().unwrap_or_default().is_empty() || !bytes.is_empty();
                file = Some(match read {
                    Err(message) => Err(message),
                    Ok(()) if !chosen => Err("Choose a WebVTT file (.vtt) to upload.".to_owned()),
                    Ok(()) => check_webvtt(&bytes).map(|()| bytes),
                });
            }
            _ => {}
        }
    }
    let mut errors = BTreeMap::new();
    let language = parse_captions_language(&lang).map_err(|e| errors.insert("lang".to_owned(), e.to_owned())).ok();
    let bytes = match file {
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(message)) => {
            errors.insert("file".to_owned(), message);
            None
        }
        None => {
            errors.insert("file".to_owned(), "Choose a WebVTT file (.vtt) to upload.".to_owned());
            None
        }
    };
    let (Some(language), Some(bytes), true) = (language, bytes, errors.is_empty()) else {
        let view = view(&state, bop, lang.trim().to_owned(), errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "bops/captions.html", view)?).into_response());
    };
    attach(&state, &scope.artist, &bop, Bytes::from(bytes), &language).await?;
    Ok(Redirect::to(&format!("/studio/bops/{uid}/captions?done=saved")).into_response())
}

fn too_big() -> String {
    format!("Captions files are at most {} KiB.", MAX_CAPTIONS_BYTES / 1024)
}

/// Why a form's body could not be read: too large, or cut off.
fn upload_error(error: &axum::extract::multipart::MultipartError) -> String {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_big()
    } else {
        "The upload was cut off; try again.".into()
    }
}

async fn remove_captions(
    State(state): State<AppState>,
    scope: ArtistScope,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    let (artist, lookup) = (scope.artist.id, uid.clone());
    let old = state.db.write::<_, AppError, _>(move |tx| Ok(repo::set_captions(tx, artist, &lookup, None)?)).await?;
    let Some(old) = old else { return Err(AppError::NotFound) };
    if let Some(key) = old.as_deref().and_then(MediaKey::parse) {
        state.media.delete(&key).await?;
    }
    Ok(Redirect::to(&format!("/studio/bops/{uid}/captions?done=removed")).into_response())
}

/// Where a Bop's captions go: beside an uploaded video (`bops/<upload>/`),
/// or under the Bop's own id for videos kept elsewhere (the demo's shared
/// clips); a new name every time.
fn captions_key(bop: &CaptionsTarget) -> MediaKey {
    let name = format!("captions-{}.vtt", crate::core::new_uid());
    let dir = bop.video_key.rsplit_once('/').map(|(dir, _)| dir).filter(|dir| dir.starts_with("bops/"));
    let key = dir.map_or_else(|| format!("bops/{}/{name}", bop.uid), |dir| format!("{dir}/{name}"));
    MediaKey::parse(&key)
        .or_else(|| MediaKey::parse(&format!("bops/{}/{name}", bop.uid)))
        .expect("generated keys are valid")
}

/// Stores checked captions and points the Bop at them; the file they
/// replace goes. A Bop deleted meanwhile keeps none (the new file goes).
async fn attach(state: &AppState, artist: &ArtistRow, bop: &CaptionsTarget, bytes: Bytes, lang: &str) -> AppResult<()> {
    let key = captions_key(bop);
    state.media.put_bytes_as(&key, bytes, WEBVTT).await?;
    let (id, uid, stored, lang) = (artist.id, bop.uid.clone(), key.as_str().to_owned(), lang.to_owned());
    let replaced = state
        .db
        .write::<_, AppError, _>(move |tx| Ok(repo::set_captions(tx, id, &uid, Some((&stored, &lang)))?))
        .await?;
    match replaced {
        None => {
            state.media.delete(&key).await?;
            Err(AppError::NotFound)
        }
        Some(old) => {
            if let Some(old) = old.as_deref().and_then(MediaKey::parse).filter(|old| *old != key) {
                state.media.delete(&old).await?;
            }
            Ok(())
        }
    }
}
