//! Readying the WAL where the writer goes on, after each checkpointer
//! round, so that a commit finds the file ready to take its frames.
//!
//! A WAL frame is a page plus a 24-byte header, so every frame the writer
//! appends starts and ends part-way into a block of the file, and writing
//! part of a block the page cache does not hold means reading the block's
//! old content first, inside the commit. Once the WAL laps (it is reused
//! from its start when copied back) the blocks ahead of the writer hold the
//! frames of a lap before, long written back, and the kernel drops such
//! pages whenever it likes: on the test machine a memory monitor (DAMON)
//! pages out file pages untouched for a minute, memory free or not. After
//! floods and a pause, a like flood from two connections read 250 dead
//! blocks back in ten seconds, the writer and the event worker waiting
//! behind the checkpoint's write-back (54 waits of 2 to 10 ms), though the
//! stretch was read ahead each round. Cleared, the same flood's writer
//! waited on the disk over 2 ms not once. So the stretch ahead of the writer
//! is cleared instead ([`WalAhead::clear`]): the file system marks its
//! blocks unwritten (`FALLOC_FL_ZERO_RANGE`, no data written), and a write
//! into an unwritten block reads nothing. What is cleared lies past the
//! WAL's last commit: no reader reads it, and recovery stops before it.
//!
//! Where the WAL grows past any length it had before, the file system must
//! first find blocks for it, and ext4 does that holding the file's block
//! map: under a like flood from two connections on a fresh copy of the
//! demo data, the writer's next frame waited 19 to 35 ms for the map while
//! the checkpointer's sync allocated the frames before it, three times in
//! eight seconds. So the stretch past the file's end is allocated
//! ([`WalAhead::allocate`]) without changing the file's length (SQLite
//! reads the WAL by its index, not its length).
//!
//! How far: twice what the writer wrote since the round before, at most
//! [`AHEAD`]. The start of the WAL, where the writer goes when it starts
//! the WAL over, holds live frames until then and cannot be cleared: it is
//! read ahead instead ([`WalAhead::prefetch`]), as is everything ahead on a
//! file system that cannot clear.

use std::fs::File;
use std::num::NonZeroU64;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::CachedSql;
use super::checkpoint::Next;

/// How far past the writer's position the WAL is readied at most: about a
/// second of a comment flood from two connections (114 MB of WAL a second
/// on the test machine; a like flood writes less).
const AHEAD: u64 = 128 << 20;

/// How far it is cleared at least, though the writer wrote nothing since
/// the last round: the first second of a burst after a quiet spell.
const CLEAR_AT_LEAST: u64 = 8 << 20;

/// The stretch cleared while the writer waits (the file system drops the
/// pages and marks the blocks): under like and comment floods on the test
/// machine, 0.07 ms at the median, 0.8 ms at p90, 1.6 ms at most (traced
/// with `strace -T`, which slows it).
const PIECE: u64 = 4 << 20;

/// The piece of a read-ahead asked for at a time: Linux's smallest
/// read-ahead window.
const ADVICE: u64 = 128 << 10;

/// The WAL file's header, before the first frame.
const WAL_HEADER: u64 = 32;

/// A frame's header, before its page.
const FRAME_HEADER: u64 = 24;

/// The writer's position in the WAL, as its commits leave it: SQLite's WAL
/// hook, called after each commit with the frames in the WAL. Leaked,
/// sixteen bytes per database opened: the hook runs as long as the
/// writer's connection lives, which the checkpointer's handle on it can
/// stretch past the `Db`.
#[derive(Clone, Copy)]
pub(super) struct Position {
    frames: &'static AtomicI64,
    /// Commits seen, so that a position can be known to be newer than a
    /// moment.
    commits: &'static AtomicU64,
}

struct Counters {
    frames: AtomicI64,
    commits: AtomicU64,
}

impl Position {
    /// Watches the writer's commits. `wal_autocheckpoint`, which would
    /// replace the hook, is set before, when the writer is opened.
    pub(super) fn watch(writer: &Connection) -> Position {
        use rusqlite::ffi;
        use std::ffi::{c_char, c_int, c_void};
        unsafe extern "C" fn committed(
            to: *mut c_void,
            _: *mut ffi::sqlite3,
            _: *const c_char,
            frames: c_int,
        ) -> c_int {
            // SAFETY: `to` is the leaked `Counters` registered below.
            let to = unsafe { &*to.cast::<Counters>() };
            to.frames.store(i64::from(frames), Ordering::Relaxed);
            to.commits.fetch_add(1, Ordering::Relaxed);
            ffi::SQLITE_OK
        }
        let counters: &'static Counters =
            Box::leak(Box::new(Counters { frames: AtomicI64::new(0), commits: AtomicU64::new(0) }));
        // SAFETY: `writer` is open; the argument lives for the process, and
        // the callback only stores to it.
        unsafe {
            ffi::sqlite3_wal_hook(writer.handle(), Some(committed), std::ptr::from_ref(counters).cast_mut().cast());
        }
        Position { frames: &counters.frames, commits: &counters.commits }
    }

