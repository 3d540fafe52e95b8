//! Resumable uploads that survive restarts. The client declares the size,
//! then sends the file in chunks at explicit offsets; after a dropped
//! connection, or a restart of the server, it asks how much arrived and goes
//! on from there. Each upload is a `bops_uploads` row, and its `received`
//! advances only once the bytes are stored:
//! - relayed to a local or memory store, chunks are written at their offset
//!   into a staging file under `DATA/uploads/` (not in the served media
//!   directory) and synced to disk first; the finished file is then moved,
//!   or streamed, into the store;
//! - relayed to S3, each chunk is one part of the bucket's multipart upload,
//!   whose id and parts are recorded, so a later process can finish it and
//!   memory holds at most one chunk per upload;
//! - direct (S3 with keys), the client PUTs parts to presigned URLs and
//!   completes with their ETags.
//!
//! A timer removes uploads left idle, also those an earlier process left
//! behind (see [`Uploads::sweep`]); cancelling removes one at once.

use std::collections::HashMap;
use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use bytes::Bytes;
use futures::StreamExt;
use object_store::PutPayload;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::probe::sniff_content_type;
use super::repo::{self, UploadRow};
use crate::core::new_uid;
use crate::core::uid::is_uid;
use crate::db::{Db, now_ms};
use crate::error::{AppError, AppResult};
use crate::identity::domain::ArtistId;
use crate::media::{Media, MediaKey};
use crate::web::views::format_bytes;

/// S3's smallest part (all but the last).
const MIN_PART: u64 = 5 * 1024 * 1024;
/// S3 allows at most this many parts.
const MAX_PARTS: u64 = 10_000;
/// Stale uploads removed per sweep; the next sweep takes the rest.
const SWEEP_BATCH: usize = 100;

/// Uploads in progress, in the database; the in-memory part is only a lock
/// per upload, so two requests never write the same upload at once.
pub struct Uploads {
    db: Db,
    media: Media,
    /// `DATA/uploads`: the staging files of relayed uploads.
    staging: PathBuf,
    max_open_per_artist: u64,
    idle_limit: Duration,
    busy: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UploadStatus {
    pub upload_id: String,
    /// "relay": PUT chunks to this server at `offset`; "direct": PUT part
    /// `i` (of `part_size` bytes) to `part_urls[i]`, then complete with the ETags.
    pub mode: &'static str,
    pub size: u64,
    pub received: u64,
    pub chunk_size: u64,
    pub complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_urls: Option<Vec<String>>,
}

/// A finished upload, ready to be checked and published.
pub struct Finished {
    pub key: MediaKey,
    pub size: u64,
}

/// Where an upload's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Relayed into a staging file.
    Staged,
    /// Relayed, a chunk per part of the store's multipart upload.
    Parts { part_size: u64 },
    /// Sent by the client straight to the store.
    Direct { part_size: u64 },
}

impl Route {
    fn of(row: &UploadRow) -> Route {
        match (row.mode.as_str(), row.part_size) {
            ("direct", Some(part_size)) => Route::Direct { part_size },
            (_, Some(part_size)) => Route::Parts { part_size },
            _ => Route::Staged,
        }
    }
}

/// What an upload is for: each purpose takes only its own kind of file,
/// under its own key, and is finished only by its own use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPurpose {
    /// A Bop's video.
    Bop,
    /// A track's lossless master (music).
    Master,
}

