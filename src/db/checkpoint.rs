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
//! A WAL frame is a page plus a 24-byte header, so every frame the writer
//! appends ends part-way into a page of the file; when the WAL is reused,
//! the kernel must read that page's old content before the write can
//! proceed. Left to itself, that read happens inside the commit, behind
//! the checkpoint's own writeback: under a like flood the writer (and the
//! event worker holding it) waited 8 to 40 ms on such reads once the WAL's
//! pages had left the page cache since its last lap, and the flood ran at
//! a third of its speed. So each round also asks the kernel to read ahead
//! the stretch the writer will write next ([`AHEAD`]): the reads then
//! happen beside the commits.
//!
//! Where the WAL grows past any length it had before, the file system must
//! first find blocks for it, and ext4 does that holding the file's block
//! map: under a like flood from two connections on a fresh copy of the
//! demo data, the writer's next frame waited 19 to 35 ms for the map while
//! the checkpointer's sync allocated the frames before it (reading block
//! bitmaps from disk), three times in eight seconds, and those waits set
//! the writes' p99. So each round also allocates the stretch past the
//! writer's position ([`WalAhead::allocate`]): twice what the writer wrote
//! since the round before, at most [`AHEAD`], without changing the file's
//! length (SQLite reads the WAL by its index, not its length). A server
//! that writes little allocates little; a WAL that only laps its old
//! length allocates nothing new.

use super::CachedSql;
use std::fs::File;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
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

/// How much of the WAL past the writer's position is read ahead each round:
/// about a second of a comment flood from two connections (114 MB of WAL a
/// second on the test machine; a like flood writes less).
const AHEAD: u64 = 128 << 20;

/// The piece of it asked for at a time: Linux's smallest read-ahead window.
const ADVICE: u64 = 128 << 10;

/// The WAL file's header, before the first frame.
const WAL_HEADER: u64 = 32;

/// A frame's header, before its page.
const FRAME_HEADER: u64 = 24;

/// Starts the checkpointer; it stops when the returned sender is dropped
/// (with the `Db`).
pub fn start(path: &Path, writer: Arc<Mutex<Connection>>) -> anyhow::Result<mpsc::Sender<()>> {
    let conn = super::connection::open_checkpointer(path)?;
    let mut ahead = WalAhead::new(path, &conn)?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new().name("boptone-checkpoint".into()).spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            match round(&conn, &writer, RESTART_AFTER_FRAMES) {
                Ok(next) => {
                    ahead.prefetch(next);
                    ahead.allocate(next);
                }
                Err(error) => tracing::warn!(%error, "WAL checkpoint failed; trying again in a second"),
            }
        }
    })?;
    Ok(stop)
}

/// Where in the WAL the writer's next frames will go, as one round left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// After the frames already there.
    After(i64),
    /// From the start, or after the frames there: every frame is copied
    /// back, so the next write starts the WAL over unless a reader still
    /// reads from it.
    StartOrAfter(i64),
}

