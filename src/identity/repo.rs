//! All SQL of the identity pillar.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::domain::{ArtistId, ProfileDraft, Role, SubscriptionStatus, UserId};

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub uid: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
}

const USER_COLUMNS: &str = "u.id, u.uid, u.email, u.password_hash, u.role, u.display_name";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: UserId(r.get(0)?),
        uid: r.get(1)?,
        email: r.get(2)?,
        password_hash: r.get(3)?,
        role: r.get(4)?,
        display_name: r.get(5)?,
    })
}

pub use crate::core::new_uid;

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
}

pub fn insert_user(conn: &Connection, user: &NewUser<'_>, now: i64) -> rusqlite::Result<UserId> {
    conn.execute_cached(
        "INSERT INTO users (uid, email, password_hash, role, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new_uid(), user.email, user.password_hash, user.role.as_str(), user.display_name, now],
    )?;
    Ok(UserId(conn.last_insert_rowid()))
}

/// Marks the user's address confirmed (they followed a link sent to it).
pub fn set_email_verified(conn: &Connection, user: UserId, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE users SET email_verified_at = ?2 WHERE id = ?1", params![user.0, now])?;
    Ok(())
}

pub fn find_user_by_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?1 AND u.deleted_at IS NULL");
    conn.query_row_cached(&sql, [email], user_row).optional()
}

pub fn find_user_by_id(conn: &Connection, id: UserId) -> rusqlite::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1 AND u.deleted_at IS NULL");
    conn.query_row_cached(&sql, [id.0], user_row).optional()
}

pub fn email_taken(conn: &Connection, email: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE email = ?1 AND deleted_at IS NULL")?.exists([email])
}

pub fn update_password_hash(conn: &Connection, user: UserId, hash: &str) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user.0, hash])?;
    Ok(())
}

/// Retires every reset link of an account that is still open.
pub fn revoke_password_resets_for_user(conn: &Connection, user: UserId, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user.0, now],
    )?;
    Ok(())
}

/// The account an unused, unexpired reset link belongs to.
pub fn find_password_reset_user(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<Option<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM password_resets t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ?1 AND t.used_at IS NULL AND t.expires_at > ?2 AND u.deleted_at IS NULL"
    );
    conn.prepare_cached(&sql)?.query_row(params![token_hash, now], user_row).optional()
}

pub struct NewSignupRequest {
    pub token_hash: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    /// An artist's plan; fans have none.
    pub tier: Option<&'static str>,
    /// The invite the artist signed up with (label.artist_signup = "invite").
    pub invite_hash: Option<String>,
}

pub fn insert_signup_request(
    conn: &Connection,
    request: &NewSignupRequest,
    now: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO signup_requests (token_hash, email, password_hash, display_name, tier, created_at, expires_at, role,
             invite_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            request.token_hash,
            request.email,
            request.password_hash,
            request.display_name,
            request.tier,
            now,
            expires_at,
            request.role.as_str(),
            request.invite_hash
        ],
    )?;
    Ok(())
}

/// Forgets signup links past their expiry (they hold password hashes of
/// addresses that never confirmed).
pub fn delete_expired_signup_requests(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute_cached("DELETE FROM signup_requests WHERE expires_at <= ?1", [now])
}

pub struct SignupRequestRow {
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub tier: Option<String>,
    pub invite_hash: Option<String>,
}

/// Marks an unused, unexpired signup link used; returns what was asked for.
pub fn consume_signup_request(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<SignupRequestRow>> {
    conn.query_row_cached(
        "UPDATE signup_requests SET used_at = ?2
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
         RETURNING email, password_hash, display_name, role, tier, invite_hash",
        params![token_hash, now],
        |r| {
            Ok(SignupRequestRow {
                email: r.get(0)?,
                password_hash: r.get(1)?,
                display_name: r.get(2)?,
                role: r.get(3)?,
                tier: r.get(4)?,
                invite_hash: r.get(5)?,
            })
        },
    )
    .optional()
}

/// The password hash of an unused, unexpired signup link.
pub fn find_signup_request_hash(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT password_hash FROM signup_requests WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
    )?
    .query_row(params![token_hash, now], |r| r.get(0))
    .optional()
}