impl UploadPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadPurpose::Bop => "bop",
            UploadPurpose::Master => "master",
        }
    }

    fn of(row: &UploadRow) -> UploadPurpose {
        if row.purpose == "master" { UploadPurpose::Master } else { UploadPurpose::Bop }
    }

    /// The key before the first bytes are seen.
    fn provisional_key(self, uid: &str) -> MediaKey {
        let key = match self {
            UploadPurpose::Bop => format!("bops/{uid}/video"),
            UploadPurpose::Master => format!("music/masters/{uid}/master"),
        };
        MediaKey::parse(&key).expect("generated keys are valid")
    }

    /// The type the first bytes show, and the key the file is stored under:
    /// its extension names its type, which is how a multipart upload on S3
    /// gets one (see `Media::start_multipart`).
    fn stored_as(self, uid: &str, head: &[u8]) -> (MediaKey, &'static str) {
        let (key, content_type) = match self {
            UploadPurpose::Bop => {
                let content_type = sniff_content_type(head);
                let extension = if content_type == "video/webm" { "webm" } else { "mp4" };
                (format!("bops/{uid}/video.{extension}"), content_type)
            }
            UploadPurpose::Master => {
                let (extension, content_type) = match head.get(..4) {
                    Some(b"RIFF") => ("wav", "audio/wav"),
                    Some(b"fLaC") => ("flac", "audio/flac"),
                    // Refused by the probe with a message naming what it is.
                    _ => ("bin", "application/octet-stream"),
                };
                (format!("music/masters/{uid}/master.{extension}"), content_type)
            }
        };
        (MediaKey::parse(&key).expect("generated keys are valid"), content_type)
    }

    fn noun(self) -> &'static str {
        match self {
            UploadPurpose::Bop => "Videos",
            UploadPurpose::Master => "Masters",
        }
    }
}

fn stored_key(row: &UploadRow) -> AppResult<MediaKey> {
    MediaKey::parse(&row.media_key)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("upload {} has a bad media key", row.uid)))
}

fn io_error(err: std::io::Error) -> AppError {
    AppError::Internal(err.into())
}

fn larger_than_announced() -> AppError {
    AppError::invalid("size", "The file is larger than announced; the upload was stopped.")
}

impl Uploads {
    pub fn new(db: Db, media: Media, staging: PathBuf, config: &super::config::BopsConfig) -> Uploads {
        Uploads {
            db,
            media,
            staging,
            max_open_per_artist: config.max_open_uploads,
            idle_limit: Duration::from_secs(config.upload_idle_secs),
            busy: Mutex::default(),
        }
    }

    fn status(&self, row: &UploadRow, chunk_size: u64) -> UploadStatus {
        let complete = row.received == row.size;
        let (mode, part_size, chunk_size) = match Route::of(row) {
            Route::Staged => ("relay", None, chunk_size),
            Route::Parts { part_size } => ("relay", None, part_size),
            Route::Direct { part_size } => ("direct", Some(part_size), chunk_size),
        };
        let part_urls = part_size.filter(|_| !complete).map(|part_size| self.part_urls(row, part_size));
        UploadStatus {
            upload_id: row.uid.clone(),
            mode,
            size: row.size,
            received: row.received,
            chunk_size,
            complete,
            part_size,
            part_urls,
        }
    }

    fn part_urls(&self, row: &UploadRow, part_size: u64) -> Vec<String> {
        let (Some(key), Some(upload_id)) = (MediaKey::parse(&row.media_key), row.multipart_id.as_deref()) else {
            return Vec::new();
        };
        let parts = u32::try_from(row.size.div_ceil(part_size)).unwrap_or(u32::MAX);
        (1..=parts).filter_map(|n| self.media.direct_part_url(&key, upload_id, n).map(|u| u.to_string())).collect()
    }

    fn staging_path(&self, uid: &str) -> PathBuf {
        self.staging.join(format!("{uid}.part"))
    }

    /// The lock of upload `uid`, held by whatever writes it.
    fn busy(&self, uid: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        busy.entry(uid.to_owned()).or_default().clone()
    }

