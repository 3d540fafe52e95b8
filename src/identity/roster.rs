//! What the label's console reads about its artists (issue 15 item 3): a
//! page of the roster at a time, filtered in SQL and walked by a keyset
//! on the artist's row id (the cursor in URLs is the last artist's public
//! id), so a page costs the same with ten artists or ten thousand. The
//! per-artist figures of a page (followers, last sign-in) are one indexed
//! lookup each, never an aggregate over every artist.

use crate::db::CachedSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::domain::{ArtistId, UserId};
use super::gate::{self, Step};
use super::repo::ArtistRow;

/// Where an artist is on the way to earning: the gate's first open step,
/// or ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Step(Step),
    Ready,
}

impl Stage {
    pub fn parse(raw: &str) -> Option<Stage> {
        Some(match raw {
            "approval" => Stage::Step(Step::Approval),
            "subscription" => Stage::Step(Step::Subscription),
            "profile" => Stage::Step(Step::Profile),
            "payout" => Stage::Step(Step::Payout),
            "ready" => Stage::Ready,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Step(step) => step.as_str(),
            Stage::Ready => "ready",
        }
    }

    pub fn of(artist: &ArtistRow) -> Stage {
        gate::first_incomplete_step(artist).map_or(Stage::Ready, Stage::Step)
    }
}

/// The same order of steps as [`gate::first_incomplete_step`], in SQL, so
/// that a filter and the column it filters agree.
const STAGE_SQL: &str = "CASE WHEN a.application <> 'accepted' THEN 'approval'
    WHEN s.status IS NULL OR s.status NOT IN ('active', 'trialing') THEN 'subscription'
    WHEN a.onboarding_completed = 0 THEN 'profile'
    WHEN COALESCE(c.payouts_enabled, 0) = 0 THEN 'payout'
    ELSE 'ready' END";

/// A roster query: every part optional.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    /// Part of the name, handle or email.
    pub search: Option<String>,
    pub stage: Option<Stage>,
    /// A plan's tier, or "none".
    pub plan: Option<String>,
    pub suspended: Option<bool>,
}

/// `%text%` for LIKE, with the wildcards in `text` taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The row id behind an artist's public id (a roster cursor).
pub fn artist_row_id(conn: &Connection, uid: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM artist_profiles WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()
}

/// A page of the roster, newest artist first, after the artist with row
/// id `before`.
pub fn list(
    conn: &Connection,
    filter: &RosterFilter,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<ArtistRow>> {
    let sql = format!(
        "{select} WHERE a.deleted_at IS NULL
           AND (?1 IS NULL OR u.email LIKE ?1 ESCAPE '\\' OR a.stage_name LIKE ?1 ESCAPE '\\'
                OR a.handle LIKE ?1 ESCAPE '\\' OR u.display_name LIKE ?1 ESCAPE '\\')
           AND (?2 IS NULL OR ({STAGE_SQL}) = ?2)
           AND (?3 IS NULL OR COALESCE(s.tier, 'none') = ?3)
           AND (?4 IS NULL OR (a.suspended_at IS NOT NULL) = ?4)
           AND (?5 IS NULL OR a.id < ?5)
         ORDER BY a.id DESC LIMIT ?6",
        select = super::repo::ARTIST_SELECT
    );
    let search = filter.search.as_deref().map(like_pattern);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![search, filter.stage.map(Stage::as_str), filter.plan, filter.suspended, before, limit as i64],
        super::repo::artist_row,
    )?;
    rows.collect()
}

/// Followers of one artist (kept by triggers, one row per artist).
pub fn followers(conn: &Connection, artist: ArtistId) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT followers FROM artist_follower_counts WHERE artist_id = ?1")?
        .query_row([artist], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// When the account last signed in, if the history still has it.
pub fn last_sign_in(conn: &Connection, user: UserId) -> rusqlite::Result<Option<i64>> {
    super::sign_ins::last_for_user(conn, user)
}

/// An invite still waiting for its artist.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpenInvite {
    pub uid: String,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Open invites (unused, unrevoked, unexpired), newest first, before the
/// invite with public id `before`.
pub fn list_open_invites(
    conn: &Connection,
    before: Option<&str>,
    now: i64,
    limit: usize,
) -> rusqlite::Result<Vec<OpenInvite>> {
    conn.prepare_cached(
        "SELECT uid, email, created_at, expires_at FROM artist_invites
          WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > ?1
            AND (?2 IS NULL OR (created_at, uid) < (SELECT created_at, uid FROM artist_invites WHERE uid = ?2))
          ORDER BY created_at DESC, uid DESC LIMIT ?3",
    )?
    .query_map(params![now, before, limit as i64], |r| {
        Ok(OpenInvite { uid: r.get(0)?, email: r.get(1)?, created_at: r.get(2)?, expires_at: r.get(3)? })
    })?
    .collect()
}

/// Whether an invite with this public id exists.
pub fn invite_exists(conn: &Connection, uid: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM artist_invites WHERE uid = ?1")?.exists([uid])
}

/// Revokes an open invite; its address, or `None` when it was not open.
pub fn revoke_invite(conn: &Connection, uid: &str, now: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row_cached(
        "UPDATE artist_invites SET revoked_at = ?2 WHERE uid = ?1 AND used_at IS NULL AND revoked_at IS NULL
          RETURNING email",
        params![uid, now],
        |r| r.get(0),
    )
    .optional()
}

/// An artist waiting for the label's answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Application {
    pub artist_uid: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

/// Waiting applications, oldest first, after the artist `after` (public id).
pub fn list_pending_applications(
    conn: &Connection,
    after: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<Application>> {
    conn.prepare_cached(
        "SELECT a.uid, u.email, u.display_name, a.created_at FROM artist_profiles a JOIN users u ON u.id = a.user_id
          WHERE a.application = 'pending' AND a.deleted_at IS NULL
            AND (?1 IS NULL OR (a.created_at, a.id) > (SELECT created_at, id FROM artist_profiles WHERE uid = ?1))
          ORDER BY a.created_at, a.id LIMIT ?2",
    )?
    .query_map(params![after, limit as i64], |r| {
        Ok(Application { artist_uid: r.get(0)?, email: r.get(1)?, name: r.get(2)?, created_at: r.get(3)? })
    })?
    .collect()
}

/// An account's public id (the roster links each artist to their person page).
pub fn user_uid(conn: &Connection, user: UserId) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT uid FROM users WHERE id = ?1")?.query_row([user], |r| r.get(0))
}
