//! Checkpoints beside the writer: every second, the WAL's committed pages
//! are copied back into the database file by a thread of its own, in
//! PASSIVE mode (it waits for no reader and no writer), so commits never
//! pay for it. A fully copied WAL is reused from its start by the next
//! write, so it stays small while readers come and go.

use super::CachedSql;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is folded back.
const EVERY: Duration = Duration::from_secs(1);

/// Starts the checkpointer; it stops when the returned sender is dropped
/// (with the `Db`).
pub fn start(path: &Path) -> anyhow::Result<mpsc::Sender<()>> {
    let conn = super::connection::open_checkpointer(path)?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new().name("boptone-checkpoint".into()).spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            if let Err(error) = passive(&conn) {
                tracing::warn!(%error, "WAL checkpoint failed; trying again in a second");
            }
        }
    })?;
    Ok(stop)
}

/// One PASSIVE checkpoint: (frames in the WAL, frames copied back).
pub fn passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row_cached("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::db::{Db, Durability};

    fn write_rows(db: &Db, from: i64, count: i64) {
        for n in from..from + count {
            db.write_blocking(Durability::Normal, |tx| {
                tx.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(3000))", [n])?;
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        }
    }

    #[test]
    fn the_wal_is_folded_back_beside_the_writer_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = Db::open(&path).unwrap();
        db.write_blocking(Durability::Normal, |tx| tx.execute_batch("CREATE TABLE t (n INTEGER, pad BLOB)")).unwrap();
        let wal = || std::fs::metadata(dir.path().join("t.db-wal")).map(|m| m.len()).unwrap_or(0);
        write_rows(&db, 0, 400);
        let first = wal();
        assert!(first > 1_000_000, "the writer does not checkpoint: the WAL holds the batch ({first} bytes)");
        std::thread::sleep(Duration::from_millis(1600));
        write_rows(&db, 400, 400);
        // Folded back meanwhile, the WAL was reused from its start: it did
        // not grow by another batch.
        assert!(wal() < first + first / 4, "the WAL grew from {first} to {} bytes", wal());
        let rows: i64 = db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(rows, 800);
    }
}