    /// Starts an upload; with `direct` (and a store that allows it) the
    /// client sends the parts to presigned URLs instead of to this server.
    pub async fn create(
        &self,
        artist: ArtistId,
        size: u64,
        limit: u64,
        chunk_size: u64,
        direct: bool,
        purpose: UploadPurpose,
    ) -> AppResult<UploadStatus> {
        if size == 0 {
            return Err(AppError::invalid("size", "The file is empty."));
        }
        if size > limit {
            return Err(AppError::invalid(
                "size",
                format!("{} can be at most {}.", purpose.noun(), format_bytes(limit)),
            ));
        }
        self.check_open_uploads(artist).await?;
        let uid = new_uid();
        // A relayed upload's key is settled by its first bytes (see `UploadPurpose::stored_as`).
        let key = purpose.provisional_key(&uid);
        // Parts of this size keep the part count within S3's limit.
        let part_size = chunk_size.max(MIN_PART).max(size.div_ceil(MAX_PARTS));
        let row = if direct && self.media.supports_direct_upload() {
            let upload_id = self.media.start_multipart(&key).await?;
            new_row(artist, uid, key, size, "direct", Some(part_size), Some(upload_id))
        } else {
            let part_size = self.media.supports_multipart().then_some(part_size);
            new_row(artist, uid, key, size, "relay", part_size, None)
        };
        let row = UploadRow { purpose: purpose.as_str().to_owned(), ..row };
        if let Err(err) = self.insert_within_limit(row.clone()).await {
            self.abort_in_store(&row).await;
            return Err(err);
        }
        Ok(self.status(&row, chunk_size))
    }

    /// Refuses a new upload while the artist has the most allowed in progress.
    async fn check_open_uploads(&self, artist: ArtistId) -> AppResult<()> {
        let since = self.live_since();
        let open = self.db.read(move |c| repo::count_live_uploads_for_artist(c, artist, since)).await?;
        if open >= self.max_open_per_artist {
            return Err(too_many(open));
        }
        Ok(())
    }

