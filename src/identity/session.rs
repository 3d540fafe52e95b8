//! Server-side sessions and the extractors that read them.
//!
//! The cookie holds a random token; the database holds only its SHA-256, so
//! a copy of the database opens no session. Sign-in always makes a new
//! token (no fixation) and rotates the CSRF cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

use super::domain::Role;
use super::repo::{self, ArtistRow, TokenTable, UserRow};
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::AppError;
use crate::web::csrf::{csrf_cookie, random_token};

pub const SESSION_COOKIE: &str = "boptone_session";

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cookies that start a session for `token`, with a fresh CSRF cookie.
pub fn session_cookies(state: &AppState, jar: CookieJar, token: String) -> CookieJar {
    let secure = state.config.server.public_url.scheme() == "https";
    let max_age = time_days(state.config.accounts.session_days);
    let session = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(max_age)
        .build();
    jar.add(session).add(csrf_cookie(random_token(), secure))
}

pub fn clear_session_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/").build())
}

fn time_days(days: u64) -> cookie::time::Duration {
    cookie::time::Duration::days(i64::try_from(days).unwrap_or(30))
}

/// The session token from the request's cookies, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// The app surface (`/api/`) authenticates by bearer token only and the
/// browser surface by session cookie only: a cookie never authorises an API
/// call, which is what lets the API skip CSRF checks.
async fn load_user(parts: &Parts, state: &AppState) -> Result<Option<UserRow>, AppError> {
    if parts.uri.path().starts_with("/api/") {
        let Some(token) = bearer_token(parts) else { return Ok(None) };
        let hash = hash_token(&token);
        return state.db.read(move |c| repo::find_token_user(c, TokenTable::ApiTokens, &hash, now_ms())).await;
    }
    let Some(token) = session_token(parts) else { return Ok(None) };
    let hash = hash_token(&token);
    state.db.read(move |c| repo::find_token_user(c, TokenTable::Sessions, &hash, now_ms())).await
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The signed-in user, if any.
pub struct MaybeUser(pub Option<UserRow>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<UserRow>() {
            return Ok(MaybeUser(Some(user.clone())));
        }
        let user = load_user(parts, state).await?;
        if let Some(user) = &user {
            parts.extensions.insert(user.clone());
        }
        Ok(MaybeUser(user))
    }
}

/// The signed-in user; without one, browsers are sent to `/login`.
pub struct CurrentUser(pub UserRow);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        MaybeUser::from_request_parts(parts, state).await?.0.map(CurrentUser).ok_or(AppError::Unauthorized)
    }
}

/// The signed-in artist and their profile: the only way a handler reaches
/// artist-owned data, so the artist is always the one from the session.
#[derive(Debug, Clone)]
pub struct ArtistScope {
    pub user: UserRow,
    pub artist: ArtistRow,
}

impl FromRequestParts<AppState> for ArtistScope {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role != Role::Artist {
            return Err(AppError::Forbidden("This page is for artists.".into()));
        }
        let user_id = user.id;
        let artist = state.db.read(move |c| repo::find_artist_by_user(c, user_id)).await?;
        let artist = artist.ok_or_else(|| AppError::Forbidden("This account has no artist profile.".into()))?;
        Ok(ArtistScope { user, artist })
    }
}

/// The label's admin.
pub struct AdminUser(pub UserRow);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            return Err(AppError::Forbidden("This page is for the label's admins.".into()));
        }
        Ok(AdminUser(user))
    }
}
