//! Security headers on every response.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

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
    let fixed: [(HeaderName, HeaderValue); 4] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    fixed.into_iter().map(|(name, value)| SetResponseHeaderLayer::if_not_present(name, value)).collect()
}
