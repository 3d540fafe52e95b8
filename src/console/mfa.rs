//! The admins' second factor: enrolment (a QR code to scan, then a first
//! code, then recovery codes shown once), the code asked at every console
//! sign-in, and the fresh code destructive actions ask for.

use crate::db::CachedSql;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::audit::{self, Actor, Entry};
use super::totp;
use crate::app::AppState;
use crate::auth::{AuthUser, SessionFactors, admin_session, hash_token};
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/mfa", get(show).post(submit))
        .route("/admin/security", get(show_security))
        .route("/admin/security/recovery-codes", post(new_recovery_codes))
}

struct Enrolment {
    secret: String,
    confirmed: bool,
    last_step: u64,
}

fn find(conn: &Connection, user: UserId) -> rusqlite::Result<Option<Enrolment>> {
    conn.prepare_cached("SELECT secret, confirmed_at IS NOT NULL, last_step FROM admin_totp WHERE user_id = ?1")?
        .query_row([user.0], |r| {
            Ok(Enrolment { secret: r.get(0)?, confirmed: r.get(1)?, last_step: r.get::<_, i64>(2)? as u64 })
        })
        .optional()
}

fn replace_recovery_codes(conn: &Connection, user: UserId) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("DELETE FROM admin_recovery_codes WHERE user_id = ?1")?.execute([user.0])?;
    let codes = totp::new_recovery_codes();
    let mut insert = conn.prepare_cached("INSERT INTO admin_recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for code in &codes {
        insert.execute(params![user.0, hash_token(&totp::normalise_recovery(code))])?;
    }
    Ok(codes)
}

fn recovery_codes_left(conn: &Connection, user: UserId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM admin_recovery_codes WHERE user_id = ?1 AND used_at IS NULL")?
        .query_row([user.0], |r| r.get(0))
}

/// An admin's session before or after its second factor (the pages here
/// are the one place a session without it may reach).
struct Pending {
    user: AuthUser,
    factors: SessionFactors,
}

impl FromRequestParts<AppState> for Pending {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, factors) = admin_session(parts, state).await?;
        Ok(Pending { user, factors })
    }
}

fn actor(user: &AuthUser) -> Actor {
    Actor { user_id: Some(user.id), name: user.email.clone() }
}

fn take_try(app: &AppState, user: UserId) -> AppResult<()> {
    crate::identity::limits::take(&super::state(app).code_tries, &user)
        .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })
}

#[derive(Serialize, Default)]
struct MfaView {
    title: &'static str,
    enrolling: bool,
    qr_svg: String,
    secret: String,
    errors: std::collections::BTreeMap<String, String>,
    recovery_codes: Vec<String>,
}

async fn show(State(app): State<AppState>, page: Page, pending: Pending) -> AppResult<Response> {
    if pending.factors.mfa_at.is_some() {
        return Ok(Redirect::to("/admin").into_response());
    }
    let view = view_for(&app, &pending.user, Default::default()).await?;
    Ok(page.render(&app, "console/mfa.html", view)?.into_response())
}

/// The enrolment view (a pending secret is kept until confirmed, so a
/// reload shows the same QR code) or the sign-in code view.
async fn view_for(
    app: &AppState,
    user: &AuthUser,
    errors: std::collections::BTreeMap<String, String>,
) -> AppResult<MfaView> {
    let id = user.id;
    let enrolment = app
        .db
        .write(move |tx| {
            if let Some(found) = find(tx, id)? {
                return Ok::<_, AppError>(found);
            }
            let secret = totp::new_secret();
            tx.prepare_cached("INSERT INTO admin_totp (user_id, secret, created_at) VALUES (?1, ?2, ?3)")?
                .execute(params![id.0, secret, now_ms()])?;
            Ok(Enrolment { secret, confirmed: false, last_step: 0 })
        })
        .await?;
    if enrolment.confirmed {
        return Ok(MfaView { title: "Your authenticator code", errors, ..MfaView::default() });
    }
    let issuer = format!("Boptone {}", app.config.server.public_url.host_str().unwrap_or_default());
    let url = totp::otpauth_url(&enrolment.secret, &issuer, &user.email)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unreadable TOTP secret")))?;
    Ok(MfaView {
        title: "Set up your authenticator",
        enrolling: true,
        qr_svg: crate::web::qr::svg(&url)?,
        secret: enrolment.secret,
        errors,
        ..MfaView::default()
    })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery: String,
}