/// Whom an unused, unexpired signup link is for (an artist or a fan).
pub fn find_signup_request_role(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<Option<Role>> {
    conn.prepare_cached(
        "SELECT role FROM signup_requests WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
    )?
    .query_row(params![token_hash, now], |r| r.get(0))
    .optional()
}

/// Marks an unused, unexpired reset token used; returns its user.
pub fn consume_password_reset(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<Option<UserId>> {
    conn.query_row_cached(
        "UPDATE password_resets SET used_at = ?2
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING user_id",
        params![token_hash, now],
        |r| Ok(UserId(r.get(0)?)),
    )
    .optional()
}

pub fn password_reset_is_valid(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM password_resets WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2")?
        .exists(params![token_hash, now])
}

pub fn insert_artist_profile(conn: &Connection, user: UserId, now: i64) -> rusqlite::Result<ArtistId> {
    conn.execute_cached(
        "INSERT INTO artist_profiles (uid, user_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![new_uid(), user.0, now],
    )?;
    Ok(ArtistId(conn.last_insert_rowid()))
}

/// Everything the gate, the dashboard and the admin list need about an artist.
#[derive(Debug, Clone)]
pub struct ArtistRow {
    pub id: ArtistId,
    pub uid: String,
    pub user_id: UserId,
    pub email: String,
    pub stage_name: Option<String>,
    pub handle: Option<String>,
    pub bio: String,
    pub location: String,
    pub genres: Vec<String>,
    pub social_links: std::collections::BTreeMap<String, String>,
    pub photo_key: Option<String>,
    pub onboarding_completed: bool,
    pub suspended: bool,
    pub tier: Option<String>,
    pub subscription_status: Option<SubscriptionStatus>,
    pub payouts_enabled: bool,
    pub charges_enabled: bool,
    pub connect_account: Option<String>,
    /// "pending", "accepted" or "declined" (label.artist_signup = "approval").
    pub application: String,
    pub application_message: String,
    /// Why the label suspended the account, shown to the artist.
    pub suspended_reason: Option<String>,
}

pub(super) const ARTIST_SELECT: &str =
    "SELECT a.id, a.uid, a.user_id, u.email, a.stage_name, a.handle, a.bio, a.location, a.genres,
        a.social_links, a.photo_key, a.onboarding_completed, a.suspended_at IS NOT NULL,
        s.tier, s.status, COALESCE(c.payouts_enabled, 0), COALESCE(c.charges_enabled, 0), c.account_ref,
        a.application, a.application_message, u.suspended_reason
     FROM artist_profiles a
     JOIN users u ON u.id = a.user_id
     LEFT JOIN subscriptions s ON s.artist_id = a.id
     LEFT JOIN stripe_connect_accounts c ON c.artist_id = a.id";

pub(super) fn artist_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArtistRow> {
    let genres: String = r.get(8)?;
    let links: String = r.get(9)?;
    let status: Option<String> = r.get(14)?;
    Ok(ArtistRow {
        id: ArtistId(r.get(0)?),
        uid: r.get(1)?,
        user_id: UserId(r.get(2)?),
        email: r.get(3)?,
        stage_name: r.get(4)?,
        handle: r.get(5)?,
        bio: r.get(6)?,
        location: r.get(7)?,
        genres: serde_json::from_str(&genres).unwrap_or_default(),
        social_links: serde_json::from_str(&links).unwrap_or_default(),
        photo_key: r.get(10)?,
        onboarding_completed: r.get(11)?,
        suspended: r.get(12)?,
        tier: r.get(13)?,
        subscription_status: status.as_deref().and_then(SubscriptionStatus::parse),
        payouts_enabled: r.get(15)?,
        charges_enabled: r.get(16)?,
        connect_account: r.get(17)?,
        application: r.get(18)?,
        application_message: r.get(19)?,
        suspended_reason: r.get(20)?,
    })
}

pub fn find_artist_by_user(conn: &Connection, user: UserId) -> rusqlite::Result<Option<ArtistRow>> {
    let sql = format!("{ARTIST_SELECT} WHERE a.user_id = ?1 AND a.deleted_at IS NULL");
    conn.prepare_cached(&sql)?.query_row([user.0], artist_row).optional()
}

/// How other pillars show an artist, in one lookup.
#[derive(Debug, Clone)]
pub struct ArtistFace {
    pub uid: String,
    pub name: String,
    pub handle: Option<String>,
    /// Not suspended: fans may see their work.
    pub visible: bool,
}

pub fn find_artist_face(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Option<ArtistFace>> {
    conn.prepare_cached(
        "SELECT uid, COALESCE(stage_name, ''), handle, suspended_at IS NULL FROM artist_profiles WHERE id = ?1",
    )?
    .query_row([artist], |r| Ok(ArtistFace { uid: r.get(0)?, name: r.get(1)?, handle: r.get(2)?, visible: r.get(3)? }))
    .optional()
}

pub fn find_artist_by_handle(conn: &Connection, handle: &str) -> rusqlite::Result<Option<ArtistRow>> {
    let sql = format!("{ARTIST_SELECT} WHERE a.handle = ?1 AND a.deleted_at IS NULL");
    conn.query_row_cached(&sql, [handle], artist_row).optional()
}

pub fn find_artist_by_id(conn: &Connection, id: ArtistId) -> rusqlite::Result<Option<ArtistRow>> {
    let sql = format!("{ARTIST_SELECT} WHERE a.id = ?1 AND a.deleted_at IS NULL");
    conn.query_row_cached(&sql, [id.0], artist_row).optional()
}

pub fn find_artist_by_uid(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ArtistRow>> {
    let sql = format!("{ARTIST_SELECT} WHERE a.uid = ?1 AND a.deleted_at IS NULL");
    conn.query_row_cached(&sql, [uid], artist_row).optional()
}

/// An artist as the label's home page shows them.
#[derive(Debug, Clone)]
pub struct ShowcaseRow {
    pub uid: String,
    pub stage_name: String,
    pub handle: String,
    pub photo_key: Option<String>,
}

/// The label's artists fans may see — onboarded, not suspended, with a
/// handle — by name, keyset-paginated after the artist `after_uid` (the
/// partial index `artist_profiles_showcase` of V040 serves it).
pub fn list_showcase_artists(
    conn: &Connection,
    after_uid: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<ShowcaseRow>> {
    conn.prepare_cached(
        "WITH after AS (SELECT stage_name AS name, id FROM artist_profiles WHERE uid = ?1)
         SELECT a.uid, a.stage_name, a.handle, a.photo_key
         FROM artist_profiles a JOIN users u ON u.id = a.user_id
         WHERE a.onboarding_completed = 1 AND a.suspended_at IS NULL AND a.deleted_at IS NULL
           AND a.stage_name IS NOT NULL AND a.handle IS NOT NULL AND u.deleted_at IS NULL
           AND (?1 IS NULL OR a.stage_name > (SELECT name FROM after) COLLATE NOCASE
                OR (a.stage_name = (SELECT name FROM after) COLLATE NOCASE AND a.id > (SELECT id FROM after)))
         ORDER BY a.stage_name COLLATE NOCASE, a.id
         LIMIT ?2",
    )?
    .query_map(params![after_uid, limit as i64], |r| {
        Ok(ShowcaseRow { uid: r.get(0)?, stage_name: r.get(1)?, handle: r.get(2)?, photo_key: r.get(3)? })
    })?
    .collect()
}

pub fn handle_taken(conn: &Connection, handle: &str, except: ArtistId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM artist_profiles WHERE handle = ?1 AND id != ?2")?
        .exists(params![handle, except.0])
}

pub fn update_profile(conn: &Connection, artist: ArtistId, draft: &ProfileDraft, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE artist_profiles SET stage_name = ?2, handle = ?3, bio = ?4, location = ?5, genres = ?6,
             social_links = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            artist.0,
            draft.stage_name,
            draft.handle.as_str(),
            draft.bio,
            draft.location,
            serde_json::to_string(&draft.genres).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&draft.social_links).unwrap_or_else(|_| "{}".into()),
            now
        ],
    )?;
    Ok(())
}

pub fn update_profile_photo(conn: &Connection, artist: ArtistId, key: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE artist_profiles SET photo_key = ?2, updated_at = ?3 WHERE id = ?1",
        params![artist.0, key, now],
    )?;
    Ok(())
}

/// Sets `onboarding_completed`; true when it changed (so the event fires once).
pub fn mark_onboarding_completed(conn: &Connection, artist: ArtistId, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE artist_profiles SET onboarding_completed = 1, updated_at = ?2 WHERE id = ?1 AND onboarding_completed = 0",
        params![artist.0, now],
    )?;
    Ok(changed == 1)
}

