//! One's own account: the name others see, the password, an export of
//! everything the platform holds about you (JSON), and deleting the
//! account. A new password ends every session and app token of the
//! account (the caller gets a fresh one); deleting removes the personal
//! data, keeps what others need (comments read "Deleted account", money
//! records stay for the books) and tells the other pillars through
//! `account.deleted`.

use crate::db::CachedSql;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::domain::{DisplayName, Password, Role};
use super::repo;
use crate::app::AppState;
use crate::auth::repo as auth_repo;
use crate::auth::{TokenTable, hash_token};
use crate::core::ids::UserId;
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::events::{PlatformEvent, emit};
use crate::web::csrf::random_token;

/// An account was deleted: other pillars remove what they hold of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountDeleted {
    pub user_id: i64,
    pub at: i64,
}

impl PlatformEvent for AccountDeleted {
    const TYPE: &'static str = "account.deleted";
}

/// Rows of each kind an export holds at most.
const EXPORT_ROWS: i64 = 50_000;

pub async fn rename(state: &AppState, user: UserId, raw: &str) -> AppResult<DisplayName> {
    let name = DisplayName::parse(raw).map_err(|e| AppError::invalid("display_name", e))?;
    let stored = name.clone();
    state
        .db
        .write(move |tx| {
            tx.execute_cached(
                "UPDATE users SET display_name = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![user, stored.as_str()],
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(name)
}

async fn check_password(state: &AppState, user: UserId, password: String) -> AppResult<()> {
    let hash = state.db.read(move |c| repo::find_user_by_id(c, user)).await?.map(|u| u.password_hash);
    if hash.is_none() {
        return Err(AppError::Unauthorized);
    }
    if !super::state(state).hashing.verify(password, hash).await? {
        return Err(AppError::invalid("current_password", "That is not your current password."));
    }
    Ok(())
}

/// Which credential to hand back after a password change.
#[derive(Debug, Clone, Copy)]
pub enum Fresh {
    Session,
    ApiToken,
}

/// Sets a new password after checking the current one. Every session, app
/// token and reset link of the account ends; returns a fresh credential of
/// the kind asked for, so the one who changed it stays signed in here.
pub async fn change_password(
    state: &AppState,
    user: UserId,
    current: String,
    new: &str,
    fresh: Fresh,
) -> AppResult<String> {
    let new = Password::parse(new).map_err(|e| AppError::invalid("new_password", e))?;
    check_password(state, user, current).await?;
    let hash = super::state(state).hashing.hash(new).await?;
    let token = random_token();
    let (token_hash, days) = (hash_token(&token), super::state(state).config.accounts.session_days);
    state
        .db
        .write::<_, AppError, _>(move |tx| {
            let now = now_ms();
            repo::update_password_hash(tx, user, &hash)?;
            auth_repo::delete_tokens_for_user(tx, TokenTable::Sessions, user)?;
            auth_repo::delete_tokens_for_user(tx, TokenTable::ApiTokens, user)?;
            repo::revoke_password_resets_for_user(tx, user, now)?;
            let (table, expires) = match fresh {
                Fresh::Session => (TokenTable::Sessions, now + super::service::days_ms(days)),
                Fresh::ApiToken => {
                    (TokenTable::ApiTokens, now + super::service::days_ms(super::service::API_TOKEN_DAYS))
                }
            };
            auth_repo::insert_token(tx, table, &token_hash, user, now, expires)?;
            Ok(())
        })
        .await?;
    Ok(token)
}

fn rows(conn: &Connection, sql: &str, user: UserId, columns: &[&str]) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mapped = stmt.query_map(params![user, EXPORT_ROWS], |r| {
        let mut object = serde_json::Map::new();
        for (i, name) in columns.iter().enumerate() {
            let value = match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => json!(n),
                rusqlite::types::ValueRef::Real(x) => json!(x),
                rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                rusqlite::types::ValueRef::Blob(_) => Value::Null,
            };
            object.insert((*name).to_owned(), value);
        }
        Ok(Value::Object(object))
    })?;
    mapped.collect()
}

/// Everything the platform holds about the account, as JSON.
pub fn export(conn: &Connection, user: UserId) -> rusqlite::Result<Value> {
    let account = rows(
        conn,
        "SELECT uid, email, role, display_name, created_at FROM users WHERE id = ?1 AND ?2 > 0",
        user,
        &["id", "email", "role", "display_name", "created_at"],
    )?;
    let part = |sql: &str, columns: &[&str]| rows(conn, sql, user, columns);
    Ok(json!({
        "format": "boptone-account-export/1",
        "exported_at": now_ms(),
        "account": account.into_iter().next(),
        "follows": part(
            "SELECT a.uid, coalesce(a.stage_name, ''), f.followed_at FROM fan_relationships f JOIN artist_profiles a ON a.id = f.artist_id
             WHERE f.fan_user_id = ?1 AND f.following = 1 LIMIT ?2",
            &["artist_id", "artist", "followed_at"],
        )?,
        "likes": part(
            "SELECT b.uid, l.created_at FROM bops_likes l JOIN bops_videos b ON b.id = l.bop_id WHERE l.user_id = ?1 ORDER BY l.created_at LIMIT ?2",
            &["bop_id", "liked_at"],
        )?,
        "comments": part(
            "SELECT c.uid, b.uid, c.body, c.created_at, c.edited_at, c.deleted_at FROM bops_comments c JOIN bops_videos b ON b.id = c.bop_id
             WHERE c.user_id = ?1 ORDER BY c.id LIMIT ?2",
            &["id", "bop_id", "body", "created_at", "edited_at", "deleted_at"],
        )?,
        "tips": part(
            "SELECT t.uid, b.uid, t.amount_minor, t.currency, t.status, t.message, t.created_at FROM bops_tips t JOIN bops_videos b ON b.id = t.bop_id
             WHERE t.fan_user_id = ?1 ORDER BY t.id LIMIT ?2",
            &["id", "bop_id", "amount_minor", "currency", "status", "message", "created_at"],
        )?,
        "orders": part(
            "SELECT uid, status, total_minor, currency, shipping_address, created_at FROM orders WHERE fan_user_id = ?1 ORDER BY id LIMIT ?2",
            &["id", "status", "total_minor", "currency", "shipping_address", "created_at"],
        )?,
        "views": part(
            "SELECT b.uid, v.watched_ms, v.viewed_at FROM bops_views v JOIN bops_videos b ON b.id = v.bop_id
             WHERE v.viewer_key = 'u:' || ?1 ORDER BY v.id LIMIT ?2",
            &["bop_id", "watched_ms", "viewed_at"],
        )?,
        "notifications": part(
            "SELECT kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = ?1 ORDER BY id LIMIT ?2",
            &["kind", "title", "body", "link", "created_at", "read_at"],
        )?,
    }))
}

/// Deletes a fan's account after checking the password: personal data
/// removed (email, name, password, sessions, tokens, follows), the rest
/// anonymised by the handlers of `account.deleted`. Artists are deleted by
/// the label (their releases and money stay accounted for).
pub async fn delete(state: &AppState, user: UserId, role: Role, password: String) -> AppResult<()> {
    if role != Role::Fan {
        return Err(AppError::Conflict(
            "An artist's account holds releases, money and fans: ask your label to close it.".into(),
        ));
    }
    check_password(state, user, password).await?;
    state.db.write::<_, AppError, _>(move |tx| Ok(erase(tx, user, now_ms())?)).await
}

/// The deletion itself, in the caller's transaction: one's own "delete
/// account", and the label answering an erasure request in the console.
/// Personal data goes (email, name, password, photo, sessions, tokens,
/// follows); what others need stays, anonymised by the handlers of
/// `account.deleted`.
pub fn erase(tx: &crate::db::Tx, user: UserId, now: i64) -> rusqlite::Result<()> {
    tx.execute_cached(
        "UPDATE users SET email = 'deleted-' || uid || '@deleted.invalid', display_name = 'Deleted account',
             password_hash = '', avatar_key = NULL, deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![user, now],
    )?;
    auth_repo::delete_tokens_for_user(tx, TokenTable::Sessions, user)?;
    auth_repo::delete_tokens_for_user(tx, TokenTable::ApiTokens, user)?;
    repo::revoke_password_resets_for_user(tx, user, now)?;
    // Where and with what one signed in is personal data too.
    tx.execute_cached("DELETE FROM sign_ins WHERE user_id = ?1", [user])?;
    let followed: Vec<(i64, String, i64)> = tx
        .prepare_cached(
            "SELECT f.artist_id, a.uid, coalesce(f.followed_at, 0) FROM fan_relationships f JOIN artist_profiles a ON a.id = f.artist_id
             WHERE f.fan_user_id = ?1 AND f.following = 1",
        )?
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (artist, artist_uid, followed_at) in followed {
        repo::set_following(tx, user, crate::core::ids::ArtistId(artist), false, now)?;
        let follow = super::events::FanFollowed { fan_user_id: user.0, artist_id: artist, artist_uid, followed_at };
        emit(tx, &super::events::FanUnfollowed(follow))?;
    }
    emit(tx, &AccountDeleted { user_id: user.0, at: now })?;
    Ok(())
}
