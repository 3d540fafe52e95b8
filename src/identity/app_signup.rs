//! Signing up from the app (`POST /api/v1/accounts`): the fan's account is
//! made at once and answered with a bearer token, and a link to confirm the
//! address is emailed. An address that already has an account gets the
//! same answer — a token that opens nothing — and its owner an email
//! saying someone tried: the answer, its timing (one hash, one email, one
//! write) and its shape tell nobody whether the address is known.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::domain::{DisplayName, Email, Password, Role};
use super::repo::{self, NewUser};
use crate::app::AppState;
use crate::auth::repo as auth_repo;
use crate::auth::{TokenTable, hash_token};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::notify::queue_mail;
use crate::web::csrf::random_token;

/// How long the confirmation link works.
const VERIFY_HOURS: i64 = 72;

fn parse(email: &str, password: &str, name: &str) -> AppResult<(Email, Password, DisplayName)> {
    let mut fields = std::collections::BTreeMap::new();
    let email = Email::parse(email).map_err(|e| fields.insert("email".into(), e.into())).ok();
    let password = Password::parse(password).map_err(|e| fields.insert("password".into(), e.into())).ok();
    let name = DisplayName::parse_or_generate(name).map_err(|e| fields.insert("display_name".into(), e.into())).ok();
    match (email, password, name) {
        (Some(e), Some(p), Some(n)) => Ok((e, p, n)),
        _ => Err(AppError::Invalid { message: "Please fix the highlighted fields.".into(), fields }),
    }
}

/// Makes a fan's account (or, for a known address, pretends to) and
/// returns a bearer token.
pub async fn create_app_account(
    state: &AppState,
    email: &str,
    password: &str,
    name: &str,
    from: &super::sign_ins::SignInFrom,
) -> AppResult<String> {
    super::joining::admit(state, super::domain::Role::Fan, email, None).await?;
    let (email, password, name) = parse(email, password, name)?;
    if let Err(retry_after_secs) = super::state(state).account_limits.check_address(email.as_str()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let hash = super::state(state).hashing.hash(password).await?;
    let (token, link) = (random_token(), random_token());
    let (token_hash, link_hash) = (hash_token(&token), hash_token(&link));
    let base = state.views.globals().public_url.clone();
    let label = state.views.brand().name.clone();
    let expires_in = super::service::days_ms(super::service::API_TOKEN_DAYS);
    let from = from.clone();
    state
        .db
        .write(move |tx| {
            let now = now_ms();
            if repo::email_taken(tx, email.as_str())? {
                let body = format!(
                    "Someone (maybe you) tried to create a {label} account in the app with this address, which already has one.\n\n\
                     Sign in: {base}/login\nForgot your password? {base}/forgot-password\n\n\
                     If it was not you, ignore this email: nothing was changed.\n"
                );
                queue_mail(tx, email.as_str(), "Someone tried to sign up with your email", &body)?;
                return Ok::<_, AppError>(());
            }
            let new =
                NewUser { email: email.as_str(), password_hash: &hash, role: Role::Fan, display_name: name.as_str() };
            let user = repo::insert_user(tx, &new, now)?;
            tx.execute_cached("UPDATE users SET email_verified_at = NULL WHERE id = ?1", [user])?;
            auth_repo::insert_token(tx, TokenTable::ApiTokens, &token_hash, user, now, now + expires_in)?;
            super::sign_ins::record(tx, user, &from, super::sign_ins::Surface::Api, true, now)?;
            tx.execute_cached(
                "INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![link_hash, user, now + VERIFY_HOURS * 3_600_000],
            )?;
            let body = format!(
                "Welcome to {label}! Confirm this address (the link works for {VERIFY_HOURS} hours):\n{base}/verify-email/{link}\n\n\
                 If it was not you, ignore this email.\n"
            );
            queue_mail(tx, email.as_str(), &format!("Confirm your email for {label}"), &body)?;
            Ok(())
        })
        .await?;
    Ok(token)
}

/// Confirms the address of the link's account; false when the link is
/// unknown, used or expired.
pub fn verify_email(conn: &Connection, link: &str, now: i64) -> rusqlite::Result<bool> {
    let user: Option<i64> = conn
        .prepare_cached(
            "UPDATE email_verifications SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING user_id",
        )?
        .query_row(params![hash_token(link), now], |r| r.get(0))
        .optional()?;
    let Some(user) = user else { return Ok(false) };
    conn.execute_cached(
        "UPDATE users SET email_verified_at = ?2 WHERE id = ?1 AND email_verified_at IS NULL AND deleted_at IS NULL",
        params![user, now],
    )?;
    Ok(true)
}