pub fn set_artist_suspended(conn: &Connection, artist_uid: &str, suspended_at: Option<i64>) -> rusqlite::Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE artist_profiles SET suspended_at = ?2 WHERE uid = ?1 AND deleted_at IS NULL",
        params![artist_uid, suspended_at],
    )?;
    Ok(changed == 1)
}

pub struct NewSubscription<'a> {
    pub artist: ArtistId,
    pub tier: &'a str,
    pub provider: &'a str,
    pub checkout_ref: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

pub fn insert_subscription(conn: &Connection, new: &NewSubscription<'_>, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO subscriptions (artist_id, tier, status, provider, checkout_ref, amount_minor, currency, created_at, updated_at)
         VALUES (?1, ?2, 'incomplete', ?3, ?4, ?5, ?6, ?7, ?7)",
        params![new.artist.0, new.tier, new.provider, new.checkout_ref, new.amount_minor, new.currency, now],
    )?;
    Ok(())
}

/// A checkout for `tier` at this price: what completing it activates.
pub struct NewCheckout<'a> {
    pub checkout_ref: &'a str,
    pub artist: ArtistId,
    pub tier: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

pub fn insert_checkout(conn: &Connection, new: &NewCheckout<'_>, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO subscription_checkouts (checkout_ref, artist_id, tier, amount_minor, currency, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new.checkout_ref, new.artist.0, new.tier, new.amount_minor, new.currency, now],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct CheckoutRow {
    pub artist: ArtistId,
    pub tier: String,
    pub amount_minor: i64,
    pub currency: String,
    pub completed: bool,
    pub expired: bool,
}