    fn frames(self) -> i64 {
        self.frames.load(Ordering::Relaxed)
    }

    fn commits(self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

/// Readies the WAL where the writer goes on: cleared, allocated, or read
/// ahead.
pub(super) struct WalAhead {
    path: PathBuf,
    file: Option<File>,
    frame: u64,
    /// The kernel's page size: what is cleared starts at a page boundary,
    /// past the page the writer is filling.
    page: u64,
    /// Where the last advice was for: a round that finds the writer where
    /// it was (an idle server) asks again for nothing, rather than reading
    /// the WAL back in every second once the kernel has dropped it.
    advised: Option<Next>,
    /// The writer's position (in frames) at the last round.
    last_at: i64,
    /// The stretch ahead of the writer last cleared: still clear from
    /// wherever the writer now is inside it.
    cleared: Range<u64>,
    /// Whether another connection's commits could have moved the WAL's end
    /// unseen by the hook (see [`WalAhead::clear`]).
    trust: Trust,
    /// The WAL header's checkpoint sequence number and first salt when
    /// `cleared` was: both change when the WAL is started over, and a lap
    /// after that may have written what was cleared.
    lap: [u8; 8],
    /// False once the file system said it cannot clear.
    can_clear: bool,
}

/// What clearing knows of commits made by other connections (another
/// process, such as the CLI): the hook sees only the writer's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// `PRAGMA data_version` on the writer answered this, and the writer
    /// had committed since it last changed: the hook's position is the
    /// WAL's end while it answers the same.
    Since(i64),
    /// It answered `version` when the hook had seen `commits` commits: the
    /// position is known once the writer commits again with no other
    /// commit between.
    Unknown { commits: u64, version: Option<i64> },
}

impl WalAhead {
    pub(super) fn new(db: &Path, conn: &Connection) -> rusqlite::Result<WalAhead> {
        let page: i64 = conn.query_row_cached("PRAGMA page_size", [], |r| r.get(0))?;
        let mut path = db.as_os_str().to_owned();
        path.push("-wal");
        Ok(WalAhead {
            path: path.into(),
            file: None,
            frame: page.unsigned_abs() + FRAME_HEADER,
            page: rustix::param::page_size() as u64,
            advised: None,
            last_at: 0,
            cleared: 0..0,
            trust: Trust::Unknown { commits: 0, version: None },
            lap: [0; 8],
            can_clear: true,
        })
    }

    /// After a round, which said where the writer goes on.
    pub(super) fn ready(&mut self, next: Next, writer: &Mutex<Connection>, position: Position) {
        let len = self.stretch(next);
        self.allocate(next, len);
        let cleared = self.can_clear && self.clear(writer, position, len.max(CLEAR_AT_LEAST)).is_ok();
        self.prefetch(next, cleared);
    }

    /// How far to ready: twice what the writer wrote since the last round
    /// (after a restart, since the WAL's start), at most [`AHEAD`].
    fn stretch(&mut self, next: Next) -> u64 {
        let (Next::After(at) | Next::StartOrAfter(at)) = next;
        let wrote = if at >= self.last_at { at - self.last_at } else { at };
        self.last_at = at;
        (2 * wrote.unsigned_abs() * self.frame).min(AHEAD)
    }

    /// The WAL, opened once it exists. Never created here (SQLite makes it
    /// with its own header). SQLite takes no lock on the WAL itself, so
    /// this descriptor can hold or drop none of SQLite's.
    fn file(&mut self) -> Option<&File> {
        if self.file.is_none() {
            self.file = File::options().read(true).write(true).open(&self.path).ok();
        }
        self.file.as_ref()
    }

    fn offset(&self, frames: i64) -> u64 {
        WAL_HEADER + frames.unsigned_abs() * self.frame
    }

