//! The whole HTTP surface: pillar routers merged, then the layers every
//! request passes through.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::media::access::Signature;
use crate::media::{Audience, Grant, MediaKey};
use crate::{notify, ops, payments, pillars, web};

pub fn build(state: AppState) -> Router {
    let config = &state.config;
    let body_limit = usize::try_from(config.server.body_limit_bytes).unwrap_or(usize::MAX);
    let deadlines = web::deadline::DeadlinePolicy { flat: Duration::from_secs(config.server.request_timeout_secs) };
    let mut router = Router::new()
        .merge(web_surface(&state))
        .merge(notify::one_click_router())
        .nest("/api/v1", app_surface())
        .merge(machine_endpoints())
        .fallback(web::errors::not_found)
        .layer(from_fn_with_state(state.clone(), ops::metrics::track))
        .layer(from_fn(web::headers::no_store_when_signed_in))
        .layer(TraceLayer::new_for_http().make_span_with(request_span(config.server.trusted_proxies.clone())))
        .layer(from_fn_with_state(state.clone(), web::errors::render));
    for layer in web::headers::layers(config) {
        router = router.layer(layer);
    }
    router
        .layer(CompressionLayer::new().compress_when(worth_compressing()))
        .layer(from_fn_with_state(deadlines, web::deadline::enforce))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

/// The web studio and public pages of every pillar: session cookies, CSRF.
fn web_surface(state: &AppState) -> Router<AppState> {
    let mut web = Router::new().merge(web::router()).merge(payments::web_router()).merge(notify::web_router());
    for pillar in pillars::ALL {
        web = web.merge(pillar.web());
    }
    web.route("/media/{*key}", get(serve_media))
        .route("/oembed", get(oembed))
        .layer(from_fn_with_state(state.clone(), web::csrf::protect))
}

/// `/api/v1` of every pillar: bearer tokens only, JSON, no CSRF.
fn app_surface() -> Router<AppState> {
    let mut api = notify::api_router().merge(web::openapi::router());
    for pillar in pillars::ALL {
        api = api.merge(pillar.api());
    }
    api.fallback(web::errors::not_found).layer(from_fn(web::surface::mark_api))
}

/// Probes, metrics and provider webhooks: no credentials of either surface.
fn machine_endpoints() -> Router<AppState> {
    let mut hooks = payments::webhook_router();
    for pillar in pillars::ALL {
        hooks = hooks.merge(pillar.webhooks());
    }
    Router::new().merge(ops::router()).merge(hooks.layer(from_fn(web::surface::mark_machine)))
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

/// Request spans are named by the matched route, not the raw path, and
/// carry the client address as `server.trusted_proxies` resolves it.
fn request_span(trusted: Vec<ipnet::IpNet>) -> impl Fn(&Request) -> tracing::Span + Clone {
    move |request: &Request| {
        let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
        let method = ops::metrics::method_label(request.method());
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let client = peer.map(|peer| web::client_ip::resolve(peer, request.headers(), &trusted));
        tracing::info_span!(
            "request",
            otel.name = %format!("{method} {route}"),
            method = %method,
            route = %route,
            path = %request.uri().path(),
            client = ?client,
        )
    }
}

/// Media by key, for those its content allows: public media to anyone,
/// the rest only through a valid signed link; media of deleted, hidden or
/// unknown content is not found. Then a presigned redirect on S3 (never
/// cached: it expires), range-served otherwise.
async fn serve_media(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(signature): Query<Signature>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let key = MediaKey::parse(&key).ok_or(AppError::NotFound)?;
    let grant = find_media_grant(&state, &key).await?.ok_or(AppError::NotFound)?;
    if grant.audience == Audience::Signed && !state.media.verify_link(&key, &signature) {
        return Err(AppError::NotFound);
    }
    if let Some(url) = state.media.presigned_get_as(&key, &grant.content_type).await? {
        let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"))];
        return Ok((no_store, Redirect::temporary(url.as_str())).into_response());
    }
    state.media.serve(&key, &grant, &headers).await
}

/// The pillar whose content owns `key` says how it may be served.
async fn find_media_grant(state: &AppState, key: &MediaKey) -> AppResult<Option<Grant>> {
    let owns = |prefix: &&str| key.as_str().starts_with(prefix);
    for pillar in pillars::ALL.iter().filter(|p| p.media_prefixes().iter().any(owns)) {
        if let Some(grant) = pillar.media_grant(state, key).await? {
            return Ok(Some(grant));
        }
    }
    Ok(None)
}

#[derive(Debug, serde::Deserialize)]
struct OembedQuery {
    #[serde(default)]
    url: String,
    format: Option<String>,
    maxwidth: Option<u32>,
}

/// `GET /oembed?url=…&format=json` (oEmbed 1.0) for the public pages of
/// this server whose pillar offers it (Bops, releases, tracks), so
/// consumers that speak oEmbed rather than Open Graph unfurl them too.
/// Anything else is 404; any format but JSON 501, as the spec says.
async fn oembed(State(state): State<AppState>, Query(query): Query<OembedQuery>) -> Response {
    use axum::http::StatusCode;
    if query.format.as_deref().is_some_and(|f| f != "json") {
        return (StatusCode::NOT_IMPLEMENTED, "only format=json is offered").into_response();
    }
    let base = state.views.globals().public_url.trim_end_matches('/').to_owned();
    let Some(rest) = query.url.strip_prefix(&base).filter(|r| r.starts_with('/')) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let owns = |prefix: &&str| path.starts_with(prefix) && !path[prefix.len()..].contains('/');
    for pillar in pillars::ALL.iter().filter(|p| p.oembed_paths().iter().any(owns)) {
        match pillar.oembed(&state, path, query.maxwidth).await {
            Ok(Some(mut body)) => {
                body["version"] = "1.0".into();
                body["provider_name"] = state.views.brand().name.clone().into();
                body["provider_url"] = base.clone().into();
                body["cache_age"] = 3600.into();
                return axum::Json(body).into_response();
            }
            Ok(None) => {}
            Err(err) => return err.into_response(),
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
