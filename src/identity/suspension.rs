//! The label suspends an account, with a reason the person is shown
//! (issue 15: roster, moderation, people). An artist stays able to sign in
//! and read why, but the revenue gate refuses every revenue action and fans
//! no longer see their work; any other account is disabled: signed out
//! everywhere and refused at sign-in. Callers record the audit row in the
//! same transaction.

use rusqlite::{OptionalExtension, params};

use super::events::ArtistSuspensionChanged;
use crate::auth::TokenTable;
use crate::auth::repo as auth_repo;
use crate::core::ids::UserId;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::events::emit;
use crate::notify::queue_mail;

/// The longest reason kept; the form says so.
pub const MAX_REASON: usize = 1000;

/// Checks a reason the label typed: required, bounded, no control
/// characters but newlines.
pub fn parse_reason(raw: &str) -> AppResult<String> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "Say why: the person is shown this reason."));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid("reason", format!("Keep the reason under {MAX_REASON} characters.")));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(AppError::invalid("reason", "The reason contains characters that cannot be shown."));
    }
    Ok(reason.to_owned())
}

struct Account {
    email: String,
    suspended: bool,
    artist: Option<(i64, String)>,
}

fn account(tx: &Tx, user: UserId) -> rusqlite::Result<Option<Account>> {
    tx.prepare_cached(
        // An artist's suspension is held on the profile too (the revenue
        // gate and every pillar read it there); either counts.
        "SELECT u.email, u.suspended_at IS NOT NULL OR a.suspended_at IS NOT NULL, a.id, a.uid FROM users u
         LEFT JOIN artist_profiles a ON a.user_id = u.id AND a.deleted_at IS NULL
         WHERE u.id = ?1 AND u.deleted_at IS NULL",
    )?
    .query_row([user.0], |r| {
        let artist: Option<i64> = r.get(2)?;
        Ok(Account { email: r.get(0)?, suspended: r.get(1)?, artist: artist.zip(r.get::<_, Option<String>>(3)?) })
    })
    .optional()
}

/// Suspends `user` for `reason` (already checked with [`parse_reason`]).
/// Suspending a suspended account only updates the reason.
pub fn suspend(tx: &Tx, user: UserId, reason: &str, now: i64) -> AppResult<()> {
    let account = account(tx, user)?.ok_or(AppError::NotFound)?;
    tx.prepare_cached(
        "UPDATE users SET suspended_at = COALESCE(suspended_at, ?2), suspended_reason = ?3 WHERE id = ?1",
    )?
    .execute(params![user.0, now, reason])?;
    match &account.artist {
        Some((artist_id, artist_uid)) => {
            tx.prepare_cached("UPDATE artist_profiles SET suspended_at = COALESCE(suspended_at, ?2) WHERE id = ?1")?
                .execute(params![artist_id, now])?;
            if !account.suspended {
                emit(
                    tx,
                    &ArtistSuspensionChanged { artist_id: *artist_id, artist_uid: artist_uid.clone(), suspended: true },
                )?;
            }
        }
        None => {
            auth_repo::delete_tokens_for_user(tx, TokenTable::Sessions, user)?;
            auth_repo::delete_tokens_for_user(tx, TokenTable::ApiTokens, user)?;
        }
    }
    let what = if account.artist.is_some() {
        "Your artist account is suspended: fans cannot see your work and you cannot earn through it until the label reinstates you. You can still sign in to read this and download your data."
    } else {
        "Your account is disabled: you cannot sign in until the label enables it again."
    };
    queue_mail(
        tx,
        &account.email,
        "Your account was suspended",
        &format!("{what}\n\nThe label's reason:\n{reason}\n"),
    )?;
    Ok(())
}

/// Lifts a suspension; a no-op (and no email) for an account that is not suspended.
pub fn reinstate(tx: &Tx, user: UserId, _now: i64) -> AppResult<bool> {
    let account = account(tx, user)?.ok_or(AppError::NotFound)?;
    if !account.suspended {
        return Ok(false);
    }
    tx.prepare_cached("UPDATE users SET suspended_at = NULL, suspended_reason = NULL WHERE id = ?1")?
        .execute([user.0])?;
    if let Some((artist_id, artist_uid)) = &account.artist {
        tx.prepare_cached("UPDATE artist_profiles SET suspended_at = NULL WHERE id = ?1")?.execute([artist_id])?;
        emit(tx, &ArtistSuspensionChanged { artist_id: *artist_id, artist_uid: artist_uid.clone(), suspended: false })?;
    }
    queue_mail(
        tx,
        &account.email,
        "Your account was reinstated",
        "The label lifted the suspension of your account. Welcome back.\n",
    )?;
    Ok(true)
}

/// Why a disabled account may not sign in, if it is disabled. Artists are
/// never refused here: they sign in to read why (the revenue gate holds).
pub fn sign_in_refusal(conn: &rusqlite::Connection, user: UserId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT COALESCE(suspended_reason, '') FROM users WHERE id = ?1 AND suspended_at IS NOT NULL AND role <> 'artist'",
    )?
    .query_row([user.0], |r| r.get(0))
    .optional()
}
