//! SQL of notification preferences: a row per user and kind they chose
//! for; without one, the kind's default holds.

use rusqlite::{Connection, OptionalExtension, params};

/// Where a notice for a user goes: their address, and their saved choice
/// for its kind (`None`: they never chose; the default holds).
pub struct Recipient {
    pub email: String,
    pub saved: Option<(bool, bool)>,
}

/// `None` when the user is gone.
pub fn find_recipient(conn: &Connection, user_id: i64, kind: &str) -> rusqlite::Result<Option<Recipient>> {
    conn.prepare_cached(
        "SELECT u.email, p.email, p.push FROM users u
         LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.kind = ?2
         WHERE u.id = ?1 AND u.deleted_at IS NULL",
    )?
    .query_row(params![user_id, kind], |r| {
        let email: Option<bool> = r.get(1)?;
        let push: Option<bool> = r.get(2)?;
        Ok(Recipient { email: r.get(0)?, saved: email.zip(push) })
    })
    .optional()
}

/// Every saved choice of `user_id`: `(kind, email, push)`.
pub fn list_prefs(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<(String, bool, bool)>> {
    let mut stmt = conn.prepare_cached("SELECT kind, email, push FROM notification_prefs WHERE user_id = ?1")?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

pub fn upsert_pref(
    conn: &Connection,
    user_id: i64,
    kind: &str,
    email: bool,
    push: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO notification_prefs (user_id, kind, email, push, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (user_id, kind) DO UPDATE SET email = ?3, push = ?4, updated_at = ?5",
    )?
    .execute(params![user_id, kind, email, push, now])?;
    Ok(())
}

/// Turns email off for one kind, keeping the push choice (`push_default`
/// when none was saved).
pub fn turn_email_off(
    conn: &Connection,
    user_id: i64,
    kind: &str,
    push_default: bool,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO notification_prefs (user_id, kind, email, push, updated_at) VALUES (?1, ?2, 0, ?3, ?4)
         ON CONFLICT (user_id, kind) DO UPDATE SET email = 0, updated_at = ?4",
    )?
    .execute(params![user_id, kind, push_default, now])?;
    Ok(())
}