pub fn find_checkout(conn: &Connection, checkout_ref: &str) -> rusqlite::Result<Option<CheckoutRow>> {
    conn.query_row_cached(
        "SELECT artist_id, tier, amount_minor, currency, completed_at IS NOT NULL, expired_at IS NOT NULL
         FROM subscription_checkouts WHERE checkout_ref = ?1",
        [checkout_ref],
        |r| {
            Ok(CheckoutRow {
                artist: ArtistId(r.get(0)?),
                tier: r.get(1)?,
                amount_minor: r.get(2)?,
                currency: r.get(3)?,
                completed: r.get(4)?,
                expired: r.get(5)?,
            })
        },
    )
    .optional()
}

/// The checkouts of this artist that could still be paid.
pub fn list_open_checkouts(conn: &Connection, artist_uid: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.checkout_ref FROM subscription_checkouts k JOIN artist_profiles a ON a.id = k.artist_id
         WHERE a.uid = ?1 AND k.completed_at IS NULL AND k.expired_at IS NULL",
    )?;
    let refs = stmt.query_map([artist_uid], |r| r.get(0))?;
    refs.collect()
}

/// Every open checkout of this artist but `keep` can no longer be paid;
/// returns the checkouts closed.
pub fn expire_checkouts(conn: &Connection, artist: ArtistId, keep: &str, now: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "UPDATE subscription_checkouts SET expired_at = ?3
         WHERE artist_id = ?1 AND checkout_ref != ?2 AND completed_at IS NULL AND expired_at IS NULL
         RETURNING checkout_ref",
    )?;
    let refs = stmt.query_map(params![artist.0, keep, now], |r| r.get(0))?;
    refs.collect()
}

pub fn find_artist_uid(conn: &Connection, artist: ArtistId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT uid FROM artist_profiles WHERE id = ?1")?.query_row([artist.0], |r| r.get(0))
}