enum Outcome {
    Enrolled(Vec<String>),
    SignedIn,
    Wrong(&'static str, &'static str),
}

async fn submit(
    State(app): State<AppState>,
    page: Page,
    pending: Pending,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    if pending.factors.mfa_at.is_some() {
        return Ok(Redirect::to("/admin").into_response());
    }
    take_try(&app, pending.user.id)?;
    let (user, token_hash) = (pending.user.clone(), pending.factors.token_hash.clone());
    let at = app.clock.now_ms();
    let outcome = app
        .db
        .write::<_, AppError, _>(move |tx| {
            let enrolment = find(tx, user.id)?.ok_or(AppError::BadRequest("Reload the page to start again.".into()))?;
            let recovery = totp::normalise_recovery(&form.recovery);
            let outcome = if enrolment.confirmed && !recovery.is_empty() {
                let used = tx
                    .prepare_cached("UPDATE admin_recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL")?
                    .execute(params![user.id.0, hash_token(&recovery), at])?;
                if used == 0 {
                    return Ok(Outcome::Wrong("recovery", "That recovery code is not valid or was used already."));
                }
                audit::record(tx, &actor(&user), entry("admin.recovery_code_used", &user), at)?;
                Outcome::SignedIn
            } else {
                let unix = (now_ms() / 1000) as u64;
                let Some(step) = totp::matching_step(&enrolment.secret, &form.code, unix, enrolment.last_step) else {
                    return Ok(Outcome::Wrong("code", "That code is not right. Enter the six digits your app shows now."));
                };
                tx.prepare_cached("UPDATE admin_totp SET last_step = ?2, confirmed_at = COALESCE(confirmed_at, ?3) WHERE user_id = ?1")?
                    .execute(params![user.id.0, step as i64, at])?;
                if enrolment.confirmed {
                    audit::record(tx, &actor(&user), entry("admin.sign_in", &user), at)?;
                    Outcome::SignedIn
                } else {
                    audit::record(tx, &actor(&user), entry("admin.mfa_enrol", &user), at)?;
                    Outcome::Enrolled(replace_recovery_codes(tx, user.id)?)
                }
            };
            crate::auth::repo::set_session_factor(tx, &token_hash, at)?;
            Ok(outcome)
        })
        .await?;
    match outcome {
        Outcome::SignedIn => Ok(Redirect::to("/admin").into_response()),
        Outcome::Enrolled(recovery_codes) => {
            let view = MfaView { title: "Keep your recovery codes", recovery_codes, ..MfaView::default() };
            Ok(page.render(&app, "console/mfa_recovery.html", view)?.into_response())
        }
        Outcome::Wrong(field, message) => {
            let errors = [(field.to_owned(), message.to_owned())].into();
            let view = view_for(&app, &pending.user, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&app, "console/mfa.html", view)?).into_response())
        }
    }
}

fn entry<'a>(action: &'a str, user: &'a AuthUser) -> Entry<'a> {
    Entry { action, target_kind: "user", target_uid: &user.uid, reason: None, detail: serde_json::json!({}) }
}

