//! Embedded static assets. URLs carry the content hash (`?v=…`), so a
//! versioned request can be cached for a year and an edit busts it.

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

const LONG_CACHE: &str = "public, max-age=31536000, immutable";

fn version_of(name: &str) -> Option<String> {
    Assets::get(name).map(|file| hex::encode(&file.metadata.sha256_hash()[..6]))
}

/// Template function: `{{ asset("css/boptone.css") }}` → `/assets/css/boptone.css?v=…`.
pub fn asset_url(name: &str) -> Result<minijinja::Value, minijinja::Error> {
    let version = version_of(name).ok_or_else(|| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("no asset named {name}"))
    })?;
    // Marked safe: the name comes from a template and the hash is hex.
    Ok(minijinja::Value::from_safe_string(format!("/assets/{name}?v={version}")))
}

/// An asset's versioned URL, for code that is not a template.
pub fn versioned(name: &str) -> Option<String> {
    version_of(name).map(|version| format!("/assets/{name}?v={version}"))
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

pub async fn serve_asset(Path(path): Path<String>, Query(query): Query<AssetQuery>, request: HeaderMap) -> Response {
    serve(&path, query.v.as_deref(), &request)
}

/// An asset at a fixed URL of its own (the service worker at `/sw.js`):
/// revalidated on every use, never cached for long.
pub fn serve_unversioned(path: &str, request: &HeaderMap) -> Response {
    serve(path, None, request)
}

fn serve(path: &str, requested_version: Option<&str>, request: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else { return AppError::NotFound.into_response() };
    let version = hex::encode(&file.metadata.sha256_hash()[..6]);
    let etag = format!("\"{version}\"");
    let cache = if requested_version == Some(version.as_str()) { LONG_CACHE } else { "no-cache" };
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex etag"));
    let matches = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag));
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let mime = file.metadata.mimetype();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    (headers, file.data.into_owned()).into_response()
}