pub fn mark_checkout_completed(conn: &Connection, checkout_ref: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE subscription_checkouts SET completed_at = COALESCE(completed_at, ?2) WHERE checkout_ref = ?1",
        params![checkout_ref, now],
    )?;
    Ok(())
}

/// Points an artist's subscription at a new checkout (after a cancelled one).
pub fn restart_subscription_checkout(
    conn: &Connection,
    artist: ArtistId,
    checkout_ref: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE subscriptions SET checkout_ref = ?2, updated_at = ?3 WHERE artist_id = ?1",
        params![artist.0, checkout_ref, now],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    pub artist: ArtistId,
    pub tier: String,
    pub status: SubscriptionStatus,
    pub provider: String,
    pub checkout_ref: Option<String>,
    pub subscription_ref: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    /// When the stored status was true at the provider (unix ms).
    pub status_at: Option<i64>,
}

fn subscription_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SubscriptionRow> {
    let status: String = r.get(2)?;
    Ok(SubscriptionRow {
        artist: ArtistId(r.get(0)?),
        tier: r.get(1)?,
        status: SubscriptionStatus::parse(&status).unwrap_or(SubscriptionStatus::Incomplete),
        provider: r.get(3)?,
        checkout_ref: r.get(4)?,
        subscription_ref: r.get(5)?,
        amount_minor: r.get(6)?,
        currency: r.get(7)?,
        status_at: r.get(8)?,
    })
}

const SUBSCRIPTION_SELECT: &str = "SELECT artist_id, tier, status, provider, checkout_ref, subscription_ref, amount_minor, currency, status_at FROM subscriptions";

pub fn find_subscription_by_artist(conn: &Connection, artist: ArtistId) -> rusqlite::Result<Option<SubscriptionRow>> {
    conn.query_row_cached(&format!("{SUBSCRIPTION_SELECT} WHERE artist_id = ?1"), [artist.0], subscription_row)
        .optional()
}

pub fn find_subscription_by_ref(
    conn: &Connection,
    subscription_ref: &str,
) -> rusqlite::Result<Option<SubscriptionRow>> {
    conn.query_row_cached(
        &format!("{SUBSCRIPTION_SELECT} WHERE subscription_ref = ?1"),
        [subscription_ref],
        subscription_row,
    )
    .optional()
}

/// A status the provider reported, true since `status_at`.
pub struct StatusChange {
    pub status: SubscriptionStatus,
    pub status_at: i64,
}

pub fn update_subscription_status(
    conn: &Connection,
    artist: ArtistId,
    change: &StatusChange,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE subscriptions SET status = ?2, status_at = ?3, updated_at = ?4 WHERE artist_id = ?1",
        params![artist.0, change.status.as_str(), change.status_at, now],
    )?;
    Ok(())
}

/// The provider's customer and subscription behind a checkout, known before it is paid.
pub fn update_subscription_refs(
    conn: &Connection,
    artist: ArtistId,
    customer_ref: Option<&str>,
    subscription_ref: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE subscriptions SET customer_ref = COALESCE(?2, customer_ref),
             subscription_ref = COALESCE(?3, subscription_ref), updated_at = ?4
         WHERE artist_id = ?1",
        params![artist.0, customer_ref, subscription_ref, now],
    )?;
    Ok(())
}

/// The plan a paid checkout bought becomes the subscription's plan.
pub fn update_subscription_plan(
    conn: &Connection,
    artist: ArtistId,
    plan: &CheckoutRow,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE subscriptions SET tier = ?2, amount_minor = ?3, currency = ?4, updated_at = ?5 WHERE artist_id = ?1",
        params![artist.0, plan.tier, plan.amount_minor, plan.currency, now],
    )?;
    Ok(())
}

