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

use super::repo;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::media::{Audience, Grant, MediaKey};
use crate::web::client_ip::ClientIp;

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
    let counts = starts_download(&headers);
    let grant = state
        .db
        .write::<_, AppError, _>(move |tx| {
            let Some(grant) = repo::find_grant(tx, &token)? else { return Err(AppError::NotFound) };
            if grant.revoked {
                return Err(AppError::Forbidden("This purchase was refunded, so its downloads have ended.".into()));
            }
            if grant.expires_at <= now {
                return Err(AppError::Forbidden("This download link has expired.".into()));
            }
            let allowed =
                if counts { repo::use_grant(tx, grant.id, now, &ip.to_string())? } else { grant.downloads > 0 };
            if !allowed {
                return Err(AppError::Forbidden(format!(
                    "This file was already downloaded {} times, the most this purchase allows.",
                    grant.max_downloads
                )));
            }
            Ok(grant)
        })
        .await?;
    let key = MediaKey::parse(&grant.media_key).ok_or(AppError::NotFound)?;
    let media_grant = Grant { audience: Audience::Signed, content_type: grant.content_type.clone() };
    let mut response = state.media.serve(&key, &media_grant, &headers).await?;
    let disposition = format!("attachment; filename=\"{}\"", grant.file_name.replace(['"', '\\'], "_"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