/// Checks a fresh code for a destructive action and marks the session
/// re-confirmed (see [`super::Admin::reauthenticate`]).
pub async fn confirm_code(app: &AppState, user: &AuthUser, token_hash: &str, code: &str) -> AppResult<()> {
    take_try(app, user.id)?;
    let (user_id, token_hash, code, at) = (user.id, token_hash.to_owned(), code.to_owned(), app.clock.now_ms());
    app.db
        .write(move |tx| {
            let enrolment = find(tx, user_id)?.filter(|e| e.confirmed).ok_or(AppError::Unauthorized)?;
            let unix = (now_ms() / 1000) as u64;
            let Some(step) = totp::matching_step(&enrolment.secret, &code, unix, enrolment.last_step) else {
                return Err(AppError::invalid(
                    "code",
                    "That code is not right. Enter the six digits your app shows now.",
                ));
            };
            tx.prepare_cached("UPDATE admin_totp SET last_step = ?2 WHERE user_id = ?1")?
                .execute(params![user_id.0, step as i64])?;
            crate::auth::repo::set_session_factor(tx, &token_hash, at)?;
            Ok(())
        })
        .await
}

#[derive(Serialize)]
struct SecurityView {
    title: &'static str,
    recovery_left: i64,
    needs_code: bool,
    errors: std::collections::BTreeMap<String, String>,
}

async fn show_security(State(app): State<AppState>, page: Page, admin: super::Admin) -> AppResult<Response> {
    let id = admin.user.id;
    let recovery_left = app.db.read(move |c| recovery_codes_left(c, id)).await?;
    let view = SecurityView {
        title: "Your sign-in security",
        recovery_left,
        needs_code: !admin.recently_confirmed(&app),
        errors: Default::default(),
    };
    Ok(page.render(&app, "console/security.html", view)?.into_response())
}

#[derive(Deserialize)]
struct ConfirmForm {
    code: Option<String>,
}

async fn new_recovery_codes(
    State(app): State<AppState>,
    page: Page,
    admin: super::Admin,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    if let Err(AppError::Invalid { fields, .. }) = admin.reauthenticate(&app, form.code.as_deref()).await {
        let id = admin.user.id;
        let recovery_left = app.db.read(move |c| recovery_codes_left(c, id)).await?;
        let view = SecurityView { title: "Your sign-in security", recovery_left, needs_code: true, errors: fields };
        return Ok(
            (StatusCode::UNPROCESSABLE_ENTITY, page.render(&app, "console/security.html", view)?).into_response()
        );
    }
    let (user, at) = (admin.user.clone(), app.clock.now_ms());
    let recovery_codes = app
        .db
        .write(move |tx| {
            let codes = replace_recovery_codes(tx, user.id)?;
            audit::record(tx, &actor(&user), entry("admin.recovery_codes_new", &user), at)?;
            Ok::<_, AppError>(codes)
        })
        .await?;
    let view = MfaView { title: "Keep your recovery codes", recovery_codes, ..MfaView::default() };
    Ok(page.render(&app, "console/mfa_recovery.html", view)?.into_response())
}

/// `boptone admin reset-mfa --email E`: an admin who lost both the
/// authenticator and the recovery codes enrols again at the next sign-in;
/// their sessions end.
pub fn reset_for_email(db: &crate::db::Db, email: &str) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    db.write_blocking(crate::db::Durability::Normal, move |tx| {
        let found: Option<(i64, String)> = tx
            .prepare_cached("SELECT id, uid FROM users WHERE email = ?1 AND role = 'admin' AND deleted_at IS NULL")?
            .query_row([&email], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (id, uid) = found.ok_or_else(|| anyhow::anyhow!("no admin with the email {email}"))?;
        tx.execute_cached("DELETE FROM admin_totp WHERE user_id = ?1", [id])?;
        tx.execute_cached("DELETE FROM admin_recovery_codes WHERE user_id = ?1", [id])?;
        crate::auth::repo::delete_tokens_for_user(tx, crate::auth::TokenTable::Sessions, UserId(id))?;
        let detail = serde_json::json!({ "email": email });
        let entry = Entry { action: "admin.mfa_reset", target_kind: "user", target_uid: &uid, reason: None, detail };
        audit::record(tx, &audit::cli_actor(), entry, now_ms())?;
        Ok(())
    })
}
