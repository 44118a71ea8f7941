//! Step 1: [`SyncMap`], Go's `sync.Map` API over one `RwLock<HashMap<K, V>>`.
//!
//! This is the map a Go programmer writes before reaching for `sync.Map`: a map and a
//! `sync.RWMutex` beside it. In Rust the lock *owns* the map, so the map cannot be touched without
//! the lock. Two methods need more thought than "take the lock, call the map":
//!
//! - `load_or_store`: the look and the insert must be one decision. Looking under the read lock,
//!   letting it go, then inserting under the write lock lets two callers both miss and both store.
//! - `range`: Go's `Range` lets the callback call the map. A callback run while this thread holds
//!   the lock and asking for the write lock waits for itself: a deadlock.
//!
//! ```
//! use day1_sync_atomic::map::m1_lesson::SyncMap;
//! use std::ops::ControlFlow;
//!
//! let m = SyncMap::new();
//! assert_eq!(m.store("a", 1), None);
//! assert_eq!(m.load_or_store("a", 9), (1, true)); // loaded: "a" was there
//! assert_eq!(m.load_or_store("b", 2), (2, false)); // stored
//! let mut sum = 0;
//! let _ = m.range(|_, v| {
//!     sum += v;
//!     ControlFlow::<()>::Continue(())
//! });
//! assert_eq!(sum, 3);
//! assert_eq!(m.delete("a"), Some(1));
//! ```

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::ops::ControlFlow;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Go's `sync.Map` API over one `RwLock<HashMap<K, V>>`.
#[derive(Debug, Default)]
pub struct SyncMap<K, V> {
    map: RwLock<HashMap<K, V>>,
}

impl<K: Hash + Eq, V> SyncMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        SyncMap {
            map: RwLock::new(HashMap::new()),
        }
    }

    /// Stores `value` under `key` and returns the value it replaced (Go: `Store`, `Swap`).
    pub fn store(&self, key: K, value: V) -> Option<V> {
        self.write().insert(key, value)
    }

    /// A clone of the value stored under `key` (Go: `Load`).
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.read().get(key).cloned()
    }

    /// Returns the value already stored under `key` and `true`, or stores `value` and returns it
    /// with `false` (Go: `LoadOrStore`'s `actual, loaded`). Of several callers racing on one key,
    /// exactly one stores, and every caller gets that caller's value back.
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool)
    where
        V: Clone,
    {
        // lab:begin day1/map-load-or-store
        // A hit needs only the read lock: many readers may look at once.
        if let Some(v) = self.read().get(&key) {
            return (v.clone(), true);
        }
        // A miss takes the write lock and looks again: another caller may have stored the key
        // between the two locks, and then its value is the answer.
        match self.write().entry(key) {
            Entry::Occupied(slot) => (slot.get().clone(), true),
            Entry::Vacant(slot) => (slot.insert(value).clone(), false),
        }
        // lab:end day1/map-load-or-store
    }

    /// Removes `key` and returns its value (Go: `LoadAndDelete`; `Delete` ignores the result).
    pub fn delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.write().remove(key)
    }

    /// Calls `f` on every entry until it returns [`ControlFlow::Break`] (Go: `Range`). `f` may
    /// call any method of the map; entries stored or deleted meanwhile may or may not be seen.
    pub fn range<B>(&self, mut f: impl FnMut(&K, &V) -> ControlFlow<B>) -> ControlFlow<B>
    where
        K: Clone,
        V: Clone,
    {
        // lab:begin day1/map-range
        // Copy the entries under the read lock, and let it go before any callback runs.
        let entries: Vec<(K, V)> = self
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in &entries {
            f(k, v)?;
        }
        ControlFlow::Continue(())
        // lab:end day1/map-range
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Locks for reading. A panic under the write lock (in a user `Hash` or `Eq`) leaves the
    /// `HashMap` valid, so poisoning is ignored rather than spread to every later caller.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<K, V>> {
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks for writing; poisoning is ignored for the reason given on `read`.
    fn write(&self) -> RwLockWriteGuard<'_, HashMap<K, V>> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }
}
