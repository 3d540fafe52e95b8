//! Security headers on every response.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::SESSION_COOKIE;
use crate::config::{Config, MediaBackend, PaymentsProvider};

/// The Content-Security-Policy: everything from this origin, media also from
/// the S3 endpoint when presigned URLs point there; never framed.
pub fn content_security_policy(config: &Config) -> String {
    let media_origin = match config.media.backend {
        MediaBackend::S3 if !config.media.s3.endpoint.is_empty() => url::Url::parse(&config.media.s3.endpoint)
            .map(|u| format!(" {}", u.origin().ascii_serialization()))
            .unwrap_or_default(),
        MediaBackend::S3 => " https://*.amazonaws.com".to_owned(),
        _ => String::new(),
    };
    // Stripe's card form must load from Stripe itself (PCI): its script, frames and API.
    let (stripe_script, stripe_connect, stripe_frames) = match config.payments.provider {
        PaymentsProvider::Stripe => (
            " https://js.stripe.com",
            " https://api.stripe.com",
            "; frame-src https://js.stripe.com https://hooks.stripe.com",
        ),
        PaymentsProvider::Sandbox => ("", "", ""),
    };
    format!(
        "default-src 'self'; img-src 'self' data: blob:{media_origin}; media-src 'self' blob:{media_origin}; \
         connect-src 'self'{media_origin}{stripe_connect}; style-src 'self'; script-src 'self'{stripe_script}; object-src 'none'; \
         base-uri 'self'; frame-ancestors 'none'{stripe_frames}"
    )
}

pub fn layers(config: &Config) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let csp = HeaderValue::from_str(&content_security_policy(config)).expect("ASCII CSP");
    let mut fixed: Vec<(HeaderName, HeaderValue)> = vec![
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if config.server.public_url.scheme() == "https" {
        // A year, and no includeSubDomains: the label's other hosts are not ours to pin.
        fixed.push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000")));
    }
    fixed.into_iter().map(|(name, value)| SetResponseHeaderLayer::if_not_present(name, value)).collect()
}

/// Middleware: a response to a request that carries credentials (a session
/// cookie or a bearer token) is personal, so no cache — the browser's
/// back-forward cache after sign-out, or a shared proxy — may keep it, unless
/// the handler chose a caching policy itself (public media does).
pub async fn no_store_when_signed_in(request: Request, next: Next) -> Response {
    let personal = request.headers().contains_key(header::AUTHORIZATION)
        || CookieJar::from_headers(request.headers()).get(SESSION_COOKIE).is_some();
    let mut response = next.run(request).await;
    if personal && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