    /// Allocates `len` bytes past the writer's position, without changing
    /// the file's length; says how many. Best effort: a file system
    /// without it only keeps the stall.
    fn allocate(&mut self, next: Next, len: u64) -> u64 {
        let (Next::After(at) | Next::StartOrAfter(at)) = next;
        let offset = self.offset(at);
        match self.file() {
            Some(file) if len > 0 => {
                rustix::fs::fallocate(file, rustix::fs::FallocateFlags::KEEP_SIZE, offset, len).map_or(0, |()| len)
            }
            _ => 0,
        }
    }

    /// Clears up to `len` bytes of the WAL past the writer's position
    /// (within the file: past its end, [`WalAhead::allocate`] left nothing
    /// to read), a piece at a time, each while no frame can be written:
    /// holding the writer, in a write transaction (which also keeps out a
    /// writer in another process). The hook gives the writer's position
    /// only while no other connection has committed since the writer's
    /// last commit, which `PRAGMA data_version` tells; otherwise nothing is
    /// cleared until the writer commits again. Says how many bytes it
    /// cleared; an error if the file system cannot.
    fn clear(&mut self, writer: &Mutex<Connection>, position: Position, len: u64) -> Result<u64, rustix::io::Errno> {
        let mut cleared = 0;
        loop {
            let Some(file) = self.file() else { return Ok(cleared) };
            let eof = file.metadata().map_or(0, |m| m.len());
            let writer = super::lock_writer(writer);
            let Some(_held) = Held::begin(&writer) else { return Ok(cleared) };
            if !self.knows_position(&writer, position) {
                return Ok(cleared);
            }
            self.check_lap();
            let from = self.offset(position.frames()).next_multiple_of(self.page);
            let start = if self.cleared.contains(&from) { self.cleared.end } else { from };
            let end = (from + len).min(eof).min(start + PIECE);
            if end <= start {
                return Ok(cleared);
            }
            let flags = rustix::fs::FallocateFlags::ZERO_RANGE | rustix::fs::FallocateFlags::KEEP_SIZE;
            let Some(file) = self.file.as_ref() else { return Ok(cleared) };
            if let Err(error) = rustix::fs::fallocate(file, flags, start, end - start) {
                if matches!(error, rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::INVAL) {
                    self.can_clear = false;
                    return Err(error);
                }
                return Ok(cleared);
            }
            self.cleared = from..end;
            cleared += end - start;
        }
    }

    /// Whether the hook's position is the WAL's end: no other connection
    /// has committed since the writer's last commit. Called holding the
    /// writer in a write transaction.
    fn knows_position(&mut self, writer: &Connection, position: Position) -> bool {
        let Ok(version) = writer.query_row_cached("PRAGMA data_version", [], |r| r.get::<_, i64>(0)) else {
            return false;
        };
        let commits = position.commits();
        let known = match self.trust {
            Trust::Since(seen) => seen == version,
            Trust::Unknown { commits: then, version: seen } => seen == Some(version) && commits > then,
        };
        if known {
            self.trust = Trust::Since(version);
        } else if !matches!(self.trust, Trust::Unknown { version: Some(seen), .. } if seen == version) {
            self.trust = Trust::Unknown { commits, version: Some(version) };
        }
        known
    }

    /// Forgets what was cleared if the WAL was started over since.
    fn check_lap(&mut self) {
        use std::os::unix::fs::FileExt;
        let mut lap = [0; 8];
        let read = self.file.as_ref().map(|file| file.read_exact_at(&mut lap, 12));
        if !matches!(read, Some(Ok(()))) || lap != self.lap {
            self.cleared = 0..0;
            self.lap = lap;
        }
    }

    /// Reads ahead where the writer goes on: the WAL's start when it may
    /// start the WAL over, and, when the stretch after its position could
    /// not be cleared, that too. Best effort: the advice only moves reads
    /// earlier. Says whether it advised.
    fn prefetch(&mut self, next: Next, cleared: bool) -> bool {
        if self.advised == Some(next) || self.file().is_none() {
            return false;
        }
        self.advised = Some(next);
        let (start_over, after) = match next {
            Next::After(frames) => (false, frames),
            Next::StartOrAfter(frames) => (true, frames),
        };
        // Past the writer only what could not be cleared; the start (if the
        // WAL may be started over) always: its frames are live until then.
        let after = (!(cleared || start_over && after == 0)).then(|| self.offset(after));
        let Some(file) = &self.file else { return false };
        // One advice reads at most the device's read-ahead window (128 KiB
        // by default; 8 MiB here), so the stretch is asked for in pieces.
        let advise = |from: u64| {
            for piece in (from..from + AHEAD).step_by(ADVICE as usize) {
                let _unused = rustix::fs::fadvise(file, piece, NonZeroU64::new(ADVICE), rustix::fs::Advice::WillNeed);
            }
        };
        if start_over {
            advise(0);
        }
        after.map(advise);
        true
    }
}

/// A write transaction on the writer, rolled back when dropped: it writes
/// nothing, and holds SQLite's write lock meanwhile.
struct Held<'c>(&'c Connection);

