//! Sign in, sign out, password reset.

use crate::web::client_ip::ClientIp;
use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use super::safe_next;
use crate::app::AppState;
use crate::auth::{MaybeUser, SESSION_COOKIE, clear_session_cookie, session_cookies};
use crate::error::{AppError, AppResult};
use crate::identity::domain::{NextPath, Role};
use crate::identity::service;
use crate::web::page::Page;

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    reset: Option<String>,
}

#[derive(Serialize, Default)]
struct LoginView {
    title: &'static str,
    email: String,
    next: Option<NextPath>,
    notice: Option<&'static str>,
    errors: BTreeMap<String, String>,
}

pub async fn show_login(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    let notice = query.reset.is_some().then_some("Your password was changed. Sign in with the new one.");
    let view = LoginView { title: "Sign in", next: safe_next(query.next.as_deref()), notice, ..LoginView::default() };
    Ok(page.render(&state, "identity/login.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    from: crate::identity::sign_ins::SignInFrom,
    page: Page,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let device = crate::identity::state(&state).devices.known(&jar, &form.email);
    if let Err(retry_after_secs) = crate::identity::state(&state).login_limits.check(ip, &form.email, device.as_ref()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let next = safe_next(form.next.as_deref());
    match service::login(&state, &form.email, form.password, &from).await {
        Ok((user, token)) => {
            let target = next.map_or_else(|| home_for(user.role).to_owned(), |n| n.as_str().to_owned());
            let jar = known_device(&state, jar, &user.email);
            Ok((
                session_cookies(&state, jar, token, crate::identity::state(&state).config.accounts.session_days),
                Redirect::to(&target),
            )
                .into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let view = LoginView { title: "Sign in", email: form.email, next, errors: fields, notice: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "identity/login.html", view)?).into_response())
        }
        Err(other) => Err(other),
    }
}

/// Marks this browser as a known device of `email` (its own sign-in budget).
pub fn known_device(state: &AppState, jar: CookieJar, email: &str) -> CookieJar {
    let secure = state.config.server.public_url.scheme() == "https";
    jar.add(crate::identity::state(state).devices.cookie(email, secure))
}

pub fn home_for(role: Role) -> &'static str {
    match role {
        Role::Artist => "/dashboard",
        Role::Admin => "/admin",
        Role::Fan => "/app",
    }
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> AppResult<Response> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        service::logout(&state, &token).await?;
    }
    Ok((clear_session_cookie(jar), Redirect::to("/")).into_response())
}

#[derive(Serialize, Default)]
struct ForgotView {
    title: &'static str,
    email: String,
    sent: bool,
    /// The signed-in account's address: the page offers to send the link there.
    signed_in_as: Option<String>,
    errors: BTreeMap<String, String>,
}

pub async fn show_forgot_password(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
) -> AppResult<Response> {
    let signed_in_as = user.map(|u| u.email);
    let view = ForgotView {
        title: "Reset your password",
        email: signed_in_as.clone().unwrap_or_default(),
        signed_in_as,
        ..ForgotView::default()
    };
    Ok(page.render(&state, "identity/forgot_password.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: Page,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let title = "Reset your password";
    if let Err(retry_after_secs) = crate::identity::state(&state).account_limits.check_ip(ip) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    match service::request_password_reset(&state, &form.email).await {
        Ok(()) => Ok(page
            .render(&state, "identity/forgot_password.html", ForgotView { title, sent: true, ..Default::default() })?
            .into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let view = ForgotView { title, email: form.email, errors: fields, ..Default::default() };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "identity/forgot_password.html", view)?)
                .into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Serialize, Default)]
struct ResetView {
    title: &'static str,
    valid: bool,
    errors: BTreeMap<String, String>,
}

pub async fn show_reset_password(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid = service::reset_link_is_valid(&state, &token).await?;
    let status = if valid { StatusCode::OK } else { StatusCode::GONE };
    let view = ResetView { title: "Choose a new password", valid, ..ResetView::default() };
    Ok((status, page.render(&state, "identity/reset_password.html", view)?).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    page: Page,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    if let Err(retry_after_secs) = crate::identity::state(&state).account_limits.check_ip(ip) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    match service::reset_password(&state, &token, &form.password).await {
        Ok(()) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let view = ResetView { title: "Choose a new password", valid: true, errors: fields };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "identity/reset_password.html", view)?)
                .into_response())
        }
        Err(other) => Err(other),
    }
}

/// `POST /account/app-token` (session + CSRF): a bearer token for the fan
/// web app, so a browser signed in on the web is signed in in `/app` too.
pub async fn issue_app_token(
    State(state): State<AppState>,
    crate::auth::SessionUser(user): crate::auth::SessionUser,
) -> AppResult<axum::Json<serde_json::Value>> {
    let token = service::token_for(&state, user.id).await?;
    Ok(axum::Json(serde_json::json!({ "token": token })))
}
