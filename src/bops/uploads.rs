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

use crate::error::{AppError, AppResult};
use crate::identity::domain::ArtistId;
use crate::media::{Media, MediaKey};

/// Bytes buffered before they go to the store as one part (S3's minimum).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight at once per upload: one keeps an upload's memory to about
/// two parts whatever the file size.
const PARTS_IN_FLIGHT: usize = 1;
/// An upload nobody touched for this long is abandoned and cleaned up.
const IDLE_LIMIT: Duration = Duration::from_secs(3600);

struct Upload {
    artist: ArtistId,
    key: MediaKey,
    size: u64,
    received: u64,
    writer: Option<BufWriter>,
    touched: Instant,
}

#[derive(Default)]
pub struct Uploads {
    sessions: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Upload>>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UploadStatus {
    pub upload_id: String,
    pub size: u64,
    pub received: u64,
    pub chunk_size: u64,
    pub complete: bool,
}

/// A finished upload, ready to be checked and published.
pub struct Finished {
    pub key: MediaKey,
    pub size: u64,
}

impl Uploads {
    pub fn new() -> Uploads {
        Uploads::default()
    }

    fn status(id: &str, upload: &Upload, chunk_size: u64) -> UploadStatus {
        UploadStatus {
            upload_id: id.to_owned(),
            size: upload.size,
            received: upload.received,
            chunk_size,
            complete: upload.received == upload.size,
        }
    }

    pub async fn create(
        &self,
        media: &Media,
        artist: ArtistId,
        size: u64,
        limit: u64,
        chunk_size: u64,
    ) -> AppResult<UploadStatus> {
        if size == 0 {
            return Err(AppError::invalid("size", "The file is empty."));
        }
        if size > limit {
            return Err(AppError::invalid("size", format!("Videos can be at most {} MB.", limit / 1_000_000)));
        }
        self.sweep().await;
        let id = crate::identity::repo::new_uid();
        let key = MediaKey::parse(&format!("bops/{id}/video")).expect("generated keys are valid");
        let writer = BufWriter::with_capacity(media.store().clone(), key.path(), PART_SIZE)
            .with_max_concurrency(PARTS_IN_FLIGHT);
        let upload = Upload { artist, key, size, received: 0, writer: Some(writer), touched: Instant::now() };
        let status = Self::status(&id, &upload, chunk_size);
        self.lock().insert(id, Arc::new(tokio::sync::Mutex::new(upload)));
        Ok(status)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<Upload>>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The artist's own upload `id`; another artist's is as good as missing.
    async fn get(&self, artist: ArtistId, id: &str) -> AppResult<Arc<tokio::sync::Mutex<Upload>>> {
        let session = self.lock().get(id).cloned().ok_or(AppError::NotFound)?;
        if session.lock().await.artist != artist {
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
            upload.received += chunk.len() as u64;
            let writer = upload.writer.as_mut().ok_or(AppError::NotFound)?;
            writer.put(chunk).await?;
        }
        Ok(Self::status(id, &upload, chunk_size))
    }

    /// Aborts and forgets an upload.
    pub async fn cancel(&self, artist: ArtistId, id: &str) -> AppResult<()> {
        let session = self.get(artist, id).await?;
        self.lock().remove(id);
        let mut upload = session.lock().await;
        if let Some(mut writer) = upload.writer.take() {
            let _ = writer.abort().await;
        }
        Ok(())
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
        let mut writer = upload.writer.take().ok_or(AppError::NotFound)?;
        writer.shutdown().await.map_err(|e| AppError::Internal(anyhow::anyhow!("finishing the upload failed: {e}")))?;
        self.lock().remove(id);
        Ok(Finished { key: upload.key.clone(), size: upload.size })
    }

    /// Aborts uploads left idle past the limit.
    async fn sweep(&self) {
        let sessions: Vec<(String, Arc<tokio::sync::Mutex<Upload>>)> =
            self.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (id, session) in sessions {
            let Ok(mut upload) = session.try_lock() else { continue };
            if upload.touched.elapsed() > IDLE_LIMIT {
                if let Some(mut writer) = upload.writer.take() {
                    let _ = writer.abort().await;
                }
                self.lock().remove(&id);
            }
        }
    }
}
