//! Step 2: [`ConcurrentMap`], the lesson's map split into cache-padded shards, each hashing once.
//! The same contract as [`m1_lesson::SyncMap`](super::m1_lesson::SyncMap) and the same suite
//! (`tests/map_steps.rs`); this is the map the rest of the crate (the cache, the benchmarks) uses.
//!
//! # Design
//!
//! The map is `N` shards, each a `std::sync::RwLock` around a hashbrown [`HashTable`], each shard
//! on its own cache line ([`CachePadded`]). A key is hashed **once**: the hash picks the shard and
//! is handed to the shard's table (`HashTable::find(hash, eq)`), which does not hash again —
//! hashing twice costs 20–35 % of a lookup in the 90/10 benchmark. The shard index comes from the
//! high bits *just below* the top seven: hashbrown uses the top seven bits as each slot's tag and
//! the low bits as the bucket index, so taking the shard from either would make every key in a
//! shard share tag or bucket bits and turn probes into long chains of false matches.
//!
//! Two threads wait for each other only when they want the same shard at the same moment (1/N of
//! the time, with N = 32 per core by default), so readers stop queueing on one lock word — the
//! cache line a global `RwLock<HashMap>` bounces between cores on *every read*, because taking a
//! read lock is a write. A shard's lock word still moves to whichever core used the shard last, so
//! two threads do not quite double one thread's rate: sharding removes waiting, not all sharing.
//!
//! # Consistency
//!
//! Every single-key operation is linearizable (it runs under its shard's lock). [`range`] is not a
//! snapshot: it copies one shard at a time under that shard's read lock, releases it, then calls
//! the callback — so the callback may itself call any method of the map, and no thread waits for
//! the whole walk. Like Go's `Range`, no key is visited twice, and a key that is not stored or
//! deleted during the call is visited exactly once; for a key that is, you may see any value it
//! had during the call, or miss it.
//!
//! # Against the ecosystem
//!
//! - [`dashmap`](https://docs.rs/dashmap) is the same design (sharded `RwLock`, hash once), but it
//!   hands out guards (`Ref`, `RefMut`) that hold a shard lock: holding one while calling back into
//!   the map on the same shard deadlocks. This map returns clones instead, as Go's does, and never
//!   lets a lock escape. dashmap defaults to 4 shards per core; this map uses 32.
//! - [`papaya`](https://docs.rs/papaya) is lock-free: a reader pins a guard (seize) that touches
//!   only its own thread's state, so reads write no shared cache line at all. That wins when
//!   writes are rare and cores are many; each insert allocates and retires an entry, which costs
//!   on the write path.
//! - Go's own `sync.Map` keeps a read-only map behind an atomic pointer, whose entries are atomic
//!   pointers (so loads and overwrites of existing keys take no lock), plus a mutex-guarded "dirty"
//!   map for new keys that is promoted after enough misses. It leans on Go's garbage collector for
//!   every replaced entry; in Rust that needs epoch-style reclamation, which is papaya's territory.
//!   A sharded lock map is the simpler design that carries over, and the benchmark shows what it
//!   buys.
//!
//! [`range`]: ConcurrentMap::range

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::mem;
use std::ops::ControlFlow;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crossbeam_utils::CachePadded;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

type Shard<K, V> = CachePadded<RwLock<HashTable<(K, V)>>>;

/// Bits at the top of a hash that hashbrown keeps for its control-byte tag.
const TAG_BITS: u32 = 7;

/// The largest shard count accepted (16 index bits, far from the bucket bits at the bottom).
pub const MAX_SHARDS: usize = 1 << 16;

/// A concurrent hash map with Go's `sync.Map` API, made of cache-padded `RwLock` shards.
///
/// ```
/// use day1_sync_atomic::map::ConcurrentMap;
/// use std::ops::ControlFlow;
///
/// let m = ConcurrentMap::new();
/// assert_eq!(m.store("a", 1), None);
/// assert_eq!(m.load("a"), Some(1));
/// assert_eq!(m.load_or_store("a", 9), (1, true)); // loaded: "a" was there
/// assert_eq!(m.load_or_store("b", 2), (2, false)); // stored
/// let mut sum = 0;
/// let _ = m.range(|_, v| {
///     sum += v;
///     ControlFlow::<()>::Continue(())
/// });
/// assert_eq!(sum, 3);
/// assert_eq!(m.delete("a"), Some(1));
/// assert_eq!(m.len(), 1);
/// ```
pub struct ConcurrentMap<K, V, S = RandomState> {
    shards: Box<[Shard<K, V>]>,
    /// `64 - log2(shards.len())`: how far to shift the tag-stripped hash to get the shard index.
    shift: u32,
    hasher: S,
}

