//! Opening connections with the house PRAGMAs.

use std::path::Path;
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

const BUSY_TIMEOUT_MS: u32 = 5_000;
const READERS: u32 = 8;

/// `busy_timeout` comes first so that the PRAGMAs after it wait out a
/// writer instead of failing with SQLITE_BUSY.
fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// The one writer. It never checkpoints: SQLite's automatic checkpoint runs
/// inside the commit that crosses the threshold, so one write in a thousand
/// pages waited for the WAL to be copied back. The checkpointer thread
/// ([`super::checkpoint`]) does that beside the writer instead.
pub fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    apply_pragmas(&conn)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// The checkpointer's own connection.
pub fn open_checkpointer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    apply_pragmas(&conn)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

pub fn reader_pool(path: &Path) -> anyhow::Result<Pool<SqliteConnectionManager>> {
    let manager = SqliteConnectionManager::file(path).with_init(|conn| {
        apply_pragmas(conn)?;
        conn.pragma_update(None, "query_only", true)
    });
    let pool = Pool::builder()
        .max_size(READERS)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}
