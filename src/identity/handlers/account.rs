//! `/account`: one's name, password, data export and deletion, on the web.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::{SessionUser, clear_session_cookie, session_cookies};
use crate::error::{AppError, AppResult};
use crate::identity::account::{self, Fresh};
use crate::identity::domain::Role;
use crate::web::page::Page;

#[derive(Serialize, Default)]
struct AccountView {
    title: &'static str,
    email: String,
    display_name: String,
    avatar_url: Option<String>,
    is_fan: bool,
    notice: Option<&'static str>,
    errors: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    saved: Option<String>,
}

fn view(user: &crate::auth::AuthUser, notice: Option<&'static str>) -> AccountView {
    AccountView {
        title: "Your account",
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        avatar_url: None,
        is_fan: user.role == Role::Fan,
        notice,
        errors: Default::default(),
    }
}

pub async fn show_account(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Query(query): Query<AccountQuery>,
) -> AppResult<Response> {
    let notice = match query.saved.as_deref() {
        Some("name") => Some("Your name is saved."),
        Some("password") => Some("Your password is changed. Every other device was signed out."),
        Some("avatar") => Some("Your photo is saved."),
        Some("avatar-removed") => Some("Your photo is removed."),
        _ => None,
    };
    let mut shown = view(&user, notice);
    shown.avatar_url = crate::identity::avatar::avatar_url(&state, user.id).await?;
    Ok(page.render(&state, "identity/account.html", shown)?.into_response())
}

/// A form that failed: the page again with the reasons, and 422.
fn refused(state: &AppState, page: &Page, user: &crate::auth::AuthUser, err: AppError) -> AppResult<Response> {
    let AppError::Invalid { fields, message } = err else { return Err(err) };
    let mut shown = view(user, None);
    shown.errors = fields.into_iter().collect();
    if shown.errors.is_empty() {
        shown.errors.insert("form".into(), message);
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(state, "identity/account.html", shown)?).into_response())
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    display_name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    Form(form): Form<NameForm>,
) -> AppResult<Response> {
    match account::rename(&state, user.id, &form.display_name).await {
        Ok(_) => Ok(Redirect::to("/account?saved=name").into_response()),
        Err(err) => refused(&state, &page, &user, err),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    SessionUser(user): SessionUser,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    match account::change_password(&state, user.id, form.current_password, &form.new_password, Fresh::Session).await {
        Ok(token) => {
            let days = crate::identity::state(&state).config.accounts.session_days;
            Ok((session_cookies(&state, jar, token, days), Redirect::to("/account?saved=password")).into_response())
        }
        Err(err) => refused(&state, &page, &user, err),
    }
}

/// `GET /account/export`: everything held about the account, as a JSON file.
pub async fn export(State(state): State<AppState>, SessionUser(user): SessionUser) -> AppResult<Response> {
    let id = user.id;
    let data = state.db.read(move |c| account::export(c, id)).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"boptone-account.json\"".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    SessionUser(user): SessionUser,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    if form.confirm.trim() != "DELETE" {
        return refused(&state, &page, &user, AppError::invalid("confirm", "Type DELETE to confirm."));
    }
    match account::delete(&state, user.id, user.role, form.password).await {
        Ok(()) => Ok((clear_session_cookie(jar), Redirect::to("/?deleted=1")).into_response()),
        Err(err) => refused(&state, &page, &user, err),
    }
}

#[derive(Serialize)]
struct VerifiedView {
    title: &'static str,
    verified: bool,
}

/// `GET /verify-email/{token}`: the emailed link of an app signup.
pub async fn verify_email(
    State(state): State<AppState>,
    page: Page,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> AppResult<Response> {
    let now = crate::db::now_ms();
    let verified = state
        .db
        .write(move |tx| Ok::<_, AppError>(crate::identity::app_signup::verify_email(tx, &token, now)?))
        .await?;
    let view = VerifiedView { title: "Confirm your email", verified };
    let status = if verified { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok((status, page.render(&state, "identity/email_verified.html", view)?).into_response())
}

/// The avatar form: one image field, sent as multipart (the CSRF token
/// rides in the query, as on the setup form).
pub async fn set_avatar(
    State(state): State<AppState>,
    page: Page,
    SessionUser(user): SessionUser,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let mut image = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("avatar") {
            image = Some(field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?);
        }
    }
    let Some(image) = image.filter(|i| !i.is_empty()) else {
        return refused(&state, &page, &user, AppError::invalid("avatar", "Choose a photo to upload."));
    };
    match crate::identity::avatar::set_avatar(&state, user.id, image).await {
        Ok(_) => Ok(Redirect::to("/account?saved=avatar").into_response()),
        Err(err @ AppError::Invalid { .. }) => refused(&state, &page, &user, err),
        Err(err) => Err(err),
    }
}

pub async fn remove_avatar(State(state): State<AppState>, SessionUser(user): SessionUser) -> AppResult<Response> {
    crate::identity::avatar::remove_avatar(&state, user.id).await?;
    Ok(Redirect::to("/account?saved=avatar-removed").into_response())
}
