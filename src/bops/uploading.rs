//! The upload use cases both surfaces share: the app's `/api/v1/uploads…`
//! and the studio's `/studio/uploads…` handlers are each thin over these.

use axum::body::Body;

use super::uploads::{UploadPurpose, UploadStatus};
use crate::app::AppState;
use crate::error::AppResult;
use crate::identity::ArtistRow;
use crate::web::deadline::Deadline;

pub async fn start(state: &AppState, artist: &ArtistRow, size: u64, direct: bool) -> AppResult<UploadStatus> {
    let bops = super::state(state);
    let config = &bops.config.bops;
    bops.uploads
        .create(artist.id, size, config.max_upload_bytes, config.upload_chunk_bytes, direct, UploadPurpose::Bop)
        .await
}

/// Starts the upload of a track's master, under music's size limit.
pub async fn start_master(
    state: &AppState,
    artist: &ArtistRow,
    size: u64,
    limit: u64,
    direct: bool,
) -> AppResult<UploadStatus> {
    let bops = super::state(state);
    let chunk = bops.config.bops.upload_chunk_bytes;
    bops.uploads.create(artist.id, size, limit, chunk, direct, UploadPurpose::Master).await
}

pub async fn progress(state: &AppState, artist: &ArtistRow, id: &str) -> AppResult<UploadStatus> {
    let bops = super::state(state);
    bops.uploads.progress(artist.id, id, bops.config.bops.upload_chunk_bytes).await
}

/// Appends a chunk. A chunk gets the time its length takes at
/// `bops.upload_min_bytes_per_sec` on top of the flat request timeout.
pub async fn append(
    state: &AppState,
    artist: &ArtistRow,
    id: &str,
    offset: u64,
    body: Body,
    deadline: &Deadline,
) -> AppResult<UploadStatus> {
    let bops = super::state(state);
    let config = &bops.config.bops;
    deadline.allow_for_body(config.upload_min_bytes_per_sec, config.upload_chunk_bytes);
    bops.uploads.append(artist.id, id, offset, body, config.upload_chunk_bytes).await
}

pub async fn complete(state: &AppState, artist: &ArtistRow, id: &str, etags: Vec<String>) -> AppResult<UploadStatus> {
    let bops = super::state(state);
    bops.uploads.complete_direct(artist.id, id, etags, bops.config.bops.upload_chunk_bytes).await
}

pub async fn cancel(state: &AppState, artist: &ArtistRow, id: &str) -> AppResult<()> {
    super::state(state).uploads.cancel(artist.id, id).await
}
