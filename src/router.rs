//! The whole HTTP surface: pillar routers merged, then the layers every
//! request passes through.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::media::MediaKey;
use crate::{api, identity, ops, payments, web};

pub fn build(state: AppState) -> Router {
    let config = &state.config;
    let body_limit = usize::try_from(config.server.body_limit_bytes).unwrap_or(usize::MAX);
    let timeout = Duration::from_secs(config.server.request_timeout_secs);
    let mut router = Router::new()
        .merge(web::router())
        .merge(ops::router())
        .merge(identity::router())
        .merge(payments::router())
        .merge(api::router())
        .route("/media/{*key}", get(serve_media))
        .fallback(web::errors::not_found)
        .layer(from_fn_with_state(state.clone(), ops::metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(from_fn_with_state(state.clone(), web::csrf::protect))
        .layer(from_fn_with_state(state.clone(), web::errors::render));
    for layer in web::headers::layers(config) {
        router = router.layer(layer);
    }
    router
        .layer(CompressionLayer::new().compress_when(worth_compressing()))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

/// Small bodies cost more to gzip (a fresh deflate state per response) than
/// they save; media is already compressed, and compressing a whole video
/// would also drop its `Accept-Ranges`.
fn worth_compressing() -> impl Predicate {
    SizeAbove::new(1024)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new("video/"))
        .and(NotForContentType::const_new("audio/"))
}

/// Request spans are named by the matched route, not the raw path.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        otel.name = %format!("{} {route}", request.method()),
        method = %request.method(),
        route = %route,
        path = %request.uri().path(),
    )
}

/// Media by key: presigned redirect on S3, range-served otherwise.
async fn serve_media(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = MediaKey::parse(&key).ok_or(AppError::NotFound)?;
    if let Some(url) = state.media.presigned_get(&key).await? {
        return Ok(Redirect::temporary(url.as_str()).into_response());
    }
    state.media.serve(&key, &headers).await
}
