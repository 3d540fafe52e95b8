//! [`Memo`]: what a page computed, kept under a stamp — the figures'
//! version, the day, whatever the result depends on — and handed out again
//! while the stamp is unchanged (and, where set, younger than a maximum
//! age). Bounded: past `max_entries` it starts over, so keys that anyone
//! can mint cannot grow it without limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Memo<K, S, V> {
    entries: Mutex<HashMap<K, (S, Instant, V)>>,
    max_entries: usize,
    max_age: Option<Duration>,
}

impl<K: Eq + Hash, S: PartialEq, V: Clone> Memo<K, S, V> {
    pub fn new(max_entries: usize, max_age: Option<Duration>) -> Self {
        Memo { entries: Mutex::new(HashMap::new()), max_entries, max_age }
    }

    /// The value kept for `key` under `stamp`, if it is still young enough.
    pub fn get(&self, key: &K, stamp: &S) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (kept, at, value) = entries.get(key)?;
        let fresh = self.max_age.is_none_or(|age| at.elapsed() < age);
        (kept == stamp && fresh).then(|| value.clone())
    }

    /// The value kept for `key` even when too old or kept under another
    /// stamp, and whether it is so: such a value is marked current at once
    /// (under `stamp`), so of many requests that find it out of date only
    /// the first works out a new one (in the background, then [`Memo::put`])
    /// while every request is answered straight away.
    pub fn get_or_refresh(&self, key: &K, stamp: &S) -> Option<(V, bool)>
    where
        S: Clone,
    {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (kept, at, value) = entries.get_mut(key)?;
        let stale = kept != stamp || self.max_age.is_some_and(|age| at.elapsed() >= age);
        if stale {
            *kept = stamp.clone();
            *at = Instant::now();
        }
        Some((value.clone(), stale))
    }

    pub fn put(&self, key: K, stamp: S, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (stamp, Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_under_its_stamp_for_its_age_and_the_memo_stays_bounded() {
        let memo = Memo::new(2, Some(Duration::from_millis(50)));
        memo.put(1, "v1", "page");
        assert_eq!(memo.get(&1, &"v1"), Some("page"));
        assert_eq!(memo.get(&1, &"v2"), None, "a new stamp draws again");
        memo.put(2, "v1", "other");
        memo.put(3, "v1", "third");
        assert_eq!(memo.get(&1, &"v1"), None, "full, it started over");
        assert_eq!(memo.get(&3, &"v1"), Some("third"));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(memo.get(&3, &"v1"), None, "too old");
    }

    #[test]
    fn a_stale_value_is_served_and_only_one_caller_refreshes_it() {
        let memo = Memo::new(4, Some(Duration::from_millis(30)));
        memo.put(1, "v1", "page");
        assert_eq!(memo.get_or_refresh(&1, &"v1"), Some(("page", false)));
        assert_eq!(memo.get_or_refresh(&2, &"v1"), None, "nothing kept, nothing served");
        assert_eq!(memo.get_or_refresh(&1, &"v2"), Some(("page", true)), "another stamp: served, refreshed once");
        assert_eq!(memo.get_or_refresh(&1, &"v2"), Some(("page", false)));
        memo.put(1, "v1", "page");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(memo.get_or_refresh(&1, &"v1"), Some(("page", true)), "the first to find it old refreshes");
        assert_eq!(memo.get_or_refresh(&1, &"v1"), Some(("page", false)), "the next ones are served");
    }
}