impl<'c> Held<'c> {
    /// None when another process is writing: waiting for it would hold
    /// this server's writes too.
    fn begin(writer: &'c Connection) -> Option<Held<'c>> {
        super::connection::waiting_at_most(writer, Duration::ZERO, |w| w.execute_batch("BEGIN IMMEDIATE"))
            .ok()
            .map(|()| Held(writer))
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _unused = self.0.execute_batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;
    use std::sync::Mutex;
    use std::time::Duration;

    use rusqlite::Connection;

    use super::super::checkpoint::Next;
    use super::super::checkpoint::tests::{next_frames, table_db, write_rows};
    use super::super::connection::{open_checkpointer, open_writer};
    use super::{Position, WalAhead};
    use crate::db::Db;

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
        let next = super::super::checkpoint::round(&checkpointer, &db.inner.writer, i64::MAX).unwrap();
        assert_eq!(next, Next::StartOrAfter(next_frames(&checkpointer)));
        let wal = std::fs::File::open(dir.path().join("t.db-wal")).unwrap();
        rustix::fs::fadvise(&wal, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        let (cached, pages) = resident(&wal);
        assert!(cached < pages / 10, "the WAL was not evicted: {cached} of {pages} pages cached");
        let mut ahead = WalAhead::new(&path, &checkpointer).unwrap();
        assert!(ahead.prefetch(next, false));
        // A round that finds the writer where it was asks again for nothing.
        assert!(!ahead.prefetch(next, false), "an idle round advised again");
        assert!(ahead.prefetch(Next::After(1), false));
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
        let mut ahead = WalAhead::new(&path, &checkpointer).unwrap();
        let wal = || std::fs::metadata(dir.path().join("t.db-wal")).unwrap();
        let (before, frames) = (wal().len(), next_frames(&checkpointer));
        let next = Next::After(frames);
        let len = ahead.stretch(next);
        assert_eq!(len, 2 * frames.unsigned_abs() * ahead.frame);
        assert_eq!(ahead.allocate(next, len), len);
        assert_eq!(wal().len(), before, "the WAL's length is SQLite's");
        let on_disk = wal().blocks() * 512;
        assert!(on_disk >= before + len - 4096, "{on_disk} bytes allocated for {before} + {len}");
        assert_eq!(ahead.stretch(next), 0, "an idle round allocates nothing");
        // Every frame was copied back meanwhile, so the writer started the
        // WAL over: what it wrote since is where it now is.
        write_rows(&db, 200, 50);
        let now = next_frames(&checkpointer);
        assert!(now < frames, "the WAL was started over ({now} frames after {frames})");
        assert_eq!(ahead.stretch(Next::After(now)), 2 * now.unsigned_abs() * ahead.frame);
        let rows: i64 = db.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(rows, 250);
        drop(checkpointer);
        drop(db);
        let reopened = Db::open(&path).unwrap();
        let rows: i64 = reopened.read_blocking(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).unwrap();
        assert_eq!(rows, 250, "the database opens again over the allocated WAL");
    }

    /// Bytes this thread has had read from storage.
    fn read_by_this_thread() -> u64 {
        let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
        io.lines().find_map(|l| l.strip_prefix("read_bytes: ")).unwrap().parse().unwrap()
    }

    fn insert(writer: &Mutex<Connection>, from: i64, count: i64) {
        let writer = writer.lock().unwrap();
        for n in from..from + count {
            writer.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(3000))", [n]).unwrap();
        }
    }

    /// A WAL past its first lap, with a writer (hooked, without a `Db`,
    /// whose checkpointer would interfere) and a `WalAhead` that has had
    /// its first look (which only learns the other connections' commits,
    /// so it clears nothing). In `target`, not /tmp: a tmpfs cannot clear,
    /// nor drop its pages.
    struct Lapped {
        dir: tempfile::TempDir,
        path: std::path::PathBuf,
        writer: Mutex<Connection>,
        position: Position,
        checkpointer: Connection,
        ahead: WalAhead,
    }

    fn lapped_wal() -> Lapped {
        let dir = tempfile::tempdir_in(concat!(env!("CARGO_MANIFEST_DIR"), "/target")).unwrap();
        let path = dir.path().join("t.db");
        let writer = open_writer(&path).unwrap();
        let position = Position::watch(&writer);
        writer.execute_batch("CREATE TABLE t (n INTEGER, pad BLOB)").unwrap();
        let writer = Mutex::new(writer);
        insert(&writer, 0, 600);
        let checkpointer = open_checkpointer(&path).unwrap();
        let (frames, copied) = super::super::checkpoint::passive(&checkpointer).unwrap();
        assert_eq!(frames, copied, "every frame copied back");
        // The next commit starts the WAL over, ahead of the first lap's frames.
        insert(&writer, 600, 1);
        assert!(position.frames() < 10, "the WAL was started over: {} frames", position.frames());
        let mut ahead = WalAhead::new(&path, &checkpointer).unwrap();
        assert_eq!(ahead.clear(&writer, position, 1 << 20), Ok(0), "the first look cleared");
        Lapped { dir, path, writer, position, checkpointer, ahead }
    }

    fn drop_dead_frames(dir: &std::path::Path, ahead: &WalAhead, position: Position) {
        let wal = std::fs::File::open(dir.join("t.db-wal")).unwrap();
        wal.sync_data().unwrap();
        let from = ahead.offset(position.frames()).next_multiple_of(ahead.page);
        rustix::fs::fadvise(&wal, from, None, rustix::fs::Advice::DontNeed).unwrap();
    }

    fn rows_and_check(path: &std::path::Path) -> (i64, String) {
        let fresh = Connection::open(path).unwrap();
        let rows = fresh.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        (rows, fresh.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap())
    }

    /// Frames written over a lap's dead frames the kernel has dropped read
    /// those blocks back first, inside the commit; over the stretch cleared
    /// ahead of the writer they read nothing. Clearing touches no frame
    /// before the writer's position: every row is there, before and after
    /// the database is opened again.
    #[test]
    fn frames_written_over_a_cleared_stretch_read_nothing_from_disk() {
        let Lapped { dir, path, writer, position, checkpointer, mut ahead } = lapped_wal();
        drop_dead_frames(dir.path(), &ahead, position);
        let before = read_by_this_thread();
        insert(&writer, 601, 20);
        assert!(read_by_this_thread() > before, "writing over dropped dead frames read nothing");

        drop_dead_frames(dir.path(), &ahead, position);
        let stretch = 1 << 20;
        assert_eq!(ahead.clear(&writer, position, stretch), Ok(stretch));
        assert_eq!(ahead.clear(&writer, position, stretch), Ok(0), "a cleared stretch was cleared again");
        let wal = std::fs::File::open(dir.path().join("t.db-wal")).unwrap();
        let mut dead = vec![1u8; 4096];
        wal.read_exact_at(&mut dead, ahead.cleared.start).unwrap();
        assert!(dead.iter().all(|b| *b == 0), "the stretch ahead still holds the last lap's frames");
        let before = read_by_this_thread();
        insert(&writer, 621, 20);
        assert_eq!(read_by_this_thread(), before, "writing over the cleared stretch read from disk");

        assert_eq!(rows_and_check(&path), (641, "ok".to_owned()));
        drop((writer, checkpointer, ahead));
        assert_eq!(rows_and_check(&path), (641, "ok".to_owned()), "after the WAL is recovered");
    }

    /// Another connection (another process: the CLI) appends frames the
    /// hook does not see: nothing is cleared until the writer has committed
    /// after it, so those frames are never taken for dead.
    #[test]
    fn nothing_is_cleared_after_another_connection_committed_until_the_writer_does() {
        let Lapped { dir: _dir, path, writer, position, checkpointer, mut ahead } = lapped_wal();
        insert(&writer, 601, 1);
        assert_eq!(ahead.clear(&writer, position, 1 << 20), Ok(1 << 20));
        let other = Connection::open(&path).unwrap();
        for n in 602..902 {
            other.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(3000))", [n]).unwrap();
        }
        assert_eq!(ahead.clear(&writer, position, 4 << 20), Ok(0), "cleared past another connection's frames");
        assert_eq!(rows_and_check(&path), (902, "ok".to_owned()));
        insert(&writer, 902, 1);
        assert!(ahead.clear(&writer, position, 4 << 20).unwrap() > 0, "the writer's commit made it known again");
        assert_eq!(rows_and_check(&path), (903, "ok".to_owned()));
        drop((writer, checkpointer, ahead, other));
        assert_eq!(rows_and_check(&path), (903, "ok".to_owned()), "after the WAL is recovered");
    }
}