    /// Uploads touched since then are in progress; older ones are abandoned.
    fn live_since(&self) -> i64 {
        now_ms() - i64::try_from(self.idle_limit.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Inserts the upload unless the artist's places are taken, checked in
    /// the same transaction: concurrent requests cannot both take the last one.
    async fn insert_within_limit(&self, row: UploadRow) -> AppResult<()> {
        let (max, since) = (self.max_open_per_artist, self.live_since());
        self.db
            .write(move |tx| {
                let open = repo::count_live_uploads_for_artist(tx, ArtistId(row.artist_id), since)?;
                if open >= max {
                    return Err(too_many(open));
                }
                Ok(repo::insert_upload(tx, &row, now_ms())?)
            })
            .await
    }

    /// The artist's own upload `id`; another artist's is as good as missing.
    async fn find(&self, artist: ArtistId, id: &str) -> AppResult<UploadRow> {
        if !is_uid(id) {
            return Err(AppError::NotFound);
        }
        let uid = id.to_owned();
        self.db.read(move |c| repo::find_upload(c, artist, &uid)).await?.ok_or(AppError::NotFound)
    }

    pub async fn progress(&self, artist: ArtistId, id: &str, chunk_size: u64) -> AppResult<UploadStatus> {
        let row = self.find(artist, id).await?;
        Ok(self.status(&row, chunk_size))
    }

    /// Appends `body` at `offset`, which must be exactly what has arrived so
    /// far. On S3 a chunk is one part: exactly `chunk_size` bytes (the
    /// status's), the last one the rest. Elsewhere bytes that arrive before
    /// a dropped connection are kept.
    pub async fn append(
        &self,
        artist: ArtistId,
        id: &str,
        offset: u64,
        body: Body,
        chunk_size: u64,
    ) -> AppResult<UploadStatus> {
        let row = self.find(artist, id).await?;
        let busy = self.busy(&row.uid);
        let _writing = busy.lock().await;
        // Read again under the lock: a request that held it may have moved on.
        let row = self.find(artist, id).await?;
        let route = Route::of(&row);
        if let Route::Direct { .. } = route {
            return Err(AppError::Conflict(
                "This upload goes straight to storage: PUT its parts to their URLs.".into(),
            ));
        }
        if offset != row.received {
            return Err(AppError::Conflict(format!("The upload continues at byte {}, not {offset}.", row.received)));
        }
        let row = match route {
            Route::Parts { part_size } => self.append_part(row, part_size, body).await?,
            _ => self.append_staged(row, body).await?,
        };
        Ok(self.status(&row, chunk_size))
    }

    /// Writes the body into the staging file at `received`, syncs it, and
    /// only then records the new `received`.
    async fn append_staged(&self, mut row: UploadRow, body: Body) -> AppResult<UploadRow> {
        let mut file = self.open_staging(&row).await?;
        let (written, ended) = write_body(&mut file, body, row.size - row.received).await;
        let interrupted = match ended {
            Ended::Complete => None,
            Ended::Interrupted(why) => Some(why),
            Ended::TooLarge => {
                drop(file);
                self.discard(&row).await?;
                return Err(larger_than_announced());
            }
            Ended::WriteFailed(err) => return Err(io_error(err)),
        };
        if written > 0 {
            file.flush().await.map_err(io_error)?;
            file.sync_data().await.map_err(io_error)?;
            row.received += written;
            self.save_received(&row.uid, row.received).await?;
        }
        match interrupted {
            Some(why) => Err(AppError::BadRequest(format!("The upload was interrupted: {why}"))),
            None => Ok(row),
        }
    }

    /// The upload's staging file, positioned at `received`. A file shorter
    /// than that lost bytes (a restored backup, a cleaned disk): the upload
    /// goes back to what the file holds.
    async fn open_staging(&self, row: &UploadRow) -> AppResult<tokio::fs::File> {
        tokio::fs::create_dir_all(&self.staging).await.map_err(io_error)?;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.staging_path(&row.uid))
            .await
            .map_err(io_error)?;
        let on_disk = file.metadata().await.map_err(io_error)?.len();
        if on_disk < row.received {
            self.save_received(&row.uid, on_disk).await?;
            return Err(AppError::Conflict(format!("The upload continues at byte {on_disk}, not {}.", row.received)));
        }
        file.seek(SeekFrom::Start(row.received)).await.map_err(io_error)?;
        Ok(file)
    }

    async fn save_received(&self, uid: &str, received: u64) -> AppResult<()> {
        let uid = uid.to_owned();
        self.db.write(move |tx| Ok(repo::set_upload_received(tx, &uid, received, now_ms())?)).await
    }

    /// Sends the chunk to the store as the next part; records the part and
    /// the new `received` once the store has it.
    async fn append_part(&self, row: UploadRow, part_size: u64, body: Body) -> AppResult<UploadRow> {
        let expected = part_size.min(row.size - row.received);
        let chunk = match read_chunk(body, expected, part_size, row.size - row.received).await {
            Err(ChunkError::TooLarge) => {
                self.discard(&row).await?;
                return Err(larger_than_announced());
            }
            Err(ChunkError::Refused(err)) => return Err(err),
            Ok(chunk) => chunk,
        };
        let row = self.ensure_multipart(row, &chunk).await?;
        let (key, upload_id) = (stored_key(&row)?, row.multipart_id.clone().unwrap_or_default());
        let index = row.received / part_size;
        let part = usize::try_from(index).map_err(|e| AppError::Internal(e.into()))?;
        // Whatever the store says (even "no such upload"), this is its failure, not the client's.
        let etag = self.media.put_part(&key, &upload_id, part, PutPayload::from_iter(chunk)).await.map_err(|err| {
            AppError::Internal(anyhow::anyhow!("the store refused part {index} of upload {}: {err}", row.uid))
        })?;
        let (uid, received) = (row.uid.clone(), row.received + expected);
        self.db
            .write::<_, AppError, _>(move |tx| {
                Ok(repo::record_upload_part(tx, &uid, index, &etag, received, now_ms())?)
            })
            .await?;
        Ok(UploadRow { received, touched_at: now_ms(), ..row })
    }

    /// Starts the store's multipart upload at the first chunk, whose bytes
    /// name the type (and so the key), and records it before any part goes
    /// up, so that nothing in the bucket is left without a row.
    async fn ensure_multipart(&self, row: UploadRow, first: &[Bytes]) -> AppResult<UploadRow> {
        if row.multipart_id.is_some() {
            return Ok(row);
        }
        let (key, content_type) = UploadPurpose::of(&row).stored_as(&row.uid, &head(first, 4));
        let content_type = content_type.to_owned();
        let upload_id = self.media.start_multipart(&key).await?;
        let (uid, key_text, kind, id) = (row.uid.clone(), key.to_string(), content_type.clone(), upload_id.clone());
        let saved =
            self.db.write(move |tx| Ok(repo::set_upload_multipart(tx, &uid, &key_text, &kind, &id, now_ms())?)).await;
        if let Err(err) = saved {
            let _ = self.media.abort_multipart(&key, &upload_id).await;
            return Err(err);
        }
        let media_key = key.to_string();
        Ok(UploadRow { media_key, content_type: Some(content_type), multipart_id: Some(upload_id), ..row })
    }

    /// How many uploads are open (for operators and tests: a refused or
    /// cancelled upload must not linger).
    pub fn open_count(&self) -> usize {
        let count = self.db.read_blocking(repo::count_uploads).unwrap_or(0);
        usize::try_from(count).unwrap_or(usize::MAX)
    }

    /// Aborts and forgets an upload.
    pub async fn cancel(&self, artist: ArtistId, id: &str) -> AppResult<()> {
        let row = self.find(artist, id).await?;
        let busy = self.busy(&row.uid);
        let _writing = busy.lock().await;
        let row = self.find(artist, id).await?;
        self.discard(&row).await
    }

    /// Removes what the store or the staging directory holds of an upload,
    /// then its row. When the store fails the row stays, so the sweep can
    /// try again: no multipart upload is ever left without one.
    async fn discard(&self, row: &UploadRow) -> AppResult<()> {
        match (Route::of(row), &row.multipart_id) {
            (Route::Staged, _) => remove_if_present(&self.staging_path(&row.uid)).await?,
            (_, Some(upload_id)) => self.media.abort_multipart(&stored_key(row)?, upload_id).await?,
            (_, None) => {}
        }
        let uid = row.uid.clone();
        self.db.write::<_, AppError, _>(move |tx| Ok(repo::delete_upload(tx, &uid)?)).await?;
        Ok(())
    }

    /// Best effort, for an upload whose row was never written.
    async fn abort_in_store(&self, row: &UploadRow) {
        if let (Some(upload_id), Ok(key)) = (&row.multipart_id, stored_key(row)) {
            let _ = self.media.abort_multipart(&key, upload_id).await;
        }
    }

    /// Completes a direct upload from its parts' ETags (in part order),
    /// and checks the bucket now holds exactly the announced size.
    pub async fn complete_direct(
        &self,
        artist: ArtistId,
        id: &str,
        etags: Vec<String>,
        chunk_size: u64,
    ) -> AppResult<UploadStatus> {
        let row = self.find(artist, id).await?;
        let busy = self.busy(&row.uid);
        let _writing = busy.lock().await;
        let row = self.find(artist, id).await?;
        let Route::Direct { part_size } = Route::of(&row) else {
            return Err(AppError::Conflict(
                "This upload is sent to the server in chunks; it completes by itself.".into(),
            ));
        };
        if row.received < row.size {
            self.complete_in_store(&row, part_size, etags).await?;
        }
        let row = UploadRow { received: row.size, ..row };
        Ok(self.status(&row, chunk_size))
    }

    async fn complete_in_store(&self, row: &UploadRow, part_size: u64, etags: Vec<String>) -> AppResult<()> {
        let parts = row.size.div_ceil(part_size);
        if etags.len() as u64 != parts {
            return Err(AppError::invalid("etags", format!("Send the ETag of each of the {parts} parts, in order.")));
        }
        let key = stored_key(row)?;
        let upload_id = row.multipart_id.clone().unwrap_or_default();
        self.media.complete_multipart(&key, &upload_id, etags).await.map_err(|_| {
            AppError::invalid("etags", "The storage did not accept those parts; upload any that failed and try again.")
        })?;
        let (stored, declared) = (self.media.head(&key).await?.size, row.size);
        if stored != declared {
            self.media.delete(&key).await?;
            self.forget(&row.uid).await?;
            return Err(AppError::invalid("size", format!("{stored} bytes arrived, not the {declared} announced.")));
        }
        self.save_received(&row.uid, declared).await
    }

    async fn forget(&self, uid: &str) -> AppResult<()> {
        let uid = uid.to_owned();
        self.db.write::<_, AppError, _>(move |tx| Ok(repo::delete_upload(tx, &uid)?)).await?;
        Ok(())
    }

    /// Completes an upload that has every byte; the object is then in the store.
    pub async fn finish(&self, artist: ArtistId, id: &str, purpose: UploadPurpose) -> AppResult<Finished> {
        let row = self.find(artist, id).await?;
        if UploadPurpose::of(&row) != purpose {
            return Err(AppError::invalid("upload_id", "This upload holds another kind of file."));
        }
        let busy = self.busy(&row.uid);
        let _writing = busy.lock().await;
        let row = self.find(artist, id).await?;
        if row.received != row.size {
            return Err(AppError::invalid(
                "video",
                format!("The upload is incomplete: {} of {} bytes arrived.", row.received, row.size),
            ));
        }
        let key = match Route::of(&row) {
            Route::Staged => self.finish_staged(&row).await?,
            Route::Parts { .. } => self.finish_parts(&row).await?,
            // A completed direct upload is already whole in the bucket.
            Route::Direct { .. } => stored_key(&row)?,
        };
        self.forget(&row.uid).await?;
        remove_if_present(&self.staging_path(&row.uid)).await?;
        Ok(Finished { key, size: row.size })
    }

    /// Moves the staged file into the store, under a key named by its type.
    async fn finish_staged(&self, row: &UploadRow) -> AppResult<MediaKey> {
        let path = self.staging_path(&row.uid);
        let mut file = tokio::fs::File::open(&path).await.map_err(io_error)?;
        if file.metadata().await.map_err(io_error)?.len() != row.size {
            drop(file);
            self.discard(row).await?;
            return Err(AppError::invalid("video", "The uploaded file was lost; please upload it again."));
        }
        let mut first = [0u8; 4];
        file.read_exact(&mut first).await.map_err(io_error)?;
        drop(file);
        let (key, content_type) = UploadPurpose::of(row).stored_as(&row.uid, &first);
        self.media.put_file(&key, &path, content_type).await?;
        Ok(key)
    }

    /// Completes the store's multipart upload from the recorded parts.
    async fn finish_parts(&self, row: &UploadRow) -> AppResult<MediaKey> {
        let uid = row.uid.clone();
        let etags = self.db.read(move |c| repo::list_upload_parts(c, &uid)).await?;
        let key = stored_key(row)?;
        let upload_id = row.multipart_id.clone().unwrap_or_default();
        self.media.complete_multipart(&key, &upload_id, etags).await?;
        Ok(key)
    }

    /// Removes uploads left idle past the limit: their rows, staging files
    /// and multipart uploads — also those an earlier process left behind.
    /// Runs on a timer (see `bops::jobs`), the first time at start. Returns
    /// how many it removed.
    pub async fn sweep(&self) -> usize {
        let before = self.live_since();
        let stale = match self.db.read(move |c| repo::list_stale_uploads(c, before, SWEEP_BATCH)).await {
            Ok(stale) => stale,
            Err(err) => {
                tracing::warn!(error = %err, "listing abandoned uploads failed; retrying next round");
                return 0;
            }
        };
        let mut swept = 0;
        for row in stale {
            swept += usize::from(self.sweep_one(&row.uid, before).await);
        }
        swept += self.sweep_orphan_files(before).await;
        self.busy.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, lock| Arc::strong_count(lock) > 1);
        swept
    }

