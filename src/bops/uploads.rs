//! Resumable uploads: the client declares the size, then sends the file in
//! chunks at explicit offsets; each chunk streams straight into the media
//! store (a multipart upload once past one part), so memory stays bounded.
//! After a dropped connection the client asks how much arrived and goes on
//! from there; cancelling aborts the store's upload.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use futures::StreamExt;
use object_store::buffered::BufWriter;
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use super::probe::sniff_content_type;
use crate::error::{AppError, AppResult};
use crate::identity::domain::ArtistId;
use crate::media::{Media, MediaKey};
use crate::web::views::format_bytes;

/// Bytes buffered before they go to the store as one part (S3's minimum).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight at once per upload: one keeps an upload's memory to about
/// two parts whatever the file size.
const PARTS_IN_FLIGHT: usize = 1;

struct Upload {
    key: MediaKey,
    size: u64,
    received: u64,
    writer: Option<BufWriter>,
    /// A relayed upload before its first bytes: the writer is made then,
    /// labelled with the type those bytes announce.
    relay: Option<Media>,
    direct: Option<Direct>,
    touched: Instant,
}

/// An upload whose parts go straight from the client to the bucket.
struct Direct {
    media: Media,
    upload_id: String,
    part_size: u64,
    parts: u32,
}

/// An upload and its artist, readable without waiting for a running append.
type Session = (ArtistId, Arc<tokio::sync::Mutex<Upload>>);

/// S3 allows at most this many parts, each (but the last) at least 5 MiB.
const MAX_PARTS: u64 = 10_000;

/// Uploads in progress. Each relayed one holds up to a part in memory, so
/// an artist may keep only a few open, and a timer aborts those left idle
/// (see [`Uploads::sweep`]): abandoned uploads cannot pile up.
pub struct Uploads {
    sessions: Mutex<HashMap<String, Session>>,
    max_open_per_artist: usize,
    idle_limit: Duration,
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

impl Uploads {
    pub fn new(config: &super::config::BopsConfig) -> Uploads {
        Uploads {
            sessions: Mutex::default(),
            max_open_per_artist: usize::try_from(config.max_open_uploads).unwrap_or(usize::MAX),
            idle_limit: Duration::from_secs(config.upload_idle_secs),
        }
    }

    fn status(id: &str, upload: &Upload, chunk_size: u64) -> UploadStatus {
        let part_urls = upload.direct.as_ref().map(|direct| {
            (1..=direct.parts)
                .filter_map(|n| direct.media.direct_part_url(&upload.key, &direct.upload_id, n).map(|u| u.to_string()))
                .collect()
        });
        UploadStatus {
            upload_id: id.to_owned(),
            mode: if upload.direct.is_some() { "direct" } else { "relay" },
            size: upload.size,
            received: upload.received,
            chunk_size,
            complete: upload.received == upload.size,
            part_size: upload.direct.as_ref().map(|d| d.part_size),
            part_urls,
        }
    }

    /// Starts an upload; with `direct` (and a store that allows it) the
    /// client sends the parts to presigned URLs instead of to this server.
    pub async fn create(
        &self,
        media: &Media,
        artist: ArtistId,
        size: u64,
        limit: u64,
        chunk_size: u64,
        direct: bool,
    ) -> AppResult<UploadStatus> {
        if size == 0 {
            return Err(AppError::invalid("size", "The file is empty."));
        }
        if size > limit {
            return Err(AppError::invalid("size", format!("Videos can be at most {}.", format_bytes(limit))));
        }
        self.sweep().await;
        self.check_open_uploads(artist)?;
        let id = crate::core::new_uid();
        let key = MediaKey::parse(&format!("bops/{id}/video")).expect("generated keys are valid");
        let upload = if direct && media.supports_direct_upload() {
            let part_size = chunk_size.max(PART_SIZE as u64).max(size.div_ceil(MAX_PARTS));
            let upload_id = media.start_direct_upload(&key).await?;
            let parts = u32::try_from(size.div_ceil(part_size)).unwrap_or(u32::MAX);
            let direct = Direct { media: media.clone(), upload_id, part_size, parts };
            Upload { key, size, received: 0, writer: None, relay: None, direct: Some(direct), touched: Instant::now() }
        } else {
            let relay = Some(media.clone());
            Upload { key, size, received: 0, writer: None, relay, direct: None, touched: Instant::now() }
        };
        let status = Self::status(&id, &upload, chunk_size);
        // Checked again under the lock: concurrent requests cannot both
        // take the last place.
        let refused = {
            let mut sessions = self.lock();
            let open = sessions.values().filter(|(owner, _)| *owner == artist).count();
            if open >= self.max_open_per_artist {
                Some(upload)
            } else {
                sessions.insert(id, (artist, Arc::new(tokio::sync::Mutex::new(upload))));
                None
            }
        };
        if let Some(mut upload) = refused {
            abort(&mut upload).await;
            return Err(self.too_many(self.max_open_per_artist));
        }
        Ok(status)
    }

    /// Refuses a new upload while the artist has the most allowed in progress.
    fn check_open_uploads(&self, artist: ArtistId) -> AppResult<()> {
        let open = self.lock().values().filter(|(owner, _)| *owner == artist).count();
        if open >= self.max_open_per_artist {
            return Err(self.too_many(open));
        }
        Ok(())
    }