impl<K: Hash + Eq, V> ConcurrentMap<K, V> {
    /// An empty map with [`default_shards`] shards and std's DoS-resistant hasher.
    pub fn new() -> Self {
        Self::with_shards_and_hasher(default_shards(), RandomState::new())
    }
}

impl<K: Hash + Eq, V> Default for ConcurrentMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// The default shard count: 32 per available core, rounded up to a power of two.
///
/// Readers write the lock word of the shard they visit, so two threads on different cores slow
/// each other down whenever they pick the same shard; with 32 shards per core that is rare, and an
/// empty shard costs one cache line.
pub fn default_shards() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores * 32).next_power_of_two().min(MAX_SHARDS)
}

impl<K: Hash + Eq, V, S: BuildHasher> ConcurrentMap<K, V, S> {
    /// An empty map with `shards` shards hashing with `hasher`.
    ///
    /// # Panics
    /// Panics if `shards` is not a power of two between 1 and [`MAX_SHARDS`].
    pub fn with_shards_and_hasher(shards: usize, hasher: S) -> Self {
        assert!(
            shards.is_power_of_two() && shards <= MAX_SHARDS,
            "ConcurrentMap: `shards` must be a power of two between 1 and {MAX_SHARDS}, got {shards}"
        );
        ConcurrentMap {
            shards: (0..shards)
                .map(|_| CachePadded::new(RwLock::new(HashTable::new())))
                .collect(),
            shift: u64::BITS - shards.trailing_zeros(),
            hasher,
        }
    }

    /// An empty map with [`default_shards`] shards hashing with `hasher`.
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_shards_and_hasher(default_shards(), hasher)
    }

    /// The number of shards.
    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    /// Stores `value` under `key` and returns the value it replaced (Go: `Store`, `Swap`).
    ///
    /// The old value is returned rather than dropped so that its destructor runs after the shard
    /// lock is released; so is the new `key` when one was already stored (no method of the map
    /// drops a key or value under a lock, so their `Drop` may use the map).
    pub fn store(&self, key: K, value: V) -> Option<V> {
        let hash = self.hasher.hash_one(&key);
        let mut shard = write(self.shard(hash));
        match shard.entry(hash, |(k, _)| *k == key, |(k, _)| self.hasher.hash_one(k)) {
            Entry::Occupied(mut slot) => Some(mem::replace(&mut slot.get_mut().1, value)),
            Entry::Vacant(slot) => {
                slot.insert((key, value));
                None
            }
        }
    }

    /// A clone of the value stored under `key` (Go: `Load`).
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let hash = self.hasher.hash_one(key);
        let shard = read(self.shard(hash));
        shard
            .find(hash, |(k, _)| k.borrow() == key)
            .map(|(_, v)| v.clone())
    }

    /// Returns the value already stored under `key` and `true`, or stores `value` and returns
    /// it with `false` (Go: `LoadOrStore`'s `actual, loaded`).
    ///
    /// Of several threads racing to store one key, exactly one stores; every caller gets that
    /// thread's value back.
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool)
    where
        V: Clone,
    {
        let hash = self.hasher.hash_one(&key);
        let eq = |(k, _): &(K, V)| *k == key;
        // Read-mostly fast path: a hit needs only the shared lock.
        if let Some((_, v)) = read(self.shard(hash)).find(hash, eq) {
            return (v.clone(), true);
        }
        let mut shard = write(self.shard(hash));
        match shard.entry(hash, eq, |(k, _)| self.hasher.hash_one(k)) {
            // Another thread stored between our two lock acquisitions: its value wins.
            Entry::Occupied(slot) => (slot.get().1.clone(), true),
            Entry::Vacant(slot) => {
                let stored = value.clone();
                slot.insert((key, stored));
                (value, false)
            }
        }
    }

    /// Removes `key` and returns its value (Go: `LoadAndDelete`; `Delete` ignores the result).
    ///
    /// As in [`store`](Self::store), nothing is dropped under the shard lock: the stored key is
    /// dropped after the lock is released, and the value is returned.
    pub fn delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let mut shard = write(self.shard(hash));
        let slot = shard.find_entry(hash, |(k, _)| k.borrow() == key).ok()?;
        let ((stored_key, value), _) = slot.remove();
        drop(shard);
        drop(stored_key);
        Some(value)
    }

    /// Calls `f` on every entry until it returns [`ControlFlow::Break`] (Go: `Range`).
    ///
    /// One shard at a time is copied under its read lock and the lock released before `f` runs,
    /// so `f` may call back into the map and other threads wait at most for one shard copy. See
    /// the module's *Consistency* section for what a concurrent writer may or may not show.
    pub fn range<B>(&self, mut f: impl FnMut(&K, &V) -> ControlFlow<B>) -> ControlFlow<B>
    where
        K: Clone,
        V: Clone,
    {
        let mut copy = Vec::new();
        for shard in self.shards.iter() {
            copy.extend(read(shard).iter().cloned());
            for (k, v) in copy.drain(..) {
                f(&k, &v)?;
            }
        }
        ControlFlow::Continue(())
    }

    /// The number of entries, summed shard by shard (exact only when no thread is writing).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| read(s).len()).sum()
    }

    /// Whether every shard was empty when visited.
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| read(s).is_empty())
    }

    fn shard(&self, hash: u64) -> &Shard<K, V> {
        // Drop the tag bits, keep the next log2(N) bits; one shard (shift 64) always gives 0.
        let index = (hash << TAG_BITS).checked_shr(self.shift).unwrap_or(0);
        &self.shards[index as usize]
    }
}

