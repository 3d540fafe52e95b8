//! What the label's console reads about accounts of every role (issue 15
//! item 6): a search walked by a keyset on the user's row id (the cursor
//! in URLs is the last person's public id), one person with their status,
//! and the guards on disabling or erasing admins.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::domain::{Role, UserId};
use super::roster::like_pattern;

/// A person in a search result or on their page.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    #[serde(skip)]
    pub id: UserId,
    pub uid: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: i64,
    pub email_verified_at: Option<i64>,
    pub erased: bool,
    /// The artist's public id, for artists.
    pub artist_uid: Option<String>,
    pub handle: Option<String>,
}

const PERSON_SELECT: &str = "SELECT u.id, u.uid, u.email, u.display_name, u.role, u.created_at, u.email_verified_at,
        u.deleted_at IS NOT NULL, a.uid, a.handle
     FROM users u LEFT JOIN artist_profiles a ON a.user_id = u.id";

fn person_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: UserId(r.get(0)?),
        uid: r.get(1)?,
        email: r.get(2)?,
        display_name: r.get(3)?,
        role: r.get(4)?,
        created_at: r.get(5)?,
        email_verified_at: r.get(6)?,
        erased: r.get(7)?,
        artist_uid: r.get(8)?,
        handle: r.get(9)?,
    })
}

/// The row id behind a person's public id (a search cursor).
pub fn user_row_id(conn: &Connection, uid: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM users WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()
}

/// A page of people, newest account first, after row id `before`:
/// `search` matches part of the email, display name, stage name or handle.
pub fn search(
    conn: &Connection,
    search: Option<&str>,
    role: Option<Role>,
    before: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<Person>> {
    let sql = format!(
        "{PERSON_SELECT}
         WHERE (?1 IS NULL OR u.email LIKE ?1 ESCAPE '\\' OR u.display_name LIKE ?1 ESCAPE '\\'
                OR a.handle LIKE ?1 ESCAPE '\\' OR a.stage_name LIKE ?1 ESCAPE '\\')
           AND (?2 IS NULL OR u.role = ?2)
           AND (?3 IS NULL OR u.id < ?3)
         ORDER BY u.id DESC LIMIT ?4"
    );
    let pattern = search.map(like_pattern);
    conn.prepare_cached(&sql)?
        .query_map(params![pattern, role.map(Role::as_str), before, limit as i64], person_row)?
        .collect()
}

/// One person by public id, erased ones included.
pub fn find(conn: &Connection, uid: &str) -> rusqlite::Result<Option<Person>> {
    conn.prepare_cached(&format!("{PERSON_SELECT} WHERE u.uid = ?1"))?.query_row([uid], person_row).optional()
}

/// Admin accounts that can still sign in, `except` left out: disabling or
/// erasing an admin may never leave the console without one.
pub fn other_active_admins(conn: &Connection, except: UserId) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM users u
          WHERE u.role = 'admin' AND u.deleted_at IS NULL AND u.suspended_at IS NULL AND u.id <> ?1",
    )?
    .query_row([except], |r| r.get(0))
}

/// Why the label suspended (an artist) or disabled (anyone else) the
/// account, while it is.
pub fn suspended_reason(conn: &Connection, user: UserId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT COALESCE(suspended_reason, '') FROM users WHERE id = ?1 AND suspended_at IS NOT NULL")?
        .query_row([user], |r| r.get(0))
        .optional()
}
