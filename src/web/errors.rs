//! Turns error responses into an HTML page or JSON, by what the client wants.
//! Handlers only say *what* went wrong ([`ErrorReport`]); this decides how it looks.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::error::{AppError, ErrorReport};
use crate::web::surface::Surface;

/// Plain-text error bodies from the framework (a bad JSON body, a wrong
/// method…) are small; anything larger is passed through untouched.
const MAX_PLAIN_ERROR: usize = 16 * 1024;

pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub async fn render(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let accepts_json = accepts_json(request.headers());
    // Kept as the (cheaply cloned) URI: only a redirect needs it as a string.
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let json = accepts_json || parts.extensions.get::<Surface>() == Some(&Surface::Api);
    let report = match parts.extensions.remove::<ErrorReport>() {
        Some(report) => report,
        None if is_plain_text(&parts.headers) => {
            let text = to_bytes(body, MAX_PLAIN_ERROR).await.unwrap_or_default();
            ErrorReport::new(default_code(status), String::from_utf8_lossy(&text).trim().to_owned())
        }
        None => return Response::from_parts(parts, body),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if let (false, Some(target)) = (json, &report.redirect) {
        let wanted = uri.path_and_query().map_or("/", |pq| pq.as_str());
        return redirect_browser(target, wanted, status);
    }
    let body = if json {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Body::from(serde_json::to_vec(&report).unwrap_or_default())
    } else {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        Body::from(error_page(&state, status, &report))
    };
    Response::from_parts(parts, body)
}

/// A browser that must sign in, or finish a step, is sent there instead of
/// seeing an error; sign-in comes back to the page it was after.
fn redirect_browser(target: &str, wanted: &str, status: StatusCode) -> Response {
    let location = if status == StatusCode::UNAUTHORIZED {
        let next: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
        format!("{target}?next={next}")
    } else {
        target.to_owned()
    };
    axum::response::Redirect::to(&location).into_response()
}

/// A browser page unless the client asks for JSON only; the app surface
/// always answers JSON (its router marks its responses).
fn accepts_json(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn is_plain_text(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.starts_with("text/plain"))
}

fn default_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        // A JSON body of the wrong shape: bad input, as `AppError::Invalid` names it.
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    }
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

fn error_page(state: &AppState, status: StatusCode, report: &ErrorReport) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    let message = if report.message.is_empty() { title } else { report.message.as_str() };
    let page = ErrorPage { status: status.as_u16(), title, message };
    match state.views.render("error.html", &page) {
        Ok(html) => html.0,
        // The error page itself failed: fall back to something that cannot.
        Err(_) => format!("<!doctype html><title>{}</title><h1>{}</h1>", status.as_u16(), title),
    }
}

impl IntoResponse for ErrorReport {
    fn into_response(self) -> Response {
        let mut response = StatusCode::BAD_REQUEST.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
