//! Writing a batch to a target, file by file in the plan's order, so the
//! completion marker (the plan's last file) lands only after everything
//! else is complete. Each file is written whole before the next starts:
//! on a directory and over SFTP under a temporary name renamed into place,
//! on S3 as one object (a multipart upload is invisible until complete).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::{ClientOptions, ObjectStore, PutPayload};
use tokio::io::AsyncWriteExt;

use super::{DeliveryKind, DeliveryTarget};
use crate::media::{Media, MediaKey};
use crate::music::ddex::batch::{BatchPlan, FileSource, check_relative_path};

/// Network steps of a delivery give up after this.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes every file of `plan` to `target`; the error says which file and why.
pub async fn deliver(media: &Media, target: &DeliveryTarget, plan: &BatchPlan) -> Result<(), String> {
    for file in &plan.files {
        check_relative_path(&file.path).map_err(|e| e.to_string())?;
    }
    match target.kind {
        DeliveryKind::Directory => to_directory(media, Path::new(&target.path), plan).await,
        DeliveryKind::S3 => to_bucket(media, target, plan).await,
        DeliveryKind::Sftp => to_sftp(media, target, plan).await,
    }
}

async fn to_directory(media: &Media, root: &Path, plan: &BatchPlan) -> Result<(), String> {
    let io = |path: &Path, e: std::io::Error| format!("cannot write {}: {e}", path.display());
    for file in &plan.files {
        let path = root.join(&file.path);
        let partial = PathBuf::from(format!("{}.part", path.display()));
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| io(parent, e))?;
        }
        match &file.source {
            FileSource::Inline(bytes) => {
                let mut out = tokio::fs::File::create(&partial).await.map_err(|e| io(&partial, e))?;
                out.write_all(bytes).await.map_err(|e| io(&partial, e))?;
                out.sync_all().await.map_err(|e| io(&partial, e))?;
            }
            FileSource::External { key } => {
                media.get_to_file(&media_key(key)?, &partial).await.map_err(|e| format!("cannot copy {key}: {e}"))?;
            }
        }
        tokio::fs::rename(&partial, &path).await.map_err(|e| io(&path, e))?;
    }
    Ok(())
}

fn media_key(key: &str) -> Result<MediaKey, String> {
    MediaKey::parse(key).ok_or_else(|| format!("bad media key {key:?}"))
}

fn bucket(target: &DeliveryTarget) -> Result<Arc<dyn ObjectStore>, String> {
    let options = ClientOptions::new().with_timeout(NETWORK_TIMEOUT).with_connect_timeout(Duration::from_secs(10));
    let mut builder = AmazonS3Builder::new()
        .with_client_options(options)
        .with_bucket_name(&target.bucket)
        .with_region(&target.region);
    if !target.endpoint.is_empty() {
        builder = builder
            .with_endpoint(&target.endpoint)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(target.endpoint.starts_with("http://"));
    }
    if !target.access_key_id.is_empty() {
        builder = builder.with_access_key_id(&target.access_key_id).with_secret_access_key(&target.secret_access_key);
    }
    Ok(Arc::new(builder.build().map_err(|e| format!("the S3 target {} is misconfigured: {e}", target.name))?))
}

async fn to_bucket(media: &Media, target: &DeliveryTarget, plan: &BatchPlan) -> Result<(), String> {
    let store = bucket(target)?;
    let prefix = target.prefix.trim_matches('/');
    for file in &plan.files {
        let name = if prefix.is_empty() { file.path.clone() } else { format!("{prefix}/{}", file.path) };
        let path = object_store::path::Path::parse(&name).map_err(|e| format!("bad object name {name}: {e}"))?;
        let failed = |e: object_store::Error| format!("cannot write s3://{}/{name}: {e}", target.bucket);
        match &file.source {
            FileSource::Inline(bytes) => {
                store.put(&path, PutPayload::from(bytes.clone())).await.map_err(failed)?;
            }
            FileSource::External { key } => {
                let mut chunks = media.store().get(&media_key(key)?.path()).await.map_err(failed)?.into_stream();
                let mut writer = BufWriter::new(store.clone(), path.clone());
                while let Some(chunk) = chunks.next().await {
                    let chunk = chunk.map_err(failed)?;
                    writer
                        .write_all(&chunk)
                        .await
                        .map_err(|e| format!("cannot write s3://{}/{name}: {e}", target.bucket))?;
                }
                writer.shutdown().await.map_err(|e| format!("cannot write s3://{}/{name}: {e}", target.bucket))?;
            }
        }
    }
    Ok(())
}

async fn to_sftp(media: &Media, target: &DeliveryTarget, plan: &BatchPlan) -> Result<(), String> {
    let remote = super::sftp::SftpTarget {
        host: target.host.clone(),
        port: target.port,
        username: target.username.clone(),
        private_key_path: (!target.private_key_file.is_empty()).then(|| PathBuf::from(&target.private_key_file)),
        password: (!target.password.is_empty()).then(|| target.password.clone()),
        host_key: (!target.host_key.is_empty()).then(|| target.host_key.clone()),
        remote_dir: target.remote_dir.clone(),
        timeout: NETWORK_TIMEOUT,
    };
    let session = super::sftp::connect(&remote).await.map_err(|e| e.to_string())?;
    for file in &plan.files {
        if let Some((parent, _)) = file.path.rsplit_once('/') {
            session.create_dirs(parent).await.map_err(|e| e.to_string())?;
        }
        match &file.source {
            FileSource::Inline(bytes) => {
                session.write_bytes(&file.path, bytes::Bytes::from(bytes.clone())).await.map_err(|e| e.to_string())?;
            }
            FileSource::External { key } => {
                let chunks = media.store().get(&media_key(key)?.path()).await.map_err(|e| e.to_string())?.into_stream();
                let chunks = chunks.map(|c| c.map_err(std::io::Error::other));
                session.write_stream(&file.path, chunks).await.map_err(|e| e.to_string())?;
            }
        }
    }
    session.close().await.map_err(|e| e.to_string())
}
