//! The time, held in the application state so tests can move it: a rule
//! like "once per viewer per 30 minutes" is tested by advancing the clock,
//! not by editing rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// UTC unix milliseconds: the system time plus an offset tests may change.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now_ms(&self) -> i64 {
        crate::db::now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::system();
        let seen_by_app = clock.clone();
        let before = seen_by_app.now_ms();
        clock.advance(30 * 60 * 1000);
        assert!(seen_by_app.now_ms() >= before + 30 * 60 * 1000);
    }
}
