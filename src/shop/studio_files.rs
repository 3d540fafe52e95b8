//! The files a digital product delivers: uploaded by the artist (streamed
//! to the store, never held whole in memory), removed from sale.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use super::repo;
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::media::{MediaKey, PutError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/shop/products/{id}/files", post(upload_file).layer(DefaultBodyLimit::disable()))
        .route("/studio/shop/products/{id}/files/{file}/delete", post(delete_file))
        .route("/studio/shop/products/{id}/release", post(attach_release))
}

/// A file name safe to offer in a download: the last path part, without
/// control characters or quotes, at most 120 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\')).take(120).collect();
    if name.trim().is_empty() { "download".to_owned() } else { name.trim().to_owned() }
}

async fn upload_file(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let lookup = uid.clone();
    let product =
        state.db.read(move |c| repo::find_product_for_artist(c, artist, &lookup)).await?.ok_or(AppError::NotFound)?;
    if product.kind != super::domain::ProductKind::Digital && product.kind != super::domain::ProductKind::Pod {
        return Err(AppError::invalid("file", "Only digital and print-on-demand products carry files."));
    }
    let field = multipart.next_field().await.map_err(|_| AppError::invalid("file", "Choose a file to upload."))?;
    let Some(field) = field else { return Err(AppError::invalid("file", "Choose a file to upload.")) };
    let name = clean_file_name(field.file_name().unwrap_or(""));
    let content_type = mime_guess::from_path(&name).first_or_octet_stream().to_string();
    let file_uid = crate::core::new_uid();
    let key = MediaKey::parse(&format!("shop/files/{file_uid}")).ok_or(AppError::NotFound)?;
    let limit = super::state(&state).config.max_file_bytes;
    let stored = match state.media.put_stream(&key, field, Some(limit)).await {
        Ok(stored) => stored,
        Err(PutError::TooLarge { limit }) => {
            let _ = state.media.delete(&key).await;
            let size = crate::web::views::format_bytes(limit);
            return Err(AppError::invalid("file", format!("Files are at most {size}.")));
        }
        Err(PutError::Source(_)) => {
            let _ = state.media.delete(&key).await;
            return Err(AppError::invalid("file", "The upload was cut off; try again."));
        }
        Err(other) => return Err(AppError::Internal(other.into())),
    };
    if stored.size == 0 {
        let _ = state.media.delete(&key).await;
        return Err(AppError::invalid("file", "That file is empty."));
    }
    let product_id = product.id;
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let file = repo::NewFile {
                uid: &file_uid,
                product: product_id,
                name: &name,
                media_key: key.as_str(),
                bytes: stored.size as i64,
                content_type: &content_type,
            };
            repo::insert_file(tx, &file, now_ms())?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=file#files")).into_response())
}

async fn delete_file(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path((uid, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let lookup = uid.clone();
    let removable = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &lookup)?.ok_or(AppError::NotFound)?;
            repo::delete_file(tx, product.id, &file, now_ms())?.map_or(Ok(None), |key| Ok(Some(key)))
        })
        .await?;
    // Bought files stay for their buyers; others go at once (a release's
    // masters belong to music, and stay).
    if let Some(key) = removable.filter(|k| k.starts_with("shop/")).and_then(|k| MediaKey::parse(&k)) {
        state.media.delete(&key).await?;
    }
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=removed#files")).into_response())
}

#[derive(serde::Deserialize)]
struct ReleaseForm {
    release: String,
}

/// Sells a published release as this digital product's download: its
/// masters as they were uploaded (FLAC or WAV), and a ZIP of the album
/// made in the background.
async fn attach_release(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    axum::Form(form): axum::Form<ReleaseForm>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let lookup = uid.clone();
    let attached = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let product = repo::find_product_for_artist(tx, artist, &lookup)?.ok_or(AppError::NotFound)?;
            if product.kind != super::domain::ProductKind::Digital {
                return Err(AppError::invalid("release", "Only a digital product can be a release's download."));
            }
            let release = crate::music::downloads::release_download(tx, artist, &form.release)?
                .ok_or_else(|| AppError::invalid("release", "Choose one of your published releases."))?;
            if release.masters.is_empty() {
                return Err(AppError::invalid("release", "This release has no masters to download."));
            }
            repo::set_product_release(tx, product.id, Some(release.id))?;
            let known: Vec<String> = repo::files_of(tx, product.id)?.into_iter().map(|f| f.media_key).collect();
            for master in release.masters.iter().filter(|m| !known.contains(&m.media_key)) {
                let file = repo::NewFile {
                    uid: &crate::core::new_uid(),
                    product: product.id,
                    name: &master.name,
                    media_key: &master.media_key,
                    bytes: master.bytes,
                    content_type: master.content_type,
                };
                repo::insert_file(tx, &file, now_ms())?;
            }
            Ok((product.id, release))
        })
        .await?;
    let (product, release) = attached;
    let app = state.clone();
    tokio::spawn(async move {
        if let Err(err) = super::album_zip::build(&app, product, &release).await {
            tracing::warn!(error = %err, "could not make the album's ZIP");
        }
    });
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=file#files")).into_response())
}
