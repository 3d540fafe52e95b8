//! Serving stored objects over HTTP: single byte ranges (`206`, `416`),
//! `Accept-Ranges`, `Content-Length`, and `ETag` / `If-None-Match` → `304`.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use object_store::{GetOptions, GetRange};

use super::local_read::{self, LocalRead};
use super::{Audience, Grant, Media, MediaKey};
use crate::error::AppResult;

/// Objects are write-once (a new upload gets a new key), so public ones may
/// be kept for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Media behind a signed link: no cache keeps it, so access stays the
/// content's to decide on every fetch.
const RESTRICTED: &str = "private, no-store";
/// Ranges up to this size are read in one go (a local file in one blocking
/// read, instead of a stream of small ones); longer ones stream.
const READ_WHOLE_UP_TO: u64 = 4 * 1024 * 1024;

/// A satisfiable range, resolved against the object size: `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeError {
    /// Well-formed, but no byte of it lies inside the object: `416`.
    Unsatisfiable,
}

/// Parses a `Range` header value against an object of `size` bytes.
/// `Ok(None)` means "serve the whole object": RFC 9110 lets a server ignore
/// a header it does not understand, and multi-range requests are served whole.
pub fn parse_range(value: &str, size: u64) -> Result<Option<ByteRange>, RangeError> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Ok(None) };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.is_empty(), last.is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => {
            let Ok(suffix) = last.parse::<u64>() else { return Ok(None) };
            if suffix == 0 || size == 0 {
                return Err(RangeError::Unsatisfiable);
            }
            ByteRange { start: size.saturating_sub(suffix), end: size - 1 }
        }
        (false, _) => {
            let Ok(start) = first.parse::<u64>() else { return Ok(None) };
            let end = if last.is_empty() {
                u64::MAX
            } else {
                match last.parse::<u64>() {
                    Ok(end) if end >= start => end,
                    _ => return Ok(None),
                }
            };
            if start >= size {
                return Err(RangeError::Unsatisfiable);
            }
            ByteRange { start, end: end.min(size - 1) }
        }
    };
    Ok(Some(range))
}

/// The store's range for a `Range` header, without knowing the size:
/// `Some(None)` for the whole object, `None` when only the size can decide
/// (an empty suffix, a header that needs the careful path).
fn store_range(request: &HeaderMap) -> Option<Option<GetRange>> {
    let Some(value) = request.get(header::RANGE) else { return Some(None) };
    let spec = value.to_str().ok()?.trim().strip_prefix("bytes=")?;
    let (first, last) = spec.trim().split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if spec.contains(',') {
        return None;
    }
    match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(start), Ok(end)) if end >= start => Some(Some(GetRange::Bounded(start..end + 1))),
        (Ok(start), Err(_)) if last.is_empty() => Some(Some(GetRange::Offset(start))),
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => Some(Some(GetRange::Suffix(suffix))),
        _ => None,
    }
}

impl Media {
    /// Answers a GET (or HEAD) for the object at `key`, which `grant` allows.
    pub async fn serve(&self, key: &MediaKey, grant: &Grant, request: &HeaderMap) -> AppResult<Response> {
        // Players ask for plain ranges without validators: one read answers
        // them (the object's facts come with its bytes). Anything else, or
        // a range the store refuses, takes the careful path below.
        let plain = request.get(header::IF_RANGE).is_none() && request.get(header::IF_NONE_MATCH).is_none();
        if plain && let Some(range) = store_range(request) {
            if let Some(root) = self.local_root.clone() {
                let (key_owned, asked) = (key.clone(), range.clone());
                let read =
                    tokio::task::spawn_blocking(move || local_read::read(&root, &key_owned, asked, READ_WHOLE_UP_TO))
                        .await
                        .map_err(anyhow::Error::from)?;
                match read.map_err(|e| anyhow::Error::from(e).context("reading a local media file"))? {
                    LocalRead::Read { meta, range: read, bytes } => {
                        return Ok(respond(&meta, read, range.is_some(), grant, Body::from(bytes)));
                    }
                    LocalRead::NotFound => return Err(crate::error::AppError::NotFound),
                    LocalRead::Careful => return self.serve_carefully(key, grant, request).await,
                }
            }
            self.ensure_inside(key).await?;
            let options = GetOptions { range: range.clone(), ..GetOptions::default() };
            match self.store().get_opts(&key.path(), options).await {
                Ok(result) => return answer(result, range.is_some(), grant).await,
                Err(object_store::Error::NotFound { .. }) => return Err(crate::error::AppError::NotFound),
                Err(_) => {}
            }
        }
        self.serve_carefully(key, grant, request).await
    }