/// Stores the artist's connected account unless one is stored already;
/// returns the one stored.
pub fn insert_connect_account(
    conn: &Connection,
    artist: ArtistId,
    account_ref: &str,
    provider: &str,
    now: i64,
) -> rusqlite::Result<String> {
    conn.execute_cached(
        "INSERT INTO stripe_connect_accounts (artist_id, account_ref, provider, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (artist_id) DO NOTHING",
        params![artist.0, account_ref, provider, now],
    )?;
    conn.query_row_cached("SELECT account_ref FROM stripe_connect_accounts WHERE artist_id = ?1", [artist.0], |r| {
        r.get(0)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountFlags {
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub details_submitted: bool,
}

impl AccountFlags {
    /// Does `self` enable something `other` does not?
    pub fn opens_more_than(self, other: AccountFlags) -> bool {
        (self.charges_enabled && !other.charges_enabled)
            || (self.payouts_enabled && !other.payouts_enabled)
            || (self.details_submitted && !other.details_submitted)
    }
}

/// A connected account as stored: its artist, flags, and since when (unix ms) they hold.
pub struct ConnectRow {
    pub artist: ArtistId,
    pub flags: AccountFlags,
    pub status_at: Option<i64>,
}

pub fn find_connect_account(conn: &Connection, account_ref: &str) -> rusqlite::Result<Option<ConnectRow>> {
    conn.query_row_cached(
        "SELECT artist_id, charges_enabled, payouts_enabled, details_submitted, status_at
         FROM stripe_connect_accounts WHERE account_ref = ?1",
        [account_ref],
        |r| {
            Ok(ConnectRow {
                artist: ArtistId(r.get(0)?),
                flags: AccountFlags {
                    charges_enabled: r.get(1)?,
                    payouts_enabled: r.get(2)?,
                    details_submitted: r.get(3)?,
                },
                status_at: r.get(4)?,
            })
        },
    )
    .optional()
}

/// Updates the flags of a connected account, true since `status_at` (unix ms).
pub fn update_connect_flags(
    conn: &Connection,
    account_ref: &str,
    flags: AccountFlags,
    status_at: i64,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE stripe_connect_accounts SET charges_enabled = ?2, payouts_enabled = ?3, details_submitted = ?4,
             status_at = ?5, updated_at = ?6
         WHERE account_ref = ?1",
        params![account_ref, flags.charges_enabled, flags.payouts_enabled, flags.details_submitted, status_at, now],
    )?;
    Ok(())
}

pub fn find_connect_artist(conn: &Connection, account_ref: &str) -> rusqlite::Result<Option<ArtistId>> {
    conn.query_row_cached("SELECT artist_id FROM stripe_connect_accounts WHERE account_ref = ?1", [account_ref], |r| {
        Ok(ArtistId(r.get(0)?))
    })
    .optional()
}

/// The installation's secret called `name`, created on first use.
/// Is `key` the current photo of an artist who is not suspended?
pub fn is_profile_photo(conn: &Connection, key: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM artist_profiles WHERE photo_key = ?1 AND suspended_at IS NULL")?
        .exists([key])?
        || conn.prepare_cached("SELECT 1 FROM users WHERE avatar_key = ?1 AND deleted_at IS NULL")?.exists([key])?)
}

/// The account's avatar key and when it last changed.
pub fn find_avatar(conn: &Connection, user: UserId) -> rusqlite::Result<(Option<String>, Option<i64>)> {
    conn.query_row_cached("SELECT avatar_key, avatar_changed_at FROM users WHERE id = ?1", [user], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

/// Sets (or with `None` removes) the avatar of a live account.
pub fn update_avatar(conn: &Connection, user: UserId, key: Option<&str>, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE users SET avatar_key = ?2, avatar_changed_at = CASE WHEN ?2 IS NULL THEN avatar_changed_at ELSE ?3 END
          WHERE id = ?1 AND deleted_at IS NULL",
        params![user, key, now],
    )?;
    Ok(())
}

pub fn find_artist_user_id(conn: &Connection, artist: ArtistId) -> rusqlite::Result<UserId> {
    conn.prepare_cached("SELECT user_id FROM artist_profiles WHERE id = ?1")?.query_row([artist], |r| r.get(0))
}

/// Is the fan following the artist?
pub fn is_following(conn: &Connection, fan: UserId, artist: ArtistId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM fan_relationships WHERE fan_user_id = ?1 AND artist_id = ?2 AND following = 1")?
        .exists(params![fan, artist])
}

pub fn set_following(
    conn: &Connection,
    fan: UserId,
    artist: ArtistId,
    following: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO fan_relationships (fan_user_id, artist_id, following, followed_at, updated_at)
         VALUES (?1, ?2, ?3, CASE WHEN ?3 THEN ?4 END, ?4)
         ON CONFLICT (fan_user_id, artist_id) DO UPDATE SET following = ?3,
             followed_at = CASE WHEN ?3 THEN COALESCE(followed_at, ?4) END, updated_at = ?4",
    )?
    .execute(params![fan, artist, following, now])?;
    Ok(())
}

/// When the fan's current follow of the artist began; None if not following.
pub fn followed_since(conn: &Connection, fan: UserId, artist: ArtistId) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT followed_at FROM fan_relationships WHERE fan_user_id = ?1 AND artist_id = ?2 AND following = 1",
    )?
    .query_row(params![fan, artist], |r| r.get(0))
    .optional()
}