/// A PASSIVE checkpoint, and a restart when the WAL is `restart_after`
/// frames long or more; says where the writer goes on.
fn round(conn: &Connection, writer: &Mutex<Connection>, restart_after: i64) -> rusqlite::Result<Next> {
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

/// Readies the WAL where the writer goes on: read ahead into the page
/// cache, and allocated on disk.
struct WalAhead {
    path: PathBuf,
    file: Option<File>,
    frame: u64,
    /// Where the last advice was for: a round that finds the writer where
    /// it was (an idle server) asks again for nothing, rather than reading
    /// the WAL back in every second once the kernel has dropped it.
    advised: Option<Next>,
    /// The writer's position (in frames) at the last allocation.
    allocated_at: i64,
}

impl WalAhead {
    fn new(db: &Path, conn: &Connection) -> rusqlite::Result<WalAhead> {
        let page: i64 = conn.query_row_cached("PRAGMA page_size", [], |r| r.get(0))?;
        let mut path = db.as_os_str().to_owned();
        path.push("-wal");
        let frame = page.unsigned_abs() + FRAME_HEADER;
        Ok(WalAhead { path: path.into(), file: None, frame, advised: None, allocated_at: 0 })
    }

    /// The WAL, opened once it exists. Never created here (SQLite makes it
    /// with its own header); written only by [`WalAhead::allocate`], which
    /// changes no byte of it. SQLite takes no lock on the WAL itself, so
    /// this descriptor can hold or drop none of SQLite's.
    fn file(&mut self) -> Option<&File> {
        if self.file.is_none() {
            self.file = File::options().read(true).write(true).open(&self.path).ok();
        }
        self.file.as_ref()
    }

    /// Allocates the stretch past the writer's position: twice what it
    /// wrote since the last round (after a restart, since the WAL's start),
    /// at most [`AHEAD`]. Best effort, as the read-ahead: a file system
    /// without it only keeps the stall.
    fn allocate(&mut self, next: Next) -> Option<u64> {
        let (Next::After(at) | Next::StartOrAfter(at)) = next;
        let wrote = if at >= self.allocated_at { at - self.allocated_at } else { at };
        self.allocated_at = at;
        let len = (2 * wrote.unsigned_abs() * self.frame).min(AHEAD);
        let offset = WAL_HEADER + at.unsigned_abs() * self.frame;
        let file = self.file()?;
        if len == 0 {
            return None;
        }
        rustix::fs::fallocate(file, rustix::fs::FallocateFlags::KEEP_SIZE, offset, len).ok().map(|()| len)
    }

    /// Best effort: the advice only moves reads earlier, so a failure costs
    /// nothing but the stall it was meant to save. Says whether it advised.
    fn prefetch(&mut self, next: Next) -> bool {
        if self.advised == Some(next) {
            return false;
        }
        if self.file().is_none() {
            return false;
        }
        self.advised = Some(next);
        let (frame, Some(file)) = (self.frame, &self.file) else { return false };
        let at = |frames: i64| WAL_HEADER + frames.unsigned_abs() * frame;
        // One advice reads at most the device's read-ahead window (128 KiB
        // by default; 8 MiB here), so the stretch is asked for in pieces.
        let advise = |from: u64| {
            for piece in (from..from + AHEAD).step_by(ADVICE as usize) {
                let _unused = rustix::fs::fadvise(file, piece, NonZeroU64::new(ADVICE), rustix::fs::Advice::WillNeed);
            }
        };
        match next {
            Next::After(frames) => advise(at(frames)),
            Next::StartOrAfter(frames) => {
                advise(0);
                if frames > 0 {
                    advise(at(frames));
                }
            }
        }
        true
    }
}

/// A RESTART checkpoint on the writer's own connection (so no write is in
/// progress), waiting at most [`RESTART_WAIT`] for readers.
fn restart(writer: &Connection) -> rusqlite::Result<()> {
    writer.busy_timeout(RESTART_WAIT)?;
    let done = writer.query_row_cached("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0));
    writer.busy_timeout(Duration::from_millis(u64::from(super::connection::BUSY_TIMEOUT_MS)))?;
    done.map(|_| ())
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

    /// Pages of `file` in the page cache, and all its pages.
    fn resident(file: &std::fs::File) -> (usize, usize) {
        use std::os::fd::AsRawFd;
        let len = usize::try_from(file.metadata().unwrap().len()).unwrap();
        let pages = len.div_ceil(4096);
        let mut map = vec![0u8; pages];
        // SAFETY: a read-only shared map of the whole file, unmapped before
        // returning; `map` has one byte per page of it.
        unsafe {
            let at = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), 0);
            assert_ne!(at, libc::MAP_FAILED);
            assert_eq!(libc::mincore(at, len, map.as_mut_ptr()), 0);
            libc::munmap(at, len);
        }
        (map.iter().filter(|b| **b & 1 == 1).count(), pages)
    }

    /// The WAL is reused from its start once every frame is copied back:
    /// the round asks for those pages to be read in, so that the writer's
    /// partial-page writes over them do not wait for the disk.
    #[test]
    fn the_wal_is_read_ahead_where_the_writer_goes_on() {
        // Not /tmp: the page cache of a tmpfs cannot be dropped.
        let dir = tempfile::tempdir_in(concat!(env!("CARGO_MANIFEST_DIR"), "/target")).unwrap();
        let db = table_db(dir.path());
        // 12 MB: more than one advice reads (the device's read-ahead window).
        write_rows(&db, 0, 3000);
        let path = dir.path().join("t.db");
        let checkpointer = super::super::connection::open_checkpointer(&path).unwrap();
        let next = super::round(&checkpointer, &db.inner.writer, i64::MAX).unwrap();
        assert_eq!(next, super::Next::StartOrAfter(next_frames(&checkpointer)));
        let wal = std::fs::File::open(dir.path().join("t.db-wal")).unwrap();
        rustix::fs::fadvise(&wal, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        let (cached, pages) = resident(&wal);
        assert!(cached < pages / 10, "the WAL was not evicted: {cached} of {pages} pages cached");
        let mut ahead = super::WalAhead::new(&path, &checkpointer).unwrap();
        assert!(ahead.prefetch(next));
        // A round that finds the writer where it was asks again for nothing.
        assert!(!ahead.prefetch(next), "an idle round advised again");
        assert!(ahead.prefetch(super::Next::After(1)));
        // The advice starts reads and returns; they land shortly after.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while resident(&wal).0 < pages && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (cached, pages) = resident(&wal);
        assert_eq!(cached, pages, "{cached} of the WAL's {pages} pages were read ahead");
    }

    /// The stretch past the writer is allocated on disk, as long as what it
    /// wrote since the last round (twice that), without changing the WAL's
    /// length; an idle round allocates nothing, and the WAL still works.
    #[test]
    fn the_wal_is_allocated_past_the_writer_as_far_as_it_wrote() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let db = table_db(dir.path());
        write_rows(&db, 0, 200);
        let path = dir.path().join("t.db");
        let checkpointer = super::super::connection::open_checkpointer(&path).unwrap();
        let mut ahead = super::WalAhead::new(&path, &checkpointer).unwrap();
        let wal = || std::fs::metadata(dir.path().join("t.db-wal")).unwrap();
        let (before, frames) = (wal().len(), next_frames(&checkpointer));
        let next = super::Next::After(frames);
        let len = ahead.allocate(next).expect("allocated");
        assert_eq!(len, 2 * frames.unsigned_abs() * ahead.frame);
        assert_eq!(wal().len(), before, "the WAL's length is SQLite's");
        let on_disk = wal().blocks() * 512;
        assert!(on_disk >= before + len - 4096, "{on_disk} bytes allocated for {before} + {len}");
        assert_eq!(ahead.allocate(next), None, "an idle round allocates nothing");
        // Every frame was copied back meanwhile, so the writer started the
        // WAL over: what it wrote since is where it now is.
        write_rows(&db, 200, 50);
        let now = next_frames(&checkpointer);
        assert!(now < frames, "the WAL was started over ({now} frames after {frames})");
        assert_eq!(ahead.allocate(super::Next::After(now)), Some(2 * now.unsigned_abs() * ahead.frame));
        let rows: i64 = db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(rows, 250);
        drop(checkpointer);
        drop(db);
        let reopened = Db::open(&path).unwrap();
        let rows: i64 = reopened.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(rows, 250, "the database opens again over the allocated WAL");
    }

    fn next_frames(conn: &rusqlite::Connection) -> i64 {
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
