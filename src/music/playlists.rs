//! Playlists on the app surface (`/api/v1/playlists…`): fans and artists
//! collect playable tracks in their own order, public or private. Only the
//! owner sees a private playlist or changes one; tracks taken down since
//! drop out of what is shown (and come back if republished).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::domain::ReleaseStatus;
use super::repo::{self, PlaylistRow};
use super::views::TrackView;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::core::ids::UserId;
use crate::core::new_uid;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::web::text::{Lines, clean_text};

/// Playlists one account may keep, and tracks one playlist may hold.
pub const MAX_PLAYLISTS: i64 = 200;
pub const MAX_TRACKS: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/playlists", get(list_mine).post(create))
        .route("/playlists/{id}", get(show).patch(update).delete(remove))
        .route("/playlists/{id}/tracks", axum::routing::post(add_track).put(reorder))
        .route("/playlists/{id}/tracks/{track}", delete(remove_track))
}

#[derive(Debug, Serialize)]
struct PlaylistView {
    id: String,
    title: String,
    description: String,
    public: bool,
    track_count: i64,
    owned_by_me: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracks: Option<Vec<PlaylistTrack>>,
}

#[derive(Debug, Serialize)]
struct PlaylistTrack {
    #[serde(flatten)]
    track: TrackView,
    release_id: String,
    release_title: String,
    artist_name: String,
    artwork_url: Option<String>,
}

fn view(row: &PlaylistRow, me: UserId) -> PlaylistView {
    PlaylistView {
        id: row.uid.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        public: row.public,
        track_count: row.track_count,
        owned_by_me: row.owner == me,
        tracks: None,
    }
}

#[derive(Debug, Deserialize)]
struct PlaylistInput {
    title: Option<String>,
    description: Option<String>,
    public: Option<bool>,
}

fn checked_title(raw: &str) -> AppResult<String> {
    let title = clean_text(raw, Lines::Single).map_err(|e| AppError::invalid("title", e))?;
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::invalid("title", "Give the playlist a title of at most 100 characters."));
    }
    Ok(title)
}

fn checked_description(raw: &str) -> AppResult<String> {
    let text = clean_text(raw, Lines::Multi).map_err(|e| AppError::invalid("description", e))?;
    if text.chars().count() > 1000 {
        return Err(AppError::invalid("description", "At most 1000 characters."));
    }
    Ok(text)
}

