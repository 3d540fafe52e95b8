//! Session cookies and token hashing. The cookie holds a random token; the
//! database holds only its SHA-256, so a copy of the database opens no
//! session. Sign-in always makes a new token (no fixation) and rotates the
//! CSRF cookie.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::web::csrf::{csrf_cookie, random_token};

pub const SESSION_COOKIE: &str = "boptone_session";

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cookies that start a session for `token`, lasting `days`, with a fresh
/// CSRF cookie.
pub fn session_cookies(state: &AppState, jar: CookieJar, token: String, days: u64) -> CookieJar {
    let secure = state.config.server.public_url.scheme() == "https";
    let session = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::days(i64::try_from(days).unwrap_or(30)))
        .build();
    jar.add(session).add(csrf_cookie(random_token(), secure))
}

pub fn clear_session_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/").build())
}
