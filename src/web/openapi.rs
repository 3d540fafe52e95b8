//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the app
//! surface. The document is written by hand (`openapi.json` beside this
//! file) and held to the code by `tests/api/openapi.rs`: every `/api/v1`
//! route the routers have is in it and nothing else, and every response the
//! test provokes — a success and the errors of each operation — validates
//! against the schema it documents for that status.
//!
//! Public (no token: clients and tools read it before signing in) and
//! cacheable; its `servers` name this instance's `server.public_url`.

use std::sync::Mutex;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// The description as written, with the placeholder server `/api/v1`.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// Clients may keep it an hour, then revalidate with its ETag.
const CACHE: &str = "public, max-age=3600";

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(show_openapi))
}

/// The description for an instance at `public_url`: its one server is the
/// app surface there.
pub fn document(public_url: &url::Url) -> Value {
    let mut document: Value = serde_json::from_str(DOCUMENT).expect("src/web/openapi.json is JSON");
    let base = public_url.as_str().trim_end_matches('/');
    document["servers"] = json!([{ "url": format!("{base}/api/v1"), "description": "This instance's app surface" }]);
    document
}

/// The bytes served and their ETag, made once per public URL (an instance
/// has one; tests run several apps in one process).
#[derive(Clone)]
struct Served {
    public_url: String,
    body: Bytes,
    etag: HeaderValue,
}

static SERVED: Mutex<Option<Served>> = Mutex::new(None);

fn served(public_url: &url::Url) -> Served {
    let mut cached = SERVED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(served) = cached.as_ref().filter(|s| s.public_url == public_url.as_str()) {
        return served.clone();
    }
    let body = Bytes::from(serde_json::to_vec_pretty(&document(public_url)).expect("a JSON value serialises"));
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..8]));
    let served =
        Served { public_url: public_url.as_str().to_owned(), body, etag: HeaderValue::from_str(&etag).expect("hex") };
    *cached = Some(served.clone());
    served
}

async fn show_openapi(State(state): State<AppState>, request: HeaderMap) -> Response {
    let served = served(&state.config.server.public_url);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    headers.insert(header::ETAG, served.etag.clone());
    let etag = served.etag.to_str().unwrap_or_default();
    let fresh = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    (headers, served.body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_this_instances_server() {
        let url = url::Url::parse("https://label.example/").unwrap();
        let document = document(&url);
        assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")));
        assert_eq!(document["servers"][0]["url"], "https://label.example/api/v1");
    }
}