    /// Size first, then validators and the range resolved against it.
    async fn serve_carefully(&self, key: &MediaKey, grant: &Grant, request: &HeaderMap) -> AppResult<Response> {
        let meta = self.head(key).await?;
        let (etag, mut headers) = object_headers(&meta, grant);
        if if_none_match(request, &etag) {
            return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
        }
        let content_type = HeaderValue::from_str(&grant.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
        headers.insert(header::CONTENT_TYPE, content_type);

        let range = match requested_range(request, &etag, meta.size) {
            Ok(range) => range,
            Err(RangeError::Unsatisfiable) => {
                headers.insert(header::CONTENT_RANGE, header_value(format!("bytes */{}", meta.size)));
                return Ok((StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response());
            }
        };
        let (status, get_range, length) = match range {
            Some(r) => {
                headers
                    .insert(header::CONTENT_RANGE, header_value(format!("bytes {}-{}/{}", r.start, r.end, meta.size)));
                (StatusCode::PARTIAL_CONTENT, Some(GetRange::Bounded(r.start..r.end + 1)), r.end - r.start + 1)
            }
            None => (StatusCode::OK, None, meta.size),
        };
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        let options = GetOptions { range: get_range, ..GetOptions::default() };
        let result = self.store().get_opts(&key.path(), options).await?;
        let body = Body::from_stream(result.into_stream().map_err(std::io::Error::other));
        Ok((status, headers, body).into_response())
    }
}

/// The headers every answer about an object carries, and its ETag.
fn object_headers(meta: &object_store::ObjectMeta, grant: &Grant) -> (String, HeaderMap) {
    let etag = quoted_etag(meta.e_tag.as_deref(), meta.size, meta.last_modified.timestamp_millis());
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let cache = if grant.audience == Audience::Public { IMMUTABLE } else { RESTRICTED };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    (etag, headers)
}

/// The response to a plain request, from the store's answer.
async fn answer(result: object_store::GetResult, ranged: bool, grant: &Grant) -> AppResult<Response> {
    let (meta, range) = (result.meta.clone(), result.range.clone());
    let body = if range.end - range.start <= READ_WHOLE_UP_TO {
        Body::from(result.bytes().await?)
    } else {
        Body::from_stream(result.into_stream().map_err(std::io::Error::other))
    };
    Ok(respond(&meta, range, ranged, grant, body))
}

/// A plain request's response: `range` of the object `meta` describes.
fn respond(
    meta: &object_store::ObjectMeta,
    range: std::ops::Range<u64>,
    ranged: bool,
    grant: &Grant,
    body: Body,
) -> Response {
    let (_, mut headers) = object_headers(meta, grant);
    let content_type = HeaderValue::from_str(&grant.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    let status = if ranged {
        let content_range = format!("bytes {}-{}/{}", range.start, range.end.saturating_sub(1), meta.size);
        headers.insert(header::CONTENT_RANGE, header_value(content_range));
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
    (status, headers, body).into_response()
}

/// The range to serve, honouring `If-Range`: a stale validator means the
/// client's partial copy is outdated, so it gets the whole object.
fn requested_range(request: &HeaderMap, etag: &str, size: u64) -> Result<Option<ByteRange>, RangeError> {
    let Some(range) = request.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Ok(None) };
    if let Some(if_range) = request.get(header::IF_RANGE).and_then(|v| v.to_str().ok())
        && if_range.trim() != etag
    {
        return Ok(None);
    }
    parse_range(range, size)
}

fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag)
}

fn quoted_etag(store_etag: Option<&str>, size: u64, modified_ms: i64) -> String {
    match store_etag {
        Some(tag) if tag.starts_with('"') => tag.to_owned(),
        Some(tag) => format!("\"{tag}\""),
        None => format!("\"{size:x}-{modified_ms:x}\""),
    }
}

fn header_value(text: String) -> HeaderValue {
    HeaderValue::from_str(&text).expect("ASCII header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Result<Option<(u64, u64)>, RangeError> {
        parse_range(value, size).map(|r| r.map(|r| (r.start, r.end)))
    }

    #[test]
    fn prefix_suffix_and_open_ended_ranges() {
        assert_eq!(range("bytes=0-99", 1000), Ok(Some((0, 99))));
        assert_eq!(range("bytes=100-", 1000), Ok(Some((100, 999))));
        assert_eq!(range("bytes=-100", 1000), Ok(Some((900, 999))));
        assert_eq!(range("bytes=-5000", 1000), Ok(Some((0, 999))));
        assert_eq!(range("bytes=990-5000", 1000), Ok(Some((990, 999))));
    }

    #[test]
    fn plain_ranges_go_to_the_store_as_they_are_and_the_rest_take_the_careful_path() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
            store_range(&headers)
        };
        assert_eq!(store_range(&HeaderMap::new()), Some(None), "no range: the whole object");
        assert_eq!(with("bytes=0-99"), Some(Some(GetRange::Bounded(0..100))));
        assert_eq!(with("bytes=100-"), Some(Some(GetRange::Offset(100))));
        assert_eq!(with("bytes=-100"), Some(Some(GetRange::Suffix(100))));
        for careful in ["bytes=-0", "bytes=5-1", "bytes=0-1,5-6", "items=0-1", "bytes=abc"] {
            assert_eq!(with(careful), None, "{careful}");
        }
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(range("bytes=1000-", 1000), Err(RangeError::Unsatisfiable));
        assert_eq!(range("bytes=5000-6000", 1000), Err(RangeError::Unsatisfiable));
        assert_eq!(range("bytes=-0", 1000), Err(RangeError::Unsatisfiable));
        assert_eq!(range("bytes=0-", 0), Err(RangeError::Unsatisfiable));
    }

    #[test]
    fn malformed_or_multiple_ranges_serve_everything() {
        for value in ["items=0-1", "bytes=abc", "bytes=5-1", "bytes=-", "bytes=0-1,5-6", "bytes=1-x"] {
            assert_eq!(range(value, 1000), Ok(None), "{value}");
        }
    }
}
