//! Embedded, append-only SQL migrations (`migrations/V001__name.sql` …).
//! Each applies in its own transaction and is recorded with a checksum, so an
//! edited migration or a database from a newer binary is refused clearly.

use super::CachedSql;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "migrations/"]
struct Files;

#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub sql: String,
    pub checksum: String,
}

/// The embedded migrations, in version order.
pub fn embedded() -> Vec<Migration> {
    let mut all: Vec<Migration> = Files::iter()
        .filter_map(|file| {
            let stem = file.strip_suffix(".sql")?;
            let (version, name) = stem.strip_prefix('V')?.split_once("__")?;
            let content = Files::get(&file)?;
            let sql = String::from_utf8(content.data.into_owned()).ok()?;
            Some(Migration {
                version: version.parse().ok()?,
                name: name.to_owned(),
                checksum: hex::encode(Sha256::digest(sql.as_bytes())),
                sql,
            })
        })
        .collect();
    all.sort_by_key(|m| m.version);
    all
}

pub fn latest_version() -> i64 {
    embedded().last().map_or(0, |m| m.version)
}

/// The schema version recorded in a database (0 when never migrated).
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_table: Option<i64> = conn
        .query_row_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row_cached("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
}

/// Applies every pending migration; returns the ones applied.
pub fn run(conn: &mut Connection) -> anyhow::Result<Vec<Migration>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT;",
    )?;
    let known = embedded();
    check_applied(conn, &known)?;
    let current = current_version(conn)?;
    let mut applied = Vec::new();
    for migration in known.into_iter().filter(|m| m.version > current) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(&migration.sql)
            .map_err(|e| anyhow::anyhow!("migration V{:03}__{} failed: {e}", migration.version, migration.name))?;
        tx.execute_cached(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![migration.version, migration.name, migration.checksum, super::now_ms()],
        )?;
        tx.commit()?;
        applied.push(migration);
    }
    Ok(applied)
}

/// Refuses a database that knows migrations this binary does not, or whose
/// recorded migrations differ from the embedded ones.
fn check_applied(conn: &Connection, known: &[Migration]) -> anyhow::Result<()> {
    let mut stmt = conn.prepare_cached("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let rows: Vec<_> = rows.collect::<rusqlite::Result<_>>()?;
    let latest = known.last().map_or(0, |m| m.version);
    // Only versions above the newest applied one are run: one that arrived
    // later with a lower number (two branches merged out of order) would be
    // skipped for good, so it is refused instead.
    let newest = rows.last().map_or(0, |r| r.0);
    if let Some(missed) = known.iter().find(|m| m.version < newest && !rows.iter().any(|r| r.0 == m.version)) {
        anyhow::bail!(
            "migration V{:03}__{} is older than this database's schema (version {newest}) but was never applied; \
             give it a number above {latest} instead",
            missed.version,
            missed.name
        );
    }
    for (version, name, checksum) in rows {
        let Some(migration) = known.iter().find(|m| m.version == version) else {
            anyhow::bail!(
                "this database is at schema version {version} ({name}), newer than this boptone binary knows \
                 (up to {latest}); run a newer boptone, or restore a backup made by this version"
            );
        };
        if migration.checksum != checksum {
            anyhow::bail!(
                "migration V{version:03}__{name} differs from the one applied to this database; \
                 migrations are append-only — add a new one instead of editing it"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_numbered_below_the_applied_ones_is_refused_not_skipped() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&mut conn).unwrap().len(), embedded().len());
        assert!(run(&mut conn).unwrap().is_empty(), "nothing twice");
        conn.execute_cached("DELETE FROM schema_migrations WHERE version = 2", []).unwrap();
        let refused = run(&mut conn).unwrap_err().to_string();
        assert!(refused.contains("V002__") && refused.contains("never applied"), "{refused}");
    }
}