pub fn artist_is_visible(conn: &Connection, artist: ArtistId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM artist_profiles WHERE id = ?1 AND suspended_at IS NULL")?.exists([artist])
}

/// A page of an artist's followers in user-id order, after `after`.
pub fn list_followers(
    conn: &Connection,
    artist: ArtistId,
    after: UserId,
    limit: usize,
) -> rusqlite::Result<Vec<UserId>> {
    conn.prepare_cached(
        "SELECT fan_user_id FROM fan_relationships
         WHERE artist_id = ?1 AND following = 1 AND fan_user_id > ?2 ORDER BY fan_user_id LIMIT ?3",
    )?
    .query_map(params![artist, after, limit as i64], |r| r.get(0))?
    .collect()
}

pub fn find_artist_stage_name(conn: &Connection, artist: ArtistId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT COALESCE(stage_name, '') FROM artist_profiles WHERE id = ?1")?
        .query_row([artist.0], |r| r.get(0))
}

/// A single-use invite to join as an artist, for one address; its public id.
pub fn insert_invite(
    conn: &Connection,
    token_hash: &str,
    email: &str,
    now: i64,
    expires_at: i64,
) -> rusqlite::Result<String> {
    let uid = new_uid();
    conn.execute_cached(
        "INSERT INTO artist_invites (token_hash, uid, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash, uid, email, now, expires_at],
    )?;
    Ok(uid)
}

/// The address of an unused, unexpired invite.
pub fn find_open_invite(conn: &Connection, token_hash: &str, now: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row_cached(
        "SELECT email FROM artist_invites
          WHERE token_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
        params![token_hash, now],
        |r| r.get(0),
    )
    .optional()
}

/// Uses an invite up (once); whether it was still open.
pub fn use_invite(conn: &Connection, token_hash: &str, user: UserId, now: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute_cached(
        "UPDATE artist_invites SET used_at = ?2, used_by = ?3
          WHERE token_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
        params![token_hash, now, user],
    )? == 1)
}

/// Artists by application state, oldest first.
pub fn list_applications(conn: &Connection, state: &str) -> rusqlite::Result<Vec<(String, String, i64)>> {
    conn.prepare_cached(
        "SELECT u.email, u.display_name, a.created_at FROM artist_profiles a JOIN users u ON u.id = a.user_id
          WHERE a.application = ?1 ORDER BY a.created_at, a.id",
    )?
    .query_map([state], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// Decides a pending application; whether there was one.
pub fn decide_application(
    conn: &Connection,
    artist: ArtistId,
    accepted: bool,
    message: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    Ok(conn.execute_cached(
        "UPDATE artist_profiles SET application = ?2, application_message = ?3, application_decided_at = ?4
          WHERE id = ?1 AND application = 'pending'",
        params![artist, if accepted { "accepted" } else { "declined" }, message, now],
    )? == 1)
}

pub fn set_application_pending(conn: &Connection, artist: ArtistId) -> rusqlite::Result<()> {
    conn.execute_cached("UPDATE artist_profiles SET application = 'pending' WHERE id = ?1", [artist])?;
    Ok(())
}
