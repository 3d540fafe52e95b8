//! CSV files the server hands over as downloads (earnings, statements,
//! the audit log, the label's money): one set of headers for all of them.
//! They hold money or personal data, so no cache keeps a copy.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `body` as a CSV attachment named `name` (a name the server made, never
/// one a user typed: it goes into the header as it is).
pub fn csv(name: &str, body: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body.into(),
    )
        .into_response()
}
