//! [`Memo`]: what a page computed, kept under a stamp — the figures'
//! version, the day, whatever the result depends on — and handed out again
//! while the stamp is unchanged (and, where set, younger than a maximum
//! age). Bounded: past `max_entries` it starts over, so keys that anyone
//! can mint cannot grow it without limit.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
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
    /// (`key` may be borrowed: a `&str` for a `String` key, with no copy.)
    pub fn get<Q>(&self, key: &Q, stamp: &S) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
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

/// Lets only one caller at a time make a missing value of a [`Memo`]:
/// those that find it missing while it is being made wait, then take the
/// made one, instead of each making it (32 requests of one fan at the turn
/// of the minute made 32 For You pools). Keys share a lane when their hashes
/// do, so a lane is held only as long as one value takes to make.
pub struct OneMaker {
    lanes: Box<[tokio::sync::Mutex<()>]>,
    hasher: RandomState,
}

impl OneMaker {
    pub fn new(lanes: usize) -> OneMaker {
        OneMaker { lanes: (0..lanes.max(1)).map(|_| tokio::sync::Mutex::new(())).collect(), hasher: RandomState::new() }
    }

    /// `memo`'s value for `key` under `stamp`, made by `make` (and kept)
    /// when missing.
    pub async fn get_or_make<K, S, V, E, F, Fut>(&self, memo: &Memo<K, S, V>, key: K, stamp: S, make: F) -> Result<V, E>
    where
        K: Eq + Hash,
        S: PartialEq,
        V: Clone,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some(value) = memo.get(&key, &stamp) {
            return Ok(value);
        }
        let lane = self.hasher.hash_one(&key) as usize % self.lanes.len();
        let _making = self.lanes[lane].lock().await;
        // Made while this caller waited for the lane.
        if let Some(value) = memo.get(&key, &stamp) {
            return Ok(value);
        }
        let value = make().await?;
        memo.put(key, stamp, value.clone());
        Ok(value)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_that_find_a_value_missing_together_make_it_once() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let memo = Arc::new(Memo::new(16, None));
        let maker = Arc::new(OneMaker::new(4));
        let made = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..16)
            .map(|i| {
                let (memo, maker, made) = (memo.clone(), maker.clone(), made.clone());
                // Two keys: each is made once, whichever lane they share.
                tokio::spawn(async move {
                    maker
                        .get_or_make(&memo, i % 2, (), || async {
                            made.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(format!("pool {}", i % 2))
                        })
                        .await
                })
            })
            .collect();
        for (i, caller) in callers.into_iter().enumerate() {
            assert_eq!(caller.await.unwrap(), Ok(format!("pool {}", i % 2)));
        }
        assert_eq!(made.load(Ordering::SeqCst), 2, "one make per key");
        let failed: Result<String, &str> = maker.get_or_make(&memo, 7, (), || async { Err("no") }).await;
        assert_eq!(failed, Err("no"));
        assert_eq!(memo.get(&7, &()), None, "a failure is not kept");
    }
}
