//! The database: one SQLite file, a pool of read-only connections, and one
//! writer that runs every write as a `BEGIN IMMEDIATE` transaction on a
//! blocking thread. Repos take `&Connection` (reads) or `&Tx` (writes) and
//! return `rusqlite::Result`.

mod cached;
mod checkpoint;
mod connection;
mod credentials;
mod group;
pub mod lock;
pub mod migrate;
mod wal_ahead;

use std::cell::Cell;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::Duration;

use anyhow::Context;
pub use cached::CachedSql;
pub use credentials::CredentialWatch;
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

/// How a write transaction is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=NORMAL`: durable at the next checkpoint; the default.
    Normal,
    /// `synchronous=FULL`: on disk before commit returns — for money.
    Full,
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    path: PathBuf,
    readers: Pool<SqliteConnectionManager>,
    writer: Arc<Mutex<Connection>>,
    outbox: Arc<OutboxSignal>,
    credentials: Arc<CredentialWatch>,
    /// Async writes queue here for the group-commit thread (see [`group`]).
    jobs: mpsc::Sender<Box<dyn group::WriteJob>>,
    stats: Arc<group::Stats>,
    /// Dropped with the `Db`, which stops the checkpointer.
    _checkpointer: mpsc::Sender<()>,
}

/// How many group-commit transactions ran and how many writes they carried
/// (writes ≥ commits; the difference is what group commit saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub commits: u64,
    pub writes: u64,
    /// Writes queued and not yet run.
    pub queued: u64,
}

/// The outboxes a transaction can write to. Each has a waiter of its own
/// (the event worker, the mail and push senders), woken only by commits
/// that wrote to its outbox: before, every like woke all three, and the
/// mail and push senders each read their outbox for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Events = 0,
    Mail = 1,
    Push = 2,
}

const CHANNELS: usize = 3;
const ALL_CHANNELS: u8 = (1 << CHANNELS) - 1;

/// Raised after a transaction that wrote to an outbox commits, so its
/// worker wakes at once instead of polling.
#[derive(Default)]
pub struct OutboxSignal {
    generation: Mutex<[u64; CHANNELS]>,
    changed: [Condvar; CHANNELS],
}

impl OutboxSignal {
    /// Raises the channels in `written` (a bit per [`Channel`]).
    fn raise(&self, written: u8) {
        if written == 0 {
            return;
        }
        let mut generation = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        for channel in 0..CHANNELS {
            if written & (1 << channel) != 0 {
                generation[channel] += 1;
                self.changed[channel].notify_all();
            }
        }
    }

    /// Current generation of `channel`, to pass to [`OutboxSignal::wait_past`].
    pub fn generation(&self, channel: Channel) -> u64 {
        self.generation.lock().unwrap_or_else(|e| e.into_inner())[channel as usize]
    }

    /// Blocks until `channel` is raised past `seen`, or `timeout` passes.
    pub fn wait_past(&self, channel: Channel, seen: u64, timeout: Duration) {
        let guard = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        let _unused = self.changed[channel as usize]
            .wait_timeout_while(guard, timeout, |generation| generation[channel as usize] == seen);
    }

    /// Wakes every waiter (to stop, or to look again).
    pub fn wake(&self) {
        self.raise(ALL_CHANNELS);
    }
}

/// A write transaction. Derefs to `rusqlite::Transaction`, so it can be
/// handed to any repo function taking `&Connection`.
pub struct Tx<'c> {
    inner: Transaction<'c>,
    /// The outboxes written to, a bit per [`Channel`].
    written: Cell<u8>,
}

impl<'c> Tx<'c> {
    /// Records that this transaction wrote to the event outbox.
    pub fn mark_emitted(&self) {
        self.mark_written(Channel::Events);
    }

    /// Records that this transaction wrote to `channel`'s outbox: its
    /// worker is woken when the transaction commits.
    pub fn mark_written(&self, channel: Channel) {
        self.written.set(self.written.get() | 1 << channel as u8);
    }

    fn new(inner: Transaction<'c>) -> Tx<'c> {
        Tx { inner, written: Cell::new(0) }
    }

    /// Runs a statement without parameters (a savepoint's) from the
    /// statement cache: the savepoints around each grouped write and each
    /// event handler were parsed afresh every time, which showed in the
    /// writer's profile.
    pub fn run_cached(&self, sql: &str) -> rusqlite::Result<()> {
        self.inner.prepare_cached(sql)?.execute([]).map(|_| ())
    }

    /// Opens savepoint `name`; [`Tx::release`] keeps or rolls back its work.
    pub fn savepoint(&self, name: Savepoint) -> rusqlite::Result<()> {
        self.run_cached(name.open())
    }

    /// Closes savepoint `name`, keeping its work when `keep`, else undoing it.
    pub fn release(&self, name: Savepoint, keep: bool) -> rusqlite::Result<()> {
        if !keep {
            self.run_cached(name.rollback())?;
        }
        self.run_cached(name.close())
    }
}

/// The savepoints the writer opens inside a batch.
#[derive(Debug, Clone, Copy)]
pub enum Savepoint {
    /// One grouped write.
    Write,
    /// All the handlers of one event.
    Event,
    /// One event handler.
    Handler,
}

impl Savepoint {
    fn open(self) -> &'static str {
        match self {
            Savepoint::Write => "SAVEPOINT write",
            Savepoint::Event => "SAVEPOINT event",
            Savepoint::Handler => "SAVEPOINT handler",
        }
    }

