//! Opening connections with the house PRAGMAs.

use std::path::Path;
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

pub(super) const BUSY_TIMEOUT_MS: u32 = 5_000;
const READERS: u32 = 8;
/// Prepared statements kept per connection. rusqlite keeps 16; the pages
/// of all the pillars use a few hundred distinct queries, and re-preparing
/// them (parse and plan) showed in profiles of every page.
const STATEMENTS_KEPT: usize = 512;
/// Page cache per connection, in KiB (SQLite's default is 2 MiB). The
/// writer walks the indexes every write touches (likes, events, counters):
/// at a million Bops 2 MiB held too little of them, and each miss was a
/// `pread` and a copy (a tenth of the writer's time in a like flood).
const WRITER_CACHE_KIB: i64 = 32 * 1024;
const READER_CACHE_KIB: i64 = 8 * 1024;
// No `mmap_size`: a reader's page cache is thrown away whenever another
// connection has committed, so under a stream of writes its pages are read
// again each request, and a map would save those copies — but the file
// grows with the writes, and each reader then maps it again: measured under
// a comment flood, remapping and first-touch faults cost more than the
// reads they saved (4.5k against 6.2k comments a second).
// No `journal_size_limit`: it makes the first commit after the WAL wraps
// truncate the file, and a truncate waits for the checkpointer's writeback
// of those pages — all writes stalled for up to a second under a like flood.
// The WAL is reused from its start instead, at the size the busiest burst
// made it.

/// `busy_timeout` comes first so that the PRAGMAs after it wait out a
/// writer instead of failing with SQLITE_BUSY.
fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    // Plans never depend on bound values. Without this SQLite reads the
    // value bound to `LIMIT ?` (and to parameters compared with a partial
    // index's WHERE) while planning, so every new binding threw the cached
    // statement away and parsed and planned it again — on every request
    // for the forty-odd paged queries.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Runs `f` with the connection waiting at most `wait` for a lock (the
/// checkpointer's moments on the writer, which must not hold writes for the
/// usual five seconds), then restores the usual wait.
pub(super) fn waiting_at_most<T>(
    conn: &Connection,
    wait: Duration,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.busy_timeout(wait)?;
    let done = f(conn);
    conn.busy_timeout(Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))?;
    done
}

