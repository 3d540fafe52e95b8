//! The console's saved branding values (`label_settings`, V040).

use crate::db::CachedSql;
use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::core::ids::UserId;

/// Every saved value, by key.
pub fn list_settings(conn: &Connection) -> rusqlite::Result<BTreeMap<String, String>> {
    conn.prepare_cached("SELECT key, value FROM label_settings")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

pub fn upsert_setting(conn: &Connection, key: &str, value: &str, by: UserId, now: i64) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO label_settings (key, value, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        params![key, value, by, now],
    )?;
    Ok(())
}
