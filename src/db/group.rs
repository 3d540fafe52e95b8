//! Group commit for the single writer.
//!
//! One thread owns the commit loop: it takes the first queued write, locks
//! the writer connection, then takes every write that queued up meanwhile
//! (up to [`MAX_BATCH`]) and runs them in one `BEGIN IMMEDIATE` transaction,
//! each inside its own savepoint. One commit (one fsync at FULL, one WAL
//! append at NORMAL) then covers the whole batch, so likes, views and
//! comments arriving together no longer pay one commit each. Each caller
//! hears back only after the commit, with its own result.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::DbError;
use super::{CredentialWatch, Durability, OutboxSignal, Savepoint, Tx, WriteStats, lock_writer};

/// Most writes in one transaction: bounds how long one batch holds the
/// writer and how much one failed commit takes down with it.
const MAX_BATCH: usize = 256;

#[derive(Default)]
pub struct Stats {
    commits: AtomicU64,
    writes: AtomicU64,
    queued: AtomicU64,
}

impl Stats {
    pub fn queued(&self) {
        self.queued.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> WriteStats {
        WriteStats {
            commits: self.commits.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
        }
    }
}

/// A queued write: runs against the batch's transaction, and is answered
/// once the batch's fate is known.
pub trait WriteJob: Send {
    fn durability(&self) -> Durability;
    /// Runs the write; `Ok` carries the answer to send after the commit.
    fn run(self: Box<Self>, tx: &Tx) -> Result<Box<dyn Answer>, Box<dyn Answer>>;
    /// The write never ran: its batch could not start.
    fn fail(self: Box<Self>, error: &rusqlite::Error);
}

/// The reply to one write, sent after its batch committed (or failed to).
pub trait Answer: Send {
    fn send(self: Box<Self>, commit: Result<(), &rusqlite::Error>);
}

struct Job<T, E, F> {
    durability: Durability,
    f: F,
    reply: oneshot::Sender<Result<T, E>>,
}

struct Reply<T, E> {
    result: Result<T, E>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T: Send, E: From<DbError> + Send> Answer for Reply<T, E> {
    fn send(self: Box<Self>, commit: Result<(), &rusqlite::Error>) {
        let result = match (self.result, commit) {
            (Ok(_), Err(error)) => Err(E::from(DbError::Sqlite(copy_error(error)))),
            (result, _) => result,
        };
        // The caller may have gone (request cancelled); the write stands.
        let _unused = self.reply.send(result);
    }
}

impl<T, E, F> WriteJob for Job<T, E, F>
where
    F: FnOnce(&Tx) -> Result<T, E> + Send,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    fn durability(&self) -> Durability {
        self.durability
    }

    fn run(self: Box<Self>, tx: &Tx) -> Result<Box<dyn Answer>, Box<dyn Answer>> {
        let Job { f, reply, .. } = *self;
        // A panicking write is a failing write: it must not take the writer
        // thread, or the other writes of its batch, down with it.
        let result = catch_unwind(AssertUnwindSafe(|| f(tx))).unwrap_or_else(|_| Err(E::from(DbError::Panicked)));
        let ok = result.is_ok();
        let answer: Box<dyn Answer> = Box::new(Reply { result, reply });
        if ok { Ok(answer) } else { Err(answer) }
    }

    fn fail(self: Box<Self>, error: &rusqlite::Error) {
        let _unused = self.reply.send(Err(E::from(DbError::Sqlite(copy_error(error)))));
    }
}

/// A job for `f`, and where its result will arrive.
pub fn job<T, E, F>(durability: Durability, f: F) -> (Box<dyn WriteJob>, oneshot::Receiver<Result<T, E>>)
where
    F: FnOnce(&Tx) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let (reply, receiver) = oneshot::channel();
    (Box::new(Job { durability, f, reply }), receiver)
}

