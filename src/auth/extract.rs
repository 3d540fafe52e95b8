//! The extractors that name the requester. Which credential counts is
//! decided by the router a route sits in, never by its URL: the app surface
//! (nested at `/api/v1`, marked [`Surface::Api`]) reads bearer tokens only,
//! the web surface session cookies only. A cookie never authorises an API
//! call, which is what lets the app surface go without CSRF checks.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use super::repo::{self, TokenTable};
use super::tokens::{SESSION_COOKIE, hash_token};
use super::{AuthUser, Role};
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::AppError;
use crate::web::surface::Surface;

fn session_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

async fn find_user(state: &AppState, table: TokenTable, token: Option<String>) -> Result<Option<AuthUser>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let hash = hash_token(&token);
    let now = now_ms();
    // Taken before the read: see `TokenCache`.
    let generation = state.db.credentials().generation();
    let cache = state.token_caches.of(table);
    if let Some(user) = cache.and_then(|c| c.get(&hash, generation, now)) {
        return Ok(Some(user));
    }
    let key = hash.clone();
    let Some((user, expires_at)) = state.db.read_now(move |c| repo::find_token_user(c, table, &key, now)).await? else {
        return Ok(None);
    };
    if let Some(cache) = cache {
        cache.put(hash, user.clone(), expires_at, generation);
    }
    Ok(Some(user))
}

/// The user of this request's surface, cached in the request so several
/// extractors read the database once.
async fn load_user(parts: &mut Parts, state: &AppState) -> Result<Option<AuthUser>, AppError> {
    if let Some(user) = parts.extensions.get::<AuthUser>() {
        return Ok(Some(user.clone()));
    }
    let user = match Surface::of(parts) {
        Surface::Api => find_user(state, TokenTable::ApiTokens, bearer_token(parts)).await?,
        Surface::Web => find_user(state, TokenTable::Sessions, session_token(parts)).await?,
    };
    if let Some(user) = &user {
        parts.extensions.insert(user.clone());
    }
    Ok(user)
}

/// The signed-in user of either surface, if any.
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(load_user(parts, state).await?))
    }
}

/// The signed-in user of either surface; without one, 401 (browsers are
/// sent to `/login`). For handlers a capability shares between surfaces.
pub struct CurrentUser(pub AuthUser);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        load_user(parts, state).await?.map(CurrentUser).ok_or(AppError::Unauthorized)
    }
}

/// A web-studio user (session cookie). On the app surface it rejects, so a
/// studio handler mounted there by mistake answers 401 instead of
/// accepting a cookie without CSRF.
pub struct SessionUser(pub AuthUser);

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if Surface::of(parts) != Surface::Web {
            return Err(AppError::Unauthorized);
        }
        CurrentUser::from_request_parts(parts, state).await.map(|CurrentUser(user)| SessionUser(user))
    }
}

/// An app-surface user (bearer token only).
pub struct ApiUser(pub AuthUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if Surface::of(parts) != Surface::Api {
            return Err(AppError::Unauthorized);
        }
        CurrentUser::from_request_parts(parts, state).await.map(|CurrentUser(user)| ApiUser(user))
    }
}

/// The label's admin, in the web studio, signed in with both factors: a
/// session that has not given its authenticator code yet is sent to
/// `/admin/mfa` (enrolment or the code), whatever admin page it asked for.
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, factors) = admin_session(parts, state).await?;
        if factors.mfa_at.is_none() {
            return Err(AppError::Incomplete { step: "mfa", url: "/admin/mfa" });
        }
        parts.extensions.insert(factors);
        Ok(AdminUser(user))
    }
}

/// An admin session's second-factor times, as [`AdminUser`] found them.
#[derive(Debug, Clone)]
pub struct SessionFactors {
    pub token_hash: String,
    pub mfa_at: Option<i64>,
    pub reauth_at: Option<i64>,
}

/// An admin's web session, whether or not it gave its second factor yet
/// (the enrolment and code pages themselves).
pub async fn admin_session(parts: &mut Parts, state: &AppState) -> Result<(AuthUser, SessionFactors), AppError> {
    let SessionUser(user) = SessionUser::from_request_parts(parts, state).await?;
    if user.role != Role::Admin {
        return Err(AppError::Forbidden("This page is for the label's admins.".into()));
    }
    let token_hash = session_token(parts).map(|t| hash_token(&t)).ok_or(AppError::Unauthorized)?;
    let lookup = token_hash.clone();
    let (mfa_at, reauth_at) =
        state.db.read_now(move |c| repo::session_factors(c, &lookup, now_ms())).await?.ok_or(AppError::Unauthorized)?;
    Ok((user, SessionFactors { token_hash, mfa_at, reauth_at }))
}