/// The one writer. It never checkpoints: SQLite's automatic checkpoint runs
/// inside the commit that crosses the threshold, so one write in a thousand
/// pages waited for the WAL to be copied back. The checkpointer thread
/// ([`super::checkpoint`]) does that beside the writer instead.
pub fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    apply_pragmas(&conn)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    // Each write of a group-commit batch runs in a savepoint, and SQLite
    // copies every page a savepoint first touches into a statement journal
    // that spills to a temporary file past 64 KiB; an event batch (many
    // handlers' pages) spilled it, and from then on every savepoint wrote a
    // file: an eighth of a like flood's time. In memory it is a copy. (A
    // larger spill threshold instead broke spilling: `.cargo/config.toml`.)
    conn.pragma_update(None, "temp_store", "MEMORY")?;
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
        conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
        conn.pragma_update(None, "query_only", true)
    });
    let pool = Pool::builder()
        .max_size(READERS)
        .min_idle(Some(1))
        // A read-only connection to a local file does not go stale; checking
        // each one out with a query cost every request a round through SQLite.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use crate::db::{Db, Durability};

    /// A paged query's cached statement survives new bindings: it is not
    /// parsed and planned again on every request.
    #[test]
    fn cached_statements_are_not_prepared_again_for_new_bindings() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(Durability::Normal, |tx| {
            tx.execute_batch(
                "CREATE TABLE t (owner INTEGER, kind TEXT, n INTEGER);
                 CREATE INDEX t_live ON t (owner, n) WHERE kind = 'live';
                 INSERT INTO t VALUES (1, 'live', 1), (1, 'live', 2), (2, 'gone', 3);",
            )
        })
        .unwrap();
        let reprepared = db
            .read_blocking(|c| {
                for (owner, limit) in [(1, 1), (2, 5), (1, 2), (2, 3)] {
                    let mut paged = c.prepare_cached("SELECT n FROM t WHERE owner = ?1 AND kind = ?2 LIMIT ?3")?;
                    paged.query_map(rusqlite::params![owner, "live", limit], |r| r.get::<_, i64>(0))?.count();
                }
                let paged = c.prepare_cached("SELECT n FROM t WHERE owner = ?1 AND kind = ?2 LIMIT ?3")?;
                Ok(paged.get_status(StatementStatus::RePrepare))
            })
            .unwrap();
        assert_eq!(reprepared, 0, "the statement was compiled again for new values");
    }

    /// The writer keeps its savepoints' page copies in memory: a savepoint
    /// touching far more than SQLite's default 64 KiB spill threshold opens
    /// no temporary file (a batch's savepoints used to write one per write).
    #[test]
    fn the_writer_s_savepoints_open_no_temporary_file() {
        let temp = tempfile::tempdir().unwrap();
        // SAFETY: nextest runs each test in a process of its own, and SQLite
        // reads the variable when it first opens a database, below.
        unsafe { std::env::set_var("SQLITE_TMPDIR", temp.path()) };
        let dir = tempfile::tempdir().unwrap();
        let conn = super::open_writer(&dir.path().join("t.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB);
             WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 200)
             INSERT INTO t SELECT n, zeroblob(3000) FROM k;
             BEGIN IMMEDIATE; SAVEPOINT s; UPDATE t SET pad = zeroblob(3001);",
        )
        .unwrap();
        let open_in_temp = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.starts_with(temp.path()))
            .count();
        conn.execute_batch("RELEASE s; COMMIT").unwrap();
        assert_eq!(open_in_temp, 0, "a savepoint's journal went to a file");
    }

    /// A statement whose journal passes 8 MiB (a rebuild's upsert over a
    /// big table) completes: with the spill threshold raised to 8 MiB at
    /// build time, spilling failed with SQLITE_FULL ("database or disk is
    /// full") and the demo load at a million Bops stopped at its rebuild.
    #[test]
    fn a_statement_with_a_journal_past_eight_mib_completes() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write_blocking(crate::db::Durability::Normal, |tx| {
            tx.execute_batch(
                "CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB);
                 WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 4000)
                 INSERT INTO t SELECT n, zeroblob(3000) FROM k;",
            )
        })
        .unwrap();
        // Some 16 MB of pages, each journaled before the statement changes it
        // (a statement that may fail half-way inside a transaction is undone
        // from its journal).
        let changed = db
            .write_blocking(crate::db::Durability::Normal, |tx| {
                tx.savepoint(crate::db::Savepoint::Write)?;
                let changed = tx.execute("UPDATE t SET pad = zeroblob(3001)", [])?;
                tx.release(crate::db::Savepoint::Write, true)?;
                Ok::<_, rusqlite::Error>(changed)
            })
            .unwrap();
        assert_eq!(changed, 4000);
        // Any connection, not only the writer: the build's threshold is global.
        let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; SAVEPOINT s; UPDATE t SET pad = zeroblob(3002); RELEASE s; COMMIT")
            .unwrap();
    }

    /// With every reader busy, a read asked for "now" waits for one on a
    /// blocking thread instead of failing or blocking the async worker.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_now_waits_its_turn_when_every_reader_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let readers = super::READERS as usize;
        let (held, release) = (std::sync::Arc::new(std::sync::Barrier::new(readers + 1)), std::sync::mpsc::channel());
        let release_rx = std::sync::Arc::new(std::sync::Mutex::new(release.1));
        let holders: Vec<_> = (0..readers)
            .map(|_| {
                let (db, held, release) = (db.clone(), held.clone(), release_rx.clone());
                std::thread::spawn(move || {
                    db.read_blocking(|_| {
                        held.wait();
                        let _ = release.lock().unwrap().recv();
                        Ok(())
                    })
                    .unwrap()
                })
            })
            .collect();
        held.wait();
        let asked = tokio::spawn({
            let db = db.clone();
            async move { db.read_now(|c| c.query_row("SELECT 41 + 1", [], |r| r.get::<_, i64>(0))).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!asked.is_finished(), "no reader was free");
        for _ in 0..readers {
            release.0.send(()).unwrap();
        }
        assert_eq!(asked.await.unwrap().unwrap(), 42);
        holders.into_iter().for_each(|h| h.join().unwrap());
    }
}