    /// Removes upload `uid` if it is still idle and nobody is writing it.
    async fn sweep_one(&self, uid: &str, before: i64) -> bool {
        let busy = self.busy(uid);
        let Ok(_writing) = busy.try_lock() else { return false };
        let id = uid.to_owned();
        let row = match self.db.read(move |c| repo::find_upload_by_uid(c, &id)).await {
            Ok(Some(row)) if row.touched_at < before => row,
            _ => return false,
        };
        match self.discard(&row).await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(upload = %uid, error = %err, "removing an abandoned upload failed; retrying next round");
                false
            }
        }
    }

    /// Staging files without an upload (a crash between removing the row
    /// and the file), once they are as old as an abandoned upload.
    async fn sweep_orphan_files(&self, before: i64) -> usize {
        let Ok(mut entries) = tokio::fs::read_dir(&self.staging).await else { return 0 };
        let mut removed = 0;
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(uid) = name.strip_suffix(".part").filter(|uid| is_uid(uid)).map(str::to_owned) else { continue };
            let old = entry.metadata().await.ok().and_then(|m| m.modified().ok()).is_some_and(|at| {
                at.duration_since(std::time::UNIX_EPOCH).is_ok_and(|d| (d.as_millis() as i64) < before)
            });
            let known = self.db.read(move |c| repo::find_upload_by_uid(c, &uid)).await;
            if old && matches!(known, Ok(None)) && tokio::fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

fn new_row(
    artist: ArtistId,
    uid: String,
    key: MediaKey,
    size: u64,
    mode: &str,
    part_size: Option<u64>,
    multipart_id: Option<String>,
) -> UploadRow {
    UploadRow {
        uid,
        artist_id: artist.0,
        media_key: key.to_string(),
        size,
        received: 0,
        mode: mode.to_owned(),
        content_type: None,
        part_size,
        multipart_id,
        purpose: UploadPurpose::Bop.as_str().to_owned(),
        touched_at: now_ms(),
    }
}

fn too_many(open: u64) -> AppError {
    AppError::Conflict(format!(
        "You already have {open} uploads in progress; finish or cancel one before starting another."
    ))
}

async fn remove_if_present(path: &std::path::Path) -> AppResult<()> {
    match tokio::fs::remove_file(path).await {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(io_error(err)),
        _ => Ok(()),
    }
}

/// The first `n` bytes of a chunk held as frames.
fn head(frames: &[Bytes], n: usize) -> Vec<u8> {
    frames.iter().flat_map(|f| f.iter().copied()).take(n).collect()
}

/// How writing a body into a staging file ended.
enum Ended {
    Complete,
    /// The client's connection failed; what arrived before is written.
    Interrupted(String),
    /// More bytes than the upload has left.
    TooLarge,
    WriteFailed(std::io::Error),
}

/// Writes `body` into `file`, at most `room` bytes; returns the bytes
/// written and how it ended.
async fn write_body(file: &mut tokio::fs::File, body: Body, room: u64) -> (u64, Ended) {
    let mut stream = body.into_data_stream();
    let mut written = 0;
    while let Some(frame) = stream.next().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(err) => return (written, Ended::Interrupted(err.to_string())),
        };
        if written + frame.len() as u64 > room {
            return (written, Ended::TooLarge);
        }
        if let Err(err) = file.write_all(&frame).await {
            return (written, Ended::WriteFailed(err));
        }
        written += frame.len() as u64;
    }
    (written, Ended::Complete)
}

