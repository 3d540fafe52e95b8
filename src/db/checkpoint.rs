//! Checkpoints beside the writer: every second, the WAL's committed pages
//! are copied back into the database file by a thread of its own, in
//! PASSIVE mode (it waits for no reader and no writer), so commits never
//! pay for it. A fully copied WAL is reused from its start by the next
//! write, so it stays small while readers come and go.
//!
//! Under a steady stream of writes that reuse never happens on its own:
//! the writer starts the WAL over only when every frame is copied back and
//! no reader is reading from the WAL, and with requests reading all the
//! time some reader always is. A like flood grew the WAL to 2.6 GB, each
//! frame written to a fresh part of the file (a page more for the kernel
//! to write back). So once the WAL passes [`RESTART_AFTER_FRAMES`], the
//! checkpointer takes the writer for a moment and runs a RESTART
//! checkpoint: it copies back the few frames since the last pass, waits
//! for the readers of the moment to finish (at most [`RESTART_WAIT`]), and
//! the next write starts the WAL from its beginning.

use super::CachedSql;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is folded back.
const EVERY: Duration = Duration::from_secs(1);

/// The WAL's length (in 4 KiB pages: 256 MiB) past which it is started
/// over. Each restart holds writes while the database file is synced (10 to
/// 150 ms on the test machine's disk), so not at every round of a flood.
const RESTART_AFTER_FRAMES: i64 = 65_536;

/// How long the restart waits for readers while holding the writer; a
/// reader still busy after that (a backup, a long export) makes it give up
/// until the next round.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// Starts the checkpointer; it stops when the returned sender is dropped
/// (with the `Db`).
pub fn start(path: &Path, writer: Arc<Mutex<Connection>>) -> anyhow::Result<mpsc::Sender<()>> {
    let conn = super::connection::open_checkpointer(path)?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new().name("boptone-checkpoint".into()).spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            if let Err(error) = round(&conn, &writer, RESTART_AFTER_FRAMES) {
                tracing::warn!(%error, "WAL checkpoint failed; trying again in a second");
            }
        }
    })?;
    Ok(stop)
}

/// A PASSIVE checkpoint, and a restart when the WAL is `restart_after`
/// frames long or more.
fn round(conn: &Connection, writer: &Mutex<Connection>, restart_after: i64) -> rusqlite::Result<()> {
    let (frames, _) = passive(conn)?;
    if frames >= restart_after { restart(&super::lock_writer(writer)) } else { Ok(()) }
}

/// A RESTART checkpoint on the writer's own connection (so no write is in
/// progress), waiting at most [`RESTART_WAIT`] for readers.
fn restart(writer: &Connection) -> rusqlite::Result<()> {
    writer.busy_timeout(RESTART_WAIT)?;
    let done = writer.query_row_cached("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0));
    writer.busy_timeout(Duration::from_millis(u64::from(super::connection::BUSY_TIMEOUT_MS)))?;
    done.map(|_| ())
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

    /// A database in `dir` with a table `t` of padded rows.
    fn table_db(dir: &std::path::Path) -> Db {
        let db = Db::open(&dir.join("t.db")).unwrap();
        db.write_blocking(Durability::Normal, |tx| tx.execute_batch("CREATE TABLE t (n INTEGER, pad BLOB)")).unwrap();
        db
    }

    fn wal_bytes(dir: &std::path::Path) -> u64 {
        std::fs::metadata(dir.join("t.db-wal")).map(|m| m.len()).unwrap_or(0)
    }

    /// Writes and reads at once, as under load: without the restart the
    /// WAL grew by everything written, as no moment came when no reader
    /// was reading from it.
    #[test]
    fn the_wal_is_started_over_while_readers_keep_reading() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let db = table_db(dir.path());
        let wal = || wal_bytes(dir.path());
        let stop = AtomicBool::new(false);
        let checkpointer = super::super::connection::open_checkpointer(&dir.path().join("t.db")).unwrap();
        let (mut written, mut largest) = (0, 0);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0)))
                            .unwrap();
                    }
                });
            }
            // The readers stop however the writing ends: a failed write
            // must fail the test, not leave it waiting for them.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for round in 0..40 {
                    write_rows(&db, round * 50, 50);
                    written += 50 * 4096;
                    super::round(&checkpointer, &db.inner.writer, 64).unwrap();
                    largest = largest.max(wal());
                }
            }));
            stop.store(true, Ordering::Relaxed);
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        });
        assert!(largest < written / 4, "the WAL reached {largest} bytes of the {written} written");
    }

    #[test]
    fn the_wal_is_folded_back_beside_the_writer_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = table_db(dir.path());
        let wal = || wal_bytes(dir.path());
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
