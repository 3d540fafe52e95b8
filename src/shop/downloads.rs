//! `GET /downloads/{token}`: a buyer's download of a file they paid for.
//! The token is the link (unguessable, emailed-safe); it works until it
//! expires, is revoked by a refund, or its downloads are used up. A
//! download counts when it starts (a request from byte 0); resuming with a
//! later range does not count again, but needs a download already counted.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

use serde::{Deserialize, Serialize};

use super::repo;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::media::{Audience, Grant, MediaKey};
use crate::web::client_ip::ClientIp;

/// A buyer started a download of a file they paid for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownloadCounted {
    pub order_uid: String,
    pub artist_id: i64,
    pub fan_user_id: i64,
    pub at: i64,
}

impl PlatformEvent for DownloadCounted {
    const TYPE: &'static str = "order.download.counted";
}

pub fn router() -> Router<AppState> {
    Router::new().route("/downloads/{token}", get(download))
}

/// Whether the request starts a download (no range, or one from byte 0).
fn starts_download(headers: &HeaderMap) -> bool {
    match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(range) => range.trim().strip_prefix("bytes=").is_none_or(|spec| spec.trim_start().starts_with("0-")),
    }
}

async fn download(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now_ms();
    // A read first: made-up and spent links never reach the writer.
    let grant = state.db.read(move |c| repo::find_grant(c, &token)).await?.ok_or(AppError::NotFound)?;
    if grant.revoked {
        return Err(AppError::Forbidden("This purchase was refunded, so its downloads have ended.".into()));
    }
    if grant.expires_at <= now {
        return Err(AppError::Forbidden("This download link has expired.".into()));
    }
    let used_up = || {
        AppError::Forbidden(format!(
            "This file was already downloaded {} times, the most this purchase allows.",
            grant.max_downloads
        ))
    };
    if starts_download(&headers) {
        if grant.downloads >= grant.max_downloads {
            return Err(used_up());
        }
        let (id, ip) = (grant.id, ip.to_string());
        let event = DownloadCounted {
            order_uid: grant.order_uid.clone(),
            artist_id: grant.artist_id.0,
            fan_user_id: grant.fan_user_id.0,
            at: now,
        };
        let counted = state
            .db
            .write::<_, AppError, _>(move |tx| {
                let counted = repo::use_grant(tx, id, now, &ip)?;
                if counted {
                    emit(tx, &event)?;
                }
                Ok(counted)
            })
            .await?;
        if !counted {
            return Err(used_up());
        }
    } else if grant.downloads == 0 {
        // Resuming needs a download that started.
        return Err(used_up());
    }
    let key = MediaKey::parse(&grant.media_key).ok_or(AppError::NotFound)?;
    let media_grant = Grant { audience: Audience::Signed, content_type: grant.content_type.clone() };
    let mut response = state.media.serve(&key, &media_grant, &headers).await?;
    let disposition = format!("attachment; filename=\"{}\"", grant.file_name.replace(['"', '\\'], "_"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
