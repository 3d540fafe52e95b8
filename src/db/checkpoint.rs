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
//!
//! Whatever the restart copies, it syncs while every write waits. And
//! SQLite syncs the database file only after a pass that copied the whole
//! WAL back, which under a flood a pass beside the writer never does: new
//! frames arrive while it copies. So the restart synced every copy since
//! the last restart with writes held: 66 ms stalls under a comment flood
//! from two connections, which set the writes' p99 (21 to 28 ms). Before
//! it takes the writer, the checkpointer therefore runs passes beside it
//! that also sync the database file ([`synced_pass`]), each copying what
//! arrived during the one before, until one finds little new
//! ([`settle_and_restart`]). The rounds between restarts leave that sync to
//! the kernel, so a page copied back every second is written once, not
//! every second.
//!
//! After each round the WAL is readied where the writer goes on
//! ([`super::wal_ahead`]), so that a commit does not wait for the disk.

use super::CachedSql;
use super::wal_ahead::{Position, WalAhead};
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

/// At most this many passes before a restart, each copying back what the
/// writer added during the pass before.
const SETTLE_PASSES: usize = 4;

/// A pass that found at most this many new frames (1 MiB) was short, and
/// so is the next one: the restart may take the writer.
const SETTLED_FRAMES: i64 = 256;

/// How long the restart waits for readers while holding the writer; a
/// reader still busy after that (a backup, a long export) makes it give up
/// until the next round.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// Starts the checkpointer; it stops when the returned sender is dropped
/// (with the `Db`).
pub fn start(path: &Path, writer: Arc<Mutex<Connection>>) -> anyhow::Result<mpsc::Sender<()>> {
    let conn = super::connection::open_checkpointer(path)?;
    let mut ahead = WalAhead::new(path, &conn)?;
    let position = Position::watch(&super::lock_writer(&writer));
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new().name("boptone-checkpoint".into()).spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            match round(&conn, &writer, RESTART_AFTER_FRAMES) {
                Ok(next) => ahead.ready(next, &writer, position),
                Err(error) => tracing::warn!(%error, "WAL checkpoint failed; trying again in a second"),
            }
        }
    })?;
    Ok(stop)
}

/// Where in the WAL the writer's next frames will go, as one round left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// After the frames already there.
    After(i64),
    /// From the start, or after the frames there: every frame is copied
    /// back, so the next write starts the WAL over unless a reader still
    /// reads from it.
    StartOrAfter(i64),
}

/// A PASSIVE checkpoint, and a restart when the WAL is `restart_after`
/// frames long or more; says where the writer goes on.
pub(super) fn round(conn: &Connection, writer: &Mutex<Connection>, restart_after: i64) -> rusqlite::Result<Next> {
    let (frames, copied) = passive(conn)?;
    if frames >= restart_after {
        settle_and_restart(conn, writer, (frames, copied))?;
        return Ok(Next::StartOrAfter(0));
    }
    Ok(if copied >= frames { Next::StartOrAfter(frames) } else { Next::After(frames) })
}

/// Passes beside the writer until one finds few new frames, then the
/// restart under the writer (`last`: what the last pass found, as
/// [`passive`] says it). Says how many frames were copied back while
/// writes waited.
fn settle_and_restart(conn: &Connection, writer: &Mutex<Connection>, last: (i64, i64)) -> rusqlite::Result<i64> {
    let (mut frames, mut copied) = last;
    for _ in 0..SETTLE_PASSES {
        let (now, now_copied) = synced_pass(conn)?;
        let added = now - frames;
        (frames, copied) = (now, now_copied);
        if added <= SETTLED_FRAMES {
            break;
        }
    }
    let writer = super::lock_writer(writer);
    // A pass with the writer held copies (and syncs) the rest, so the
    // count is known; the restart then has nothing left to copy.
    let (_, held) = passive(conn)?;
    restart(&writer)?;
    Ok(held - copied)
}

/// A RESTART checkpoint on the writer's own connection (so no write is in
/// progress), waiting at most [`RESTART_WAIT`] for readers.
fn restart(writer: &Connection) -> rusqlite::Result<()> {
    super::connection::waiting_at_most(writer, RESTART_WAIT, |w| {
        w.query_row_cached("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0))
    })
    .map(|_| ())
}

/// A pass beside the writer before a restart: a PASSIVE checkpoint, then
/// the database file synced (see the module's comment): (frames in the
/// WAL, frames copied back).
fn synced_pass(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    let counts = passive(conn)?;
    // Only moves a sync earlier: SQLite still syncs before the WAL is
    // started over, so a failure here is reported and costs nothing else.
    if let Err(code) = sync_database_file(conn) {
        tracing::warn!(code, "cannot sync the database file after a checkpoint");
    }
    Ok(counts)
}

/// Syncs the database file through SQLite's own handle of it. Not through
/// a file of our own: closing any descriptor of a file drops every POSIX
/// lock the process holds on it, SQLite's included, and then another
/// process (a `boptone backup`) could take the database file for itself
/// and delete the WAL under the server.
fn sync_database_file(conn: &Connection) -> Result<(), std::ffi::c_int> {
    use rusqlite::ffi;
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: `conn` is open and used by this thread only; FILE_POINTER
    // writes the main database's `sqlite3_file` (owned by the connection,
    // valid while it is open) into `file`, and `xSync` is that file's own
    // method, called as SQLite's VFS interface documents.
    unsafe {
        let done = ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast(),
        );
        if done != ffi::SQLITE_OK {
            return Err(done);
        }
        let sync = file.as_ref().and_then(|f| f.pMethods.as_ref()).and_then(|m| m.xSync).ok_or(ffi::SQLITE_MISUSE)?;
        match sync(file, ffi::SQLITE_SYNC_NORMAL) {
            ffi::SQLITE_OK => Ok(()),
            code => Err(code),
        }
    }
}

