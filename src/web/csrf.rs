//! CSRF protection for every state-changing browser request.
//!
//! Each visitor carries a random `boptone_csrf` cookie; a form's token is an
//! HMAC of that cookie under a per-installation key, so a token can neither
//! be forged nor reused with another visitor's cookie. Forms send it as the
//! `csrf_token` field (urlencoded bodies) or query parameter (multipart).
//! The layer wraps the web surface's router only: the app surface (bearer
//! tokens) and webhooks (signatures) are other routers, so nothing here
//! looks at the URL to decide who is exempt.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::AppState;
use crate::error::AppError;

pub const CSRF_COOKIE: &str = "boptone_csrf";
/// Over https the cookie is `__Host-` bound: browsers accept it only when it
/// is Secure, host-only and for `/`, so a sibling subdomain cannot plant one.
pub const CSRF_COOKIE_HTTPS: &str = "__Host-boptone_csrf";

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure { CSRF_COOKIE_HTTPS } else { CSRF_COOKIE }
}
pub const CSRF_FIELD: &str = "csrf_token";

/// The token to put in this request's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub struct CsrfKey(Vec<u8>);

impl CsrfKey {
    pub fn new(secret: Vec<u8>) -> CsrfKey {
        CsrfKey(secret)
    }

    fn mac(&self, cookie: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"csrf:");
        mac.update(cookie.as_bytes());
        mac
    }

    pub fn token_for(&self, cookie: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(cookie).finalize().into_bytes())
    }

    /// Constant-time check of `token` against `cookie`.
    pub fn verify(&self, cookie: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD.decode(token).is_ok_and(|bytes| self.mac(cookie).verify_slice(&bytes).is_ok())
    }
}

pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// A fresh CSRF cookie; set at first visit and rotated at sign-in.
pub fn csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((csrf_cookie_name(secure), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// Paths that serve no forms and take no writes (probes, metrics, static
/// files, media): no token to make and no cookie to set on every response.
fn formless(path: &str) -> bool {
    matches!(path, "/healthz" | "/metrics") || path.starts_with("/assets/") || path.starts_with("/media/")
}

pub async fn protect(State(state): State<AppState>, jar: CookieJar, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if formless(path) && !is_unsafe(request.method()) {
        return next.run(request).await;
    }
    let secure = state.config.server.public_url.scheme() == "https";
    let existing = jar.get(csrf_cookie_name(secure)).map(|c| c.value().to_owned()).filter(|v| !v.is_empty());
    let cookie = existing.clone().unwrap_or_else(random_token);
    let key = &state.csrf;
    let (parts, body) = request.into_parts();
    let mut request = if is_unsafe(&parts.method) {
        let limit = usize::try_from(state.config.server.body_limit_bytes).unwrap_or(usize::MAX);
        let (submitted, body) = match submitted_token(&parts, body, limit).await {
            Ok(found) => found,
            Err(response) => return response,
        };
        let valid = existing.is_some() && submitted.is_some_and(|token| key.verify(&cookie, &token));
        if !valid {
            return AppError::Forbidden("This form has expired. Go back, reload the page and try again.".into())
                .into_response();
        }
        Request::from_parts(parts, body)
    } else {
        Request::from_parts(parts, body)
    };
    request.extensions_mut().insert(CsrfToken(key.token_for(&cookie)));
    let response = next.run(request).await;
    if existing.is_none() {
        return (jar.add(csrf_cookie(cookie, secure)), response).into_response();
    }
    response
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The token from the query string, or from an urlencoded body, which is
/// buffered (within the body limit) and handed back for the handler.
async fn submitted_token(
    parts: &axum::http::request::Parts,
    body: Body,
    limit: usize,
) -> Result<(Option<String>, Body), Response> {
    if let Some(token) = query_token(parts.uri.query().unwrap_or("")) {
        return Ok((Some(token), body));
    }
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok((None, body));
    }
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::BadRequest("The form is larger than this server accepts.".into()).into_response())?;
    let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    Ok((token, Body::from(bytes)))
}

fn query_token(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::CsrfKey;

    #[test]
    fn tokens_bind_to_the_cookie_and_the_key() {
        let key = CsrfKey::new(vec![7; 32]);
        let token = key.token_for("cookie-a");
        assert!(key.verify("cookie-a", &token));
        assert!(!key.verify("cookie-b", &token));
        assert!(!CsrfKey::new(vec![8; 32]).verify("cookie-a", &token));
        assert!(!key.verify("cookie-a", "not base64 !"));
    }
}
