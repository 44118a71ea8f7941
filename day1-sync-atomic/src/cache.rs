//! A concurrent memoizing cache on [`ConcurrentMap`] — the curriculum's `sync.Map` demo.
//!
//! The Go idiom is `if v, ok := m.Load(k); ok { return v }; v := compute(k); actual, _ :=
//! m.LoadOrStore(k, v); return actual`: compute outside any lock, and if another goroutine got
//! there first, keep *its* value so every caller agrees. [`Cache::get_or_compute`] is exactly that.
//! Two threads may both compute a missing key (the loser's work is wasted), but no lock is held
//! while computing, so a slow computation never blocks readers of other keys.

use std::hash::Hash;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use crate::map::ConcurrentMap;

/// A thread-safe cache of computed values, with hit/miss statistics.
///
/// ```
/// use day1_sync_atomic::cache::Cache;
/// let squares = Cache::new();
/// assert_eq!(squares.get_or_compute(12u64, |k| k * k), 144);
/// assert_eq!(squares.get_or_compute(12u64, |_| unreachable!("cached")), 144);
/// assert_eq!(squares.stats().hits, 1);
/// ```
#[derive(Debug)]
pub struct Cache<K, V> {
    map: ConcurrentMap<K, V>,
    hits: AtomicU64,
    misses: AtomicU64,
    lost_races: AtomicU64,
}

impl<K: Hash + Eq, V: Clone> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// Counters of a [`Cache`], read with [`Cache::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that computed the value.
    pub misses: u64,
    /// Misses whose computed value was discarded because another thread stored first.
    pub lost_races: u64,
}

impl<K: Hash + Eq, V: Clone> Cache<K, V> {
    /// An empty cache.
    pub fn new() -> Self {
        Cache {
            map: ConcurrentMap::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            lost_races: AtomicU64::new(0),
        }
    }

    /// The cached value for `key`, computing it with `compute` (outside any lock) on a miss.
    ///
    /// Racing callers for one missing key may each compute, but all of them return the value
    /// that was stored first.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        // Relaxed on every counter: they are statistics, ordered by nothing else; readers that need
        // exact totals read them after joining the threads that counted.
        if let Some(v) = self.map.load(&key) {
            self.hits.fetch_add(1, Relaxed);
            return v;
        }
        self.misses.fetch_add(1, Relaxed);
        let value = compute(&key);
        let (actual, loaded) = self.map.load_or_store(key, value);
        if loaded {
            self.lost_races.fetch_add(1, Relaxed);
        }
        actual
    }

    /// Stores `value` for `key` unconditionally (Go: `Store`).
    pub fn insert(&self, key: K, value: V) {
        self.map.store(key, value);
    }

    /// Forgets `key` and returns its value, so the next lookup recomputes it (Go: `Delete`).
    pub fn invalidate(&self, key: &K) -> Option<V> {
        self.map.delete(key)
    }

    /// The map underneath, for `load`, `range` and friends.
    pub fn map(&self) -> &ConcurrentMap<K, V> {
        &self.map
    }

    /// The statistics so far.
    pub fn stats(&self) -> CacheStats {
        // Relaxed: see `get_or_compute`.
        CacheStats {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            lost_races: self.lost_races.load(Relaxed),
        }
    }
}