async fn list_mine(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<PlaylistView>>> {
    let me = user.id;
    let rows = state.db.read(move |c| repo::list_playlists_of(c, me, MAX_PLAYLISTS as usize)).await?;
    Ok(Json(rows.iter().map(|r| view(r, me)).collect()))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(input): Json<PlaylistInput>,
) -> AppResult<(StatusCode, Json<PlaylistView>)> {
    let title = checked_title(input.title.as_deref().unwrap_or(""))?;
    let description = checked_description(input.description.as_deref().unwrap_or(""))?;
    let (public, me, uid) = (input.public.unwrap_or(false), user.id, new_uid());
    let row = state
        .db
        .write(move |tx| {
            if repo::count_playlists_of(tx, me)? >= MAX_PLAYLISTS {
                return Err(AppError::Conflict(format!("You can keep at most {MAX_PLAYLISTS} playlists.")));
            }
            repo::insert_playlist(tx, &uid, me, &title, &description, public, now_ms())?;
            repo::find_playlist(tx, &uid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view(&row, me))))
}

/// A playlist the user may see: their own, or a public one.
async fn visible(state: &AppState, uid: String, me: UserId) -> AppResult<PlaylistRow> {
    let row = state.db.read(move |c| repo::find_playlist(c, &uid)).await?;
    row.filter(|p| p.public || p.owner == me).ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<Json<PlaylistView>> {
    let row = visible(&state, uid, user.id).await?;
    let id = row.id;
    let tracks = state.db.read(move |c| repo::list_playlist_tracks(c, id)).await?;
    let link = |key: Option<&str>| {
        key.and_then(crate::media::MediaKey::parse).map(|k| state.media.link(&k, crate::media::Audience::Public))
    };
    let tracks = tracks
        .iter()
        .map(|row| PlaylistTrack {
            track: TrackView::new(&row.track, ReleaseStatus::Published, &state.media),
            release_id: row.release_uid.clone(),
            release_title: row.release_title.clone(),
            artist_name: row.artist_name.clone(),
            artwork_url: link(row.artwork_key.as_deref()),
        })
        .collect();
    Ok(Json(PlaylistView { tracks: Some(tracks), ..view(&row, user.id) }))
}

/// The user's own playlist, for a change; another's is as good as missing.
fn owned(tx: &rusqlite::Connection, uid: &str, me: UserId) -> AppResult<PlaylistRow> {
    repo::find_playlist(tx, uid)?.filter(|p| p.owner == me).ok_or(AppError::NotFound)
}

async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
    Json(input): Json<PlaylistInput>,
) -> AppResult<Json<PlaylistView>> {
    let title = input.title.as_deref().map(checked_title).transpose()?;
    let description = input.description.as_deref().map(checked_description).transpose()?;
    let me = user.id;
    let row = state
        .db
        .write(move |tx| {
            let row = owned(tx, &uid, me)?;
            let title = title.unwrap_or(row.title);
            let description = description.unwrap_or(row.description);
            repo::update_playlist(tx, row.id, &title, &description, input.public.unwrap_or(row.public), now_ms())?;
            repo::find_playlist(tx, &uid)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Json(view(&row, me)))
}

async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
) -> AppResult<StatusCode> {
    let me = user.id;
    state
        .db
        .write(move |tx| {
            let row = owned(tx, &uid, me)?;
            Ok::<_, AppError>(repo::delete_playlist(tx, row.id, now_ms())?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the items of the user's own playlist in one write: `change`
/// gets the track ids in order and returns the new list.
async fn edit_items(
    state: &AppState,
    uid: String,
    me: UserId,
    change: impl FnOnce(&rusqlite::Connection, Vec<i64>) -> AppResult<Vec<i64>> + Send + 'static,
) -> AppResult<PlaylistRow> {
    state
        .db
        .write(move |tx| {
            let row = owned(tx, &uid, me)?;
            let tracks = change(tx, repo::list_playlist_track_ids(tx, row.id)?)?;
            repo::replace_playlist_items(tx, row.id, &tracks, now_ms())?;
            repo::find_playlist(tx, &uid)?.ok_or(AppError::NotFound)
        })
        .await
}

#[derive(Debug, Deserialize)]
struct AddTrack {
    track_id: String,
    /// Where to insert (0 = first); the end when left out.
    position: Option<usize>,
}

async fn add_track(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
    Json(input): Json<AddTrack>,
) -> AppResult<Json<PlaylistView>> {
    let me = user.id;
    let row = edit_items(&state, uid, me, move |tx, mut tracks| {
        let track = repo::find_playable_track_id(tx, &input.track_id)?
            .ok_or_else(|| AppError::invalid("track_id", "No such track, or it is not available."))?;
        if tracks.contains(&track) {
            return Err(AppError::Conflict("This track is already on the playlist.".into()));
        }
        if tracks.len() >= MAX_TRACKS {
            return Err(AppError::Conflict(format!("A playlist holds at most {MAX_TRACKS} tracks.")));
        }
        let at = input.position.unwrap_or(tracks.len()).min(tracks.len());
        tracks.insert(at, track);
        Ok(tracks)
    })
    .await?;
    Ok(Json(view(&row, me)))
}

#[derive(Debug, Deserialize)]
struct Reorder {
    /// Every track of the playlist, in the new order.
    track_ids: Vec<String>,
}

async fn reorder(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(uid): Path<String>,
    Json(input): Json<Reorder>,
) -> AppResult<Json<PlaylistView>> {
    let me = user.id;
    let row = edit_items(&state, uid, me, move |tx, current| {
        let once = || AppError::invalid("track_ids", "List each track of the playlist exactly once.");
        let mut wanted = Vec::with_capacity(input.track_ids.len());
        for track_uid in &input.track_ids {
            match repo::find_track(tx, track_uid)?.map(|(t, _, _)| t.id) {
                Some(id) if current.contains(&id) && !wanted.contains(&id) => wanted.push(id),
                _ => return Err(once()),
            }
        }
        if wanted.len() != current.len() {
            return Err(once());
        }
        Ok(wanted)
    })
    .await?;
    Ok(Json(view(&row, me)))
}

async fn remove_track(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((uid, track_uid)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    edit_items(&state, uid, user.id, move |tx, mut tracks| {
        let id = repo::find_track(tx, &track_uid)?.map(|(t, _, _)| t.id).ok_or(AppError::NotFound)?;
        let before = tracks.len();
        tracks.retain(|t| *t != id);
        if tracks.len() == before {
            return Err(AppError::NotFound);
        }
        Ok(tracks)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