/// Locks for reading. A panic under a shard's write lock (in a user `Hash`, `Eq` or `Drop`) leaves
/// the hashbrown table valid, so poisoning is ignored rather than spread to every later caller.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Locks for writing; poisoning is ignored for the reason given on [`read`].
fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl<K, V, S> fmt::Debug for ConcurrentMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len: usize = self.shards.iter().map(|s| read(s).len()).sum();
        f.debug_struct("ConcurrentMap")
            .field("shards", &self.shards.len())
            .field("len", &len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labkit::within;

    #[test]
    fn shard_index_skips_the_tag_bits() {
        let m: ConcurrentMap<u64, u64> =
            ConcurrentMap::with_shards_and_hasher(4, RandomState::new());
        // Tag bits alone (top 7) all map to shard 0; the next two bits choose the shard.
        assert!(std::ptr::eq(
            m.shard(u64::MAX << (64 - TAG_BITS)),
            &m.shards[0]
        ));
        assert!(std::ptr::eq(
            m.shard(0b11 << (64 - TAG_BITS - 2)),
            &m.shards[3]
        ));
        assert!(std::ptr::eq(m.shard(0xffff), &m.shards[0]));
    }

    #[test]
    fn one_shard_works() {
        let m = ConcurrentMap::with_shards_and_hasher(1, RandomState::new());
        for i in 0..100 {
            m.store(i, i);
        }
        assert_eq!(m.len(), 100);
        assert_eq!(m.load(&42), Some(42));
    }

    #[test]
    #[should_panic(expected = "`shards` must be a power of two between 1 and 65536, got 3")]
    fn rejects_a_shard_count_that_is_not_a_power_of_two() {
        let _ = ConcurrentMap::<u8, u8>::with_shards_and_hasher(3, RandomState::new());
    }

    /// A key or value whose `Drop` uses the map it was stored in.
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct UsesMapOnDrop(u8);

    type DropMap = ConcurrentMap<UsesMapOnDrop, UsesMapOnDrop>;

    /// The map the probes use (one shard: every key shares its lock).
    static DROP_MAP: std::sync::OnceLock<DropMap> = std::sync::OnceLock::new();

    impl Drop for UsesMapOnDrop {
        fn drop(&mut self) {
            if let Some(map) = DROP_MAP.get() {
                // Reads the probe's own shard: deadlocks if the shard is write-locked here.
                std::hint::black_box(map.len());
            }
        }
    }

    /// No operation drops a key or value under a shard lock, where a `Drop` that uses the same
    /// shard would deadlock: `store`, `load_or_store` and `delete` each drop one here.
    #[test]
    fn no_key_or_value_is_dropped_under_a_shard_lock() {
        // Watchdog: a drop under the lock deadlocks.
        let limit = std::time::Duration::from_secs(30);
        let seen = within("a key or value dropped under its lock", limit, || {
            let map = DROP_MAP
                .get_or_init(|| ConcurrentMap::with_shards_and_hasher(1, RandomState::new()));
            let k = UsesMapOnDrop;
            [
                map.store(k(1), k(10)).is_none(),
                map.store(k(1), k(11)).is_some(), // drops the new key, returns the old value
                map.load_or_store(k(1), k(12)).1, // drops both arguments
                !map.load_or_store(k(2), k(20)).1,
                map.delete(&k(1)).is_some(), // drops the stored key
                map.delete(&k(2)).is_some(),
                map.is_empty(),
            ]
        });
        assert!(seen.iter().all(|&ok| ok), "unexpected results {seen:?}");
    }
}