/// One PASSIVE checkpoint: (frames in the WAL, frames copied back).
pub fn passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row_cached("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
}

#[cfg(test)]
pub(super) mod tests {
    use std::time::Duration;

    use crate::db::{Db, Durability};

    pub(in crate::db) fn write_rows(db: &Db, from: i64, count: i64) {
        for n in from..from + count {
            db.write_blocking(Durability::Normal, |tx| {
                tx.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(3000))", [n])?;
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        }
    }

    /// A database in `dir` with a table `t` of padded rows.
    pub(in crate::db) fn table_db(dir: &std::path::Path) -> Db {
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

    /// Under a stream of writes, the restart (which holds them) copies back
    /// only what arrived during the last short pass beside the writer, not
    /// what arrived while a long pass copied a big WAL back.
    #[test]
    fn a_restart_holds_writes_only_for_the_last_short_pass() {
        use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let db = table_db(dir.path());
        // 80 MB in one commit: a long first pass.
        db.write_blocking(Durability::Normal, |tx| {
            tx.execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO t (n, pad) SELECT i, zeroblob(3000) FROM n",
            )
        })
        .unwrap();
        let checkpointer = super::super::connection::open_checkpointer(&dir.path().join("t.db")).unwrap();
        let stop = AtomicBool::new(false);
        let rows = AtomicI64::new(0);
        let (mut during_first, mut held) = (0, 0);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    // A row a commit (each writes at least one frame), at
                    // a pace the passes can catch up with, as a server's.
                    write_rows(&db, 1_000_000 + rows.fetch_add(1, Ordering::Relaxed), 1);
                    std::thread::sleep(Duration::from_micros(200));
                }
            });
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                std::thread::sleep(Duration::from_millis(50));
                let before = rows.load(Ordering::Relaxed);
                let first = super::passive(&checkpointer).unwrap();
                during_first = rows.load(Ordering::Relaxed) - before;
                held = super::settle_and_restart(&checkpointer, &db.inner.writer, first).unwrap();
            }));
            stop.store(true, Ordering::Relaxed);
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        });
        assert!(during_first > 0, "nothing was written while the big WAL was copied back");
        assert!(
            held * 4 <= during_first,
            "the restart copied {held} frames with writes held; {during_first} rows arrived during the long pass"
        );
    }

    /// Pages of `file` not yet written back (dirty or under writeback), by
    /// Linux's `cachestat` (6.5 and later).
    fn unwritten(file: &std::fs::File) -> u64 {
        use std::os::fd::AsRawFd;
        #[repr(C)]
        struct Range {
            off: u64,
            len: u64,
        }
        #[repr(C)]
        #[derive(Default)]
        struct Stat {
            cache: u64,
            dirty: u64,
            writeback: u64,
            evicted: u64,
            recently_evicted: u64,
        }
        const SYS_CACHESTAT: libc::c_long = 451;
        let (range, mut stat) = (Range { off: 0, len: 0 }, Stat::default());
        // SAFETY: both pointers are to live values of the kernel's layouts
        // (`struct cachestat_range`, `struct cachestat`); len 0 is the whole file.
        let done = unsafe { libc::syscall(SYS_CACHESTAT, file.as_raw_fd(), &raw const range, &raw mut stat, 0) };
        assert_eq!(done, 0, "cachestat: {}", std::io::Error::last_os_error());
        stat.dirty + stat.writeback
    }

    /// A pass beside the writer that cannot copy the whole WAL back (here a
    /// reader holds an older snapshot; under a flood, new frames arrive) is
    /// not synced by SQLite: a settling pass syncs the database file itself,
    /// so the restart does not sync seconds of copies with writes held.
    #[test]
    fn a_settling_pass_leaves_the_database_file_synced() {
        // Not /tmp: a tmpfs has no writeback to wait for.
        let dir = tempfile::tempdir_in(concat!(env!("CARGO_MANIFEST_DIR"), "/target")).unwrap();
        let db = table_db(dir.path());
        let path = dir.path().join("t.db");
        let checkpointer = super::super::connection::open_checkpointer(&path).unwrap();
        super::passive(&checkpointer).unwrap();
        write_rows(&db, 0, 500);
        let reader = rusqlite::Connection::open(&path).unwrap();
        reader.execute_batch("BEGIN; SELECT COUNT(*) FROM t;").unwrap();
        write_rows(&db, 500, 10);
        let (frames, copied) = super::synced_pass(&checkpointer).unwrap();
        assert!(copied > 0 && copied < frames, "the pass copied {copied} of {frames} frames");
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(unwritten(&file), 0, "the pass left copied pages unsynced");
        // The same pass without the sync leaves them: SQLite does not sync.
        write_rows(&db, 510, 500);
        reader.execute_batch("COMMIT; BEGIN; SELECT COUNT(*) FROM t;").unwrap();
        write_rows(&db, 1010, 10);
        super::passive(&checkpointer).unwrap();
        assert!(unwritten(&file) > 0, "SQLite synced the copies itself");
    }

    pub(in crate::db) fn next_frames(conn: &rusqlite::Connection) -> i64 {
        super::passive(conn).unwrap().0
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
