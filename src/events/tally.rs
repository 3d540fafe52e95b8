//! Counter updates that the handlers of an event batch hold back for one
//! write per row at the batch's end.
//!
//! A flood of likes moves the same few counters (the artist's day, the
//! fan's loyalty, the Bop's heat) once per like; written one by one, each
//! like costs a dozen statements on the single writer. A tallied handler
//! only adds an update to its [`Tallied`] list; the bus writes the list
//! inside the batch's transaction before it commits, so the updates still
//! commit together with the record that their handlers ran. The write
//! applies a row's updates in the order they came, so the row ends as it
//! would have one update at a time.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::db::Tx;

/// Held updates of one kind, as the bus sees them.
pub trait Tally: Send + Sync {
    /// How many updates are held: a mark to [`Tally::rewind`] to.
    fn held(&self) -> usize;
    /// Forgets the updates added after `mark` (their handler's work was undone).
    fn rewind(&self, mark: usize);
    /// Writes the held updates in `tx` and forgets them.
    fn flush(&self, tx: &Tx) -> rusqlite::Result<()>;
}

/// Writes a list of updates, in the order they were added.
pub type WriteFn<Op> = Box<dyn Fn(&Tx, Vec<Op>) -> rusqlite::Result<()> + Send + Sync>;

/// Updates of type `Op`, held until the bus writes them with `write`.
pub struct Tallied<Op> {
    ops: Mutex<Vec<Op>>,
    write: WriteFn<Op>,
}

impl<Op: Send> Tallied<Op> {
    pub(super) fn new(write: WriteFn<Op>) -> Arc<Tallied<Op>> {
        Arc::new(Tallied { ops: Mutex::new(Vec::new()), write })
    }

    /// Holds `op` for the batch's write.
    pub fn add(&self, op: Op) {
        self.ops().push(op);
    }

    fn ops(&self) -> MutexGuard<'_, Vec<Op>> {
        // A panic cannot leave the list half-changed: push and truncate
        // either happen or not.
        self.ops.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<Op: Send> Tally for Tallied<Op> {
    fn held(&self) -> usize {
        self.ops().len()
    }

    fn rewind(&self, mark: usize) {
        self.ops().truncate(mark);
    }

    fn flush(&self, tx: &Tx) -> rusqlite::Result<()> {
        let ops = std::mem::take(&mut *self.ops());
        if ops.is_empty() {
            return Ok(());
        }
        (self.write)(tx, ops)
    }
}

/// Groups `ops` by `key`, keeping each group's order and the groups in the
/// order of their first update (so a flush's writes follow the batch).
pub fn grouped<Op, K: PartialEq>(ops: Vec<Op>, key: impl Fn(&Op) -> K) -> Vec<(K, Vec<Op>)> {
    let mut groups: Vec<(K, Vec<Op>)> = Vec::new();
    for op in ops {
        let k = key(&op);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, group)) => group.push(op),
            None => groups.push((k, vec![op])),
        }
    }
    groups
}