    fn too_many(&self, open: usize) -> AppError {
        AppError::Conflict(format!(
            "You already have {open} uploads in progress; finish or cancel one before starting another."
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The artist's own upload `id`; another artist's is as good as missing.
    async fn get(&self, artist: ArtistId, id: &str) -> AppResult<Arc<tokio::sync::Mutex<Upload>>> {
        let (owner, session) = self.lock().get(id).cloned().ok_or(AppError::NotFound)?;
        if owner != artist {
            return Err(AppError::NotFound);
        }
        Ok(session)
    }

    pub async fn progress(&self, artist: ArtistId, id: &str, chunk_size: u64) -> AppResult<UploadStatus> {
        let session = self.get(artist, id).await?;
        let upload = session.lock().await;
        Ok(Self::status(id, &upload, chunk_size))
    }

    /// Appends `body` at `offset`, which must be exactly what has arrived so
    /// far. Bytes that arrive before a dropped connection are kept.
    pub async fn append(
        &self,
        artist: ArtistId,
        id: &str,
        offset: u64,
        body: Body,
        chunk_size: u64,
    ) -> AppResult<UploadStatus> {
        let session = self.get(artist, id).await?;
        let mut upload = session.lock().await;
        if upload.direct.is_some() {
            return Err(AppError::Conflict(
                "This upload goes straight to storage: PUT its parts to their URLs.".into(),
            ));
        }
        if offset != upload.received {
            return Err(AppError::Conflict(format!("The upload continues at byte {}, not {offset}.", upload.received)));
        }
        upload.touched = Instant::now();
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk: Bytes = chunk.map_err(|e| AppError::BadRequest(format!("The upload was interrupted: {e}")))?;
            if upload.received + chunk.len() as u64 > upload.size {
                drop(upload);
                self.cancel(artist, id).await?;
                return Err(AppError::invalid("size", "The file is larger than announced; the upload was stopped."));
            }
            if chunk.is_empty() {
                continue;
            }
            if let Some(media) = upload.relay.take() {
                let writer = media
                    .writer(&upload.key, sniff_content_type(&chunk), PART_SIZE)
                    .with_max_concurrency(PARTS_IN_FLIGHT);
                upload.writer = Some(writer);
            }
            upload.received += chunk.len() as u64;
            let writer = upload.writer.as_mut().ok_or(AppError::NotFound)?;
            writer.put(chunk).await?;
        }
        upload.touched = Instant::now();
        Ok(Self::status(id, &upload, chunk_size))
    }

    /// How many uploads are open (for operators and tests: a refused or
    /// cancelled upload must not linger).
    pub fn open_count(&self) -> usize {
        self.lock().len()
    }

    /// Aborts and forgets an upload.
    pub async fn cancel(&self, artist: ArtistId, id: &str) -> AppResult<()> {
        let session = self.get(artist, id).await?;
        self.lock().remove(id);
        let mut upload = session.lock().await;
        abort(&mut upload).await;
        Ok(())
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
        let session = self.get(artist, id).await?;
        let mut upload = session.lock().await;
        let Some(direct) = upload.direct.as_ref() else {
            return Err(AppError::Conflict(
                "This upload is sent to the server in chunks; it completes by itself.".into(),
            ));
        };
        if etags.len() != direct.parts as usize {
            return Err(AppError::invalid(
                "etags",
                format!("Send the ETag of each of the {} parts, in order.", direct.parts),
            ));
        }
        let media = direct.media.clone();
        let upload_id = direct.upload_id.clone();
        media.complete_direct_upload(&upload.key, &upload_id, etags).await.map_err(|_| {
            AppError::invalid("etags", "The storage did not accept those parts; upload any that failed and try again.")
        })?;
        let (stored, declared) = (media.head(&upload.key).await?.size, upload.size);
        if stored != declared {
            media.delete(&upload.key).await?;
            upload.direct = None;
            drop(upload);
            self.lock().remove(id);
            return Err(AppError::invalid("size", format!("{stored} bytes arrived, not the {declared} announced.")));
        }
        upload.received = upload.size;
        upload.direct = None;
        upload.touched = Instant::now();
        Ok(Self::status(id, &upload, chunk_size))
    }

    /// Completes an upload that has every byte; the object is then in the store.
    pub async fn finish(&self, artist: ArtistId, id: &str) -> AppResult<Finished> {
        let session = self.get(artist, id).await?;
        let mut upload = session.lock().await;
        if upload.received != upload.size {
            return Err(AppError::invalid(
                "video",
                format!("The upload is incomplete: {} of {} bytes arrived.", upload.received, upload.size),
            ));
        }
        // A completed direct upload is already whole in the bucket.
        if let Some(mut writer) = upload.writer.take() {
            writer
                .shutdown()
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("finishing the upload failed: {e}")))?;
        }
        self.lock().remove(id);
        Ok(Finished { key: upload.key.clone(), size: upload.size })
    }

    /// Aborts uploads left idle past the limit; runs on a timer (see
    /// `bops::jobs`) and before each new upload. Returns how many it aborted.
    pub async fn sweep(&self) -> usize {
        let mut swept = 0;
        let sessions: Vec<(String, Arc<tokio::sync::Mutex<Upload>>)> =
            self.lock().iter().map(|(k, (_, v))| (k.clone(), v.clone())).collect();
        for (id, session) in sessions {
            let Ok(mut upload) = session.try_lock() else { continue };
            if upload.touched.elapsed() > self.idle_limit {
                abort(&mut upload).await;
                self.lock().remove(&id);
                swept += 1;
            }
        }
        swept
    }
}

/// Aborts whatever the store holds of an upload (relayed or direct).
async fn abort(upload: &mut Upload) {
    upload.relay = None;
    if let Some(mut writer) = upload.writer.take() {
        let _ = writer.abort().await;
    }
    if let Some(direct) = upload.direct.take() {
        let _ = direct.media.abort_direct_upload(&upload.key, &direct.upload_id).await;
    }
}