    fn rollback(self) -> &'static str {
        match self {
            Savepoint::Write => "ROLLBACK TO write",
            Savepoint::Event => "ROLLBACK TO event",
            Savepoint::Handler => "ROLLBACK TO handler",
        }
    }

    fn close(self) -> &'static str {
        match self {
            Savepoint::Write => "RELEASE write",
            Savepoint::Event => "RELEASE event",
            Savepoint::Handler => "RELEASE handler",
        }
    }
}

impl<'c> Deref for Tx<'c> {
    type Target = Transaction<'c>;
    fn deref(&self) -> &Transaction<'c> {
        &self.inner
    }
}

impl Db {
    /// Opens (creating if needed) the database file, without migrating.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let writer =
            connection::open_writer(path).with_context(|| format!("cannot open database {}", path.display()))?;
        let readers = connection::reader_pool(path)?;
        let credentials = CredentialWatch::install(&writer);
        let writer = Arc::new(Mutex::new(writer));
        let outbox = Arc::new(OutboxSignal::default());
        let stats = Arc::new(group::Stats::default());
        let signals = group::Signals { outbox: outbox.clone(), credentials: credentials.clone() };
        let jobs =
            group::start(writer.clone(), signals, stats.clone()).context("cannot start the database writer thread")?;
        let checkpointer = checkpoint::start(path, writer.clone()).context("cannot start the WAL checkpointer")?;
        let inner = DbInner {
            path: path.to_path_buf(),
            readers,
            writer,
            outbox,
            credentials,
            jobs,
            stats,
            _checkpointer: checkpointer,
        };
        Ok(Db { inner: Arc::new(inner) })
    }

    /// Opens the database and applies pending migrations; refuses a database
    /// written by a newer binary.
    pub fn open_migrated(path: &Path) -> anyhow::Result<Db> {
        let db = Db::open(path)?;
        db.migrate()?;
        Ok(db)
    }

    /// Applies pending migrations; returns those applied.
    pub fn migrate(&self) -> anyhow::Result<Vec<migrate::Migration>> {
        migrate::run(&mut self.writer())
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn outbox(&self) -> &OutboxSignal {
        &self.inner.outbox
    }

    pub fn credentials(&self) -> &CredentialWatch {
        &self.inner.credentials
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        lock_writer(&self.inner.writer)
    }

    pub fn write_stats(&self) -> WriteStats {
        self.inner.stats.snapshot()
    }

    /// Runs `f` on a read-only pooled connection, on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f)).await.map_err(|_| DbError::Panicked)?
    }

    /// Runs `f` right here, on the async worker, when a reader is free at
    /// once; otherwise as [`Db::read`]. For the reads a request makes on
    /// every page — its session, a profile, a counter, one page of rows by
    /// an index — which take microseconds: handing each to a blocking thread
    /// cost two context switches, more than the read (a third of an
    /// earnings page's time went to the kernel switching threads). Anything
    /// that may walk many rows stays on [`Db::read`].
    pub async fn read_now<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(conn) = self.inner.readers.try_get() {
            return Ok(f(&conn)?);
        }
        self.read(f).await
    }

    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T>,
    {
        let conn = self.inner.readers.get().map_err(|e| {
            tracing::error!(error = %e, "no database reader available");
            DbError::Busy
        })?;
        Ok(f(&conn)?)
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer; its
    /// changes commit when it returns `Ok` and are undone otherwise.
    ///
    /// Group commit: writes that queue up while the writer is busy run
    /// together in one transaction, each inside its own savepoint (a failing
    /// write is rolled back alone), so they share one commit and one fsync.
    /// The result is only handed back once the transaction has committed.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(Durability::Normal, f).await
    }

    /// As [`Db::write`], committed with `synchronous=FULL` (money). A batch
    /// holding one such write is committed with FULL as a whole.
    pub async fn write_durable<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(Durability::Full, f).await
    }

    async fn submit<T, E, F>(&self, durability: Durability, f: F) -> Result<T, E>
    where
        F: FnOnce(&Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (job, reply) = group::job(durability, f);
        self.inner.stats.queued();
        if self.inner.jobs.send(job).is_err() {
            tracing::error!("the database writer thread is gone");
            return Err(DbError::Busy.into());
        }
        reply.await.map_err(|_| E::from(DbError::Panicked))?
    }

    pub fn write_blocking<T, E, F>(&self, durability: Durability, f: F) -> Result<T, E>
    where
        F: FnOnce(&Tx) -> Result<T, E>,
        E: From<rusqlite::Error>,
    {
        let mut conn = self.writer();
        if durability == Durability::Full {
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        let result = Self::in_transaction(&mut conn, f);
        if durability == Durability::Full {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        let (value, written) = result?;
        self.inner.credentials.settle();
        self.inner.outbox.raise(written);
        Ok(value)
    }

    fn in_transaction<T, E, F>(conn: &mut Connection, f: F) -> Result<(T, u8), E>
    where
        F: FnOnce(&Tx) -> Result<T, E>,
        E: From<rusqlite::Error>,
    {
        let tx = Tx::new(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let value = f(&tx)?;
        let written = tx.written.get();
        tx.inner.commit()?;
        Ok((value, written))
    }

    /// `SELECT 1` on a reader: is the database answering?
    pub fn ping(&self) -> Result<(), DbError> {
        self.read_blocking(|c| c.query_row_cached("SELECT 1", [], |_| Ok(())))
    }

    /// Writes a consistent snapshot of the live database to `dest` with
    /// `VACUUM INTO`: one read transaction, so concurrent writers neither
    /// block it nor make it restart.
    pub fn snapshot_to(&self, dest: &Path) -> anyhow::Result<()> {
        let dest = dest.to_str().context("backup path is not UTF-8")?.to_owned();
        Ok(self.read_blocking(|c| {
            // VACUUM INTO is refused on a query_only connection; lift it for
            // this statement only: VACUUM INTO never writes the source.
            c.pragma_update(None, "query_only", false)?;
            let result = c.execute_cached("VACUUM INTO ?1", [&dest]);
            c.pragma_update(None, "query_only", true)?;
            result.map(|_| ())
        })?)
    }

    /// Folds the WAL back into the main file; called on shutdown.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        self.writer().query_row_cached("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// A panic inside a write closure rolls its transaction back while
/// unwinding, so the connection behind a poisoned lock is still sound.
fn lock_writer(writer: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    writer.lock().unwrap_or_else(|e| e.into_inner())
}

/// What can go wrong in the database layer; services turn it into their
/// own errors (`AppError` implements `From<DbError>`).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// No connection could be had in time (pool exhausted, writer gone).
    #[error("the database is busy")]
    Busy,
    /// A database task panicked or was cancelled.
    #[error("a database task failed")]
    Panicked,
}

/// The installation's secret `name` (32 random bytes), made on first use
/// and kept in the database, so signatures outlive restarts.
pub fn server_secret(conn: &rusqlite::Connection, name: &str, now: i64) -> rusqlite::Result<Vec<u8>> {
    server_secret_made_by(conn, name, now, || rand::random::<[u8; 32]>().to_vec())
}

/// As [`server_secret`], for secrets with a shape of their own (a signing
/// key): `make` is called only when `name` is not stored yet.
pub fn server_secret_made_by(
    conn: &rusqlite::Connection,
    name: &str,
    now: i64,
    make: impl FnOnce() -> Vec<u8>,
) -> rusqlite::Result<Vec<u8>> {
    let stored: Option<Vec<u8>> =
        conn.query_row_cached("SELECT value FROM server_secrets WHERE name = ?1", [name], |r| r.get(0)).optional()?;
    if let Some(value) = stored {
        return Ok(value);
    }
    let fresh = make();
    conn.execute_cached(
        "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
        rusqlite::params![name, fresh.as_slice(), now],
    )?;
    conn.query_row_cached("SELECT value FROM server_secrets WHERE name = ?1", [name], |r| r.get(0))
}

/// Milliseconds since the Unix epoch, UTC — the one time format in the database.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::{Channel, Db, DbError, Durability};

    /// A commit wakes only the workers whose outboxes it wrote to: a like
    /// (an event) leaves the mail and push senders asleep.
    #[tokio::test]
    async fn a_commit_raises_only_the_channels_it_wrote_to() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let signal = || [Channel::Events, Channel::Mail, Channel::Push].map(|c| db.outbox().generation(c));
        let before = signal();
        db.write::<_, DbError, _>(|tx| {
            tx.mark_emitted();
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(signal(), [before[0] + 1, before[1], before[2]], "grouped write: events only");
        db.write_blocking::<_, rusqlite::Error, _>(Durability::Normal, |tx| {
            tx.mark_written(Channel::Mail);
            tx.mark_written(Channel::Push);
            Ok(())
        })
        .unwrap();
        assert_eq!(signal(), [before[0] + 1, before[1] + 1, before[2] + 1], "mail and push");
        db.write::<_, DbError, _>(|_| Ok(())).await.unwrap();
        assert_eq!(signal(), [before[0] + 1, before[1] + 1, before[2] + 1], "a write to no outbox wakes no one");
        db.write::<(), DbError, _>(|tx| {
            tx.mark_written(Channel::Mail);
            Err(DbError::Busy)
        })
        .await
        .unwrap_err();
        assert_eq!(signal()[1], before[1] + 1, "a write undone wakes no one");
    }
}
