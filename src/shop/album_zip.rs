//! The ZIP of an album sold as a download: its masters, stored (audio does
//! not compress further), written to a temporary file a master at a time
//! and then moved into the store, so memory stays flat whatever the size.

use std::io::Write;

use crate::app::AppState;
use crate::core::ids::ProductId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;
use crate::music::downloads::ReleaseDownload;

use super::repo;

pub async fn build(state: &AppState, product: ProductId, release: &ReleaseDownload) -> AppResult<()> {
    let dir = tempfile::tempdir_in(state.config.data_dir()).map_err(|e| AppError::Internal(e.into()))?;
    let mut parts = Vec::new();
    for (i, master) in release.masters.iter().enumerate() {
        let key = MediaKey::parse(&master.media_key).ok_or(AppError::NotFound)?;
        let path = dir.path().join(format!("{i}"));
        state.media.get_to_file(&key, &path).await?;
        parts.push((master.name.clone(), path));
    }
    let zip_path = dir.path().join("album.zip");
    let target = zip_path.clone();
    tokio::task::spawn_blocking(move || write_zip(&target, &parts))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)?;
    let uid = crate::core::new_uid();
    let key = MediaKey::parse(&format!("shop/files/{uid}.zip")).ok_or(AppError::NotFound)?;
    let stored = state.media.put_file(&key, &zip_path, "application/zip").await?;
    let title: String = release.title.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"')).collect();
    let name = format!("{title}.zip");
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let file = repo::NewFile {
                uid: &uid,
                product,
                name: &name,
                media_key: key.as_str(),
                bytes: stored.size as i64,
                content_type: "application/zip",
            };
            repo::insert_file(tx, &file, now_ms())?;
            Ok(())
        })
        .await
}

fn write_zip(path: &std::path::Path, parts: &[(String, std::path::PathBuf)]) -> anyhow::Result<()> {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    for (name, part) in parts {
        zip.start_file(name.as_str(), options)?;
        std::io::copy(&mut std::fs::File::open(part)?, &mut zip)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}