/// `rusqlite::Error` is not `Clone`; a failed commit is reported to every
/// write of its batch.
fn copy_error(error: &rusqlite::Error) -> rusqlite::Error {
    match error {
        rusqlite::Error::SqliteFailure(code, message) => rusqlite::Error::SqliteFailure(*code, message.clone()),
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// Whom the commit thread tells after a commit, before answering.
pub struct Signals {
    pub outbox: Arc<OutboxSignal>,
    pub credentials: Arc<CredentialWatch>,
}

/// Starts the commit thread; it stops when the returned sender (the `Db`)
/// is dropped.
pub fn start(
    writer: Arc<Mutex<Connection>>,
    signals: Signals,
    stats: Arc<Stats>,
) -> std::io::Result<mpsc::Sender<Box<dyn WriteJob>>> {
    let (sender, jobs) = mpsc::channel::<Box<dyn WriteJob>>();
    std::thread::Builder::new().name("boptone-writer".into()).spawn(move || {
        while let Ok(first) = jobs.recv() {
            let mut conn = lock_writer(&writer);
            // Everything that queued while the previous batch committed (or
            // while another writer held the connection) joins this batch.
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            // Counted before anyone is answered, so a caller sees its write counted.
            let size = batch.len() as u64;
            stats.commits.fetch_add(1, Ordering::Relaxed);
            stats.writes.fetch_add(size, Ordering::Relaxed);
            stats.queued.fetch_sub(size, Ordering::Relaxed);
            commit_batch(&mut conn, batch, &signals);
        }
    })?;
    Ok(sender)
}

/// Runs `batch` in one transaction, raises the outboxes its committed
/// writes wrote to, and answers every write.
fn commit_batch(conn: &mut Connection, batch: Vec<Box<dyn WriteJob>>, signals: &Signals) {
    let durable = batch.iter().any(|job| job.durability() == Durability::Full);
    if durable && let Err(error) = conn.pragma_update(None, "synchronous", "FULL") {
        batch.into_iter().for_each(|job| job.fail(&error));
        return;
    }
    run_batch(conn, batch, signals);
    if durable && let Err(error) = conn.pragma_update(None, "synchronous", "NORMAL") {
        tracing::error!(%error, "cannot restore synchronous=NORMAL after a durable write");
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<Box<dyn WriteJob>>, signals: &Signals) {
    let inner = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(inner) => inner,
        Err(error) => {
            batch.into_iter().for_each(|job| job.fail(&error));
            return;
        }
    };
    let tx = Tx::new(inner);
    let single = batch.len() == 1;
    let mut answers = Vec::with_capacity(batch.len());
    let mut committed_any = false;
    for job in batch {
        // A lone write needs no savepoint: the transaction is its undo.
        if single {
            let outcome = job.run(&tx);
            committed_any = outcome.is_ok();
            answers.push(outcome);
            continue;
        }
        if let Err(error) = tx.savepoint(Savepoint::Write) {
            job.fail(&error);
            continue;
        }
        let outcome = job.run(&tx);
        let closed = tx.release(Savepoint::Write, outcome.is_ok());
        committed_any |= outcome.is_ok();
        answers.push(outcome);
        if let Err(error) = closed {
            // The transaction is in an unknown state: undo all of it.
            tracing::error!(%error, "savepoint failed; rolling the batch back");
            drop(tx);
            answer_all(answers, Err(&error));
            return;
        }
    }
    let written = tx.written.get();
    let commit = if committed_any { tx.inner.commit() } else { tx.inner.rollback() };
    // Raised before anyone hears back: a caller that sees its write done
    // finds the workers already told (answering first let a test see the
    // event worker's signal unraised after its write returned).
    if commit.is_ok() && committed_any {
        signals.credentials.settle();
        signals.outbox.raise(written);
    }
    answer_all(answers, commit.as_ref().map(|_| ()));
}

/// Answers each write: failed ones with their own error, the others with
/// the commit's outcome.
fn answer_all(answers: Vec<Result<Box<dyn Answer>, Box<dyn Answer>>>, commit: Result<(), &rusqlite::Error>) {
    for answer in answers {
        match answer {
            Ok(answer) => answer.send(commit),
            Err(failed) => failed.send(Ok(())),
        }
    }
}