enum ChunkError {
    /// More bytes than the upload has left.
    TooLarge,
    Refused(AppError),
}

/// Reads one part's chunk of exactly `expected` bytes into memory (as the
/// frames it came in); `part_size` is every chunk's but the last, `room`
/// what the upload has left.
async fn read_chunk(body: Body, expected: u64, part_size: u64, room: u64) -> Result<Vec<Bytes>, ChunkError> {
    let wrong_size = |got: &str| {
        ChunkError::Refused(AppError::BadRequest(format!(
            "This chunk must be exactly {expected} bytes (chunks are {part_size} bytes, the last one the rest \
             of the file); it {got}. Send the chunk at the upload's offset again."
        )))
    };
    // A declared length says at once what reading it would show.
    match body.size_hint().exact() {
        Some(declared) if declared > room => return Err(ChunkError::TooLarge),
        Some(declared) if declared != expected => return Err(wrong_size(&format!("has {declared}"))),
        _ => {}
    }
    let mut stream = body.into_data_stream();
    let (mut frames, mut len) = (Vec::new(), 0u64);
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|e| {
            ChunkError::Refused(AppError::BadRequest(format!(
                "The upload was interrupted: {e}; nothing of this chunk was kept."
            )))
        })?;
        len += frame.len() as u64;
        if len > room {
            return Err(ChunkError::TooLarge);
        }
        if len > expected {
            return Err(wrong_size("is longer"));
        }
        frames.push(frame);
    }
    if len != expected {
        return Err(wrong_size(&format!("has {len}")));
    }
    Ok(frames)
}
