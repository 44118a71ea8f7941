//! One suite, both steps of the map: the lesson's [`SyncMap`] (one `RwLock<HashMap>`) and the
//! sharded [`ConcurrentMap`]. Each test is written once over [`Step`] and instantiated for each
//! step by [`for_each_step!`], so `map_steps::lesson::*` checks the lab's code and
//! `map_steps::sharded::*` the map the crate uses.
//!
//! Every test that a wrong solution could hang (a lock held across the callback) runs under
//! `labkit::within`, whose bound drops to 10 s under `cargo xtask lab check`.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use day1_sync_atomic::map::ConcurrentMap;
use day1_sync_atomic::map::m1_lesson::SyncMap;
use labkit::within;

/// Go's `sync.Map` API, as both steps spell it.
trait GoMap<K, V>: Send + Sync + 'static {
    /// An empty map where every key shares one lock (the sharded map with one shard), so a
    /// callback that writes lands under the lock being walked.
    fn one_lock() -> Self;
    /// An empty map as a user makes it.
    fn fresh() -> Self;
    fn store(&self, key: K, value: V) -> Option<V>;
    fn load(&self, key: &K) -> Option<V>;
    fn load_or_store(&self, key: K, value: V) -> (V, bool);
    fn delete(&self, key: &K) -> Option<V>;
    fn range(&self, f: &mut dyn FnMut(&K, &V) -> ControlFlow<u64>) -> ControlFlow<u64>;
    fn len(&self) -> usize;
}

/// A step of the map: a family of map types.
trait Step {
    type Map<K: Key, V: Key>: GoMap<K, V>;
}

/// What keys and values of the suite are.
trait Key: Hash + Eq + Clone + Send + Sync + 'static {}
impl<T: Hash + Eq + Clone + Send + Sync + 'static> Key for T {}

/// Implements [`GoMap`] for a step's map by calling its methods of the same names.
macro_rules! go_map {
    ($map:ident, one_lock: $one:expr, fresh: $fresh:expr) => {
        impl<K: Key, V: Key> GoMap<K, V> for $map<K, V> {
            fn one_lock() -> Self {
                $one
            }
            fn fresh() -> Self {
                $fresh
            }
            fn store(&self, key: K, value: V) -> Option<V> {
                $map::store(self, key, value)
            }
            fn load(&self, key: &K) -> Option<V> {
                $map::load(self, key)
            }
            fn load_or_store(&self, key: K, value: V) -> (V, bool) {
                $map::load_or_store(self, key, value)
            }
            fn delete(&self, key: &K) -> Option<V> {
                $map::delete(self, key)
            }
            fn range(&self, f: &mut dyn FnMut(&K, &V) -> ControlFlow<u64>) -> ControlFlow<u64> {
                $map::range(self, f)
            }
            fn len(&self) -> usize {
                $map::len(self)
            }
        }
    };
}

go_map!(SyncMap, one_lock: SyncMap::new(), fresh: SyncMap::new());
go_map!(
    ConcurrentMap,
    one_lock: ConcurrentMap::with_shards_and_hasher(1, Default::default()),
    fresh: ConcurrentMap::new()
);

struct Lesson;
impl Step for Lesson {
    type Map<K: Key, V: Key> = SyncMap<K, V>;
}

struct Sharded;
impl Step for Sharded {
    type Map<K: Key, V: Key> = ConcurrentMap<K, V>;
}

/// How long a test may take before it is reported as hung (10 s under `lab check`).
const PATIENCE: Duration = Duration::from_secs(60);

/// Store, Load, LoadOrStore, Delete and Range, one caller: Go's answers.
fn go_api<S: Step>() {
    let m = S::Map::<u64, String>::fresh();
    assert_eq!(m.store(7, "seven".into()), None, "store into an empty map");
    assert_eq!(
        m.store(7, "SEVEN".into()).as_deref(),
        Some("seven"),
        "store returns the value it replaced (Go's Swap)"
    );
    assert_eq!(m.load(&7).as_deref(), Some("SEVEN"));
    assert_eq!(m.load(&8), None, "load of a key never stored");
    assert_eq!(
        m.load_or_store(7, "x".into()),
        ("SEVEN".into(), true),
        "load_or_store of a stored key returns the stored value and loaded = true, and stores nothing"
    );
    assert_eq!(m.load(&7).as_deref(), Some("SEVEN"));
    assert_eq!(
        m.load_or_store(8, "eight".into()),
        ("eight".into(), false),
        "load_or_store of a new key stores it and returns loaded = false"
    );
    assert_eq!(m.delete(&8).as_deref(), Some("eight"));
    assert_eq!(m.delete(&8), None, "delete of a key already deleted");
    for k in 0..100 {
        m.store(k, format!("v{k}"));
    }
    let mut seen = Vec::new();
    let walked = m.range(&mut |k, v| {
        assert_eq!(
            *v,
            format!("v{k}"),
            "range handed key {k} another key's value"
        );
        seen.push(*k);
        ControlFlow::Continue(())
    });
    assert_eq!(walked, ControlFlow::Continue(()));
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..100).collect::<Vec<_>>(),
        "range visits every key once"
    );
    assert_eq!(m.len(), 100);
}

/// `range` stops at the first `Break` and returns its value.
fn range_stops_early_and_returns_the_break_value<S: Step>() {
    let m = S::Map::<u64, u64>::fresh();
    for i in 0..100 {
        m.store(i, i * 2);
    }
    let mut broke = false;
    let found = m.range(&mut |k, v| {
        assert!(
            !broke,
            "range called the callback again after it returned Break"
        );
        if *k == 7 {
            broke = true;
            ControlFlow::Break(*v)
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(
        found,
        ControlFlow::Break(14),
        "range must return the callback's Break value"
    );
}

/// Go's `Range` lets the callback write to the map: a lock held across the callback deadlocks.
fn range_callback_may_write_to_the_map<S: Step>() {
    let m = S::Map::<u64, u64>::one_lock();
    for i in 0..64 {
        m.store(i, i);
    }
    let what = "range whose callback stores into the map (a lock held across the callback \
                deadlocks: copy the entries, let the lock go, then call back)";
    let (m, seen) = within(what, PATIENCE, move || {
        let mut seen = 0;
        let _ = m.range(&mut |k, _| {
            if *k < 1000 {
                m.store(*k + 1000, 0);
            }
            seen += 1;
            ControlFlow::Continue(())
        });
        (m, seen)
    });
    // Every original key once; a key stored during the walk may or may not be visited.
    assert!((64..=128).contains(&seen), "range visited {seen} entries");
    assert_eq!(m.len(), 128);
}

/// Concurrent `load_or_store` of one key: exactly one caller stores, and every caller gets the
/// stored value back (Go's `LoadOrStore` contract). Then the interleaving that makes two winners,
/// forced: [`both_callers_miss_then_exactly_one_stores`].
fn load_or_store_has_exactly_one_winner<S: Step>() {
    const THREADS: u64 = 4;
    let rounds: u64 = if cfg!(debug_assertions) { 200 } else { 5_000 };
    let map = Arc::new(S::Map::<u64, u64>::fresh());
    let start = Arc::new(Barrier::new(THREADS as usize));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (map, start) = (Arc::clone(&map), Arc::clone(&start));
            thread::spawn(move || {
                (0..rounds)
                    .map(|key| {
                        start.wait(); // all threads race on this key at once
                        map.load_or_store(key, t)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<Vec<(u64, bool)>> = workers
        .into_iter()
        .map(|w| w.join().expect("a caller panicked"))
        .collect();
    for key in 0..rounds as usize {
        let calls: Vec<(u64, bool)> = results.iter().map(|r| r[key]).collect();
        let winners: Vec<u64> = calls.iter().filter(|(_, l)| !l).map(|(v, _)| *v).collect();
        assert_eq!(
            winners.len(),
            1,
            "key {key}: exactly one caller must store (loaded = false); got (value, loaded) {calls:?}"
        );
        assert!(
            calls.iter().all(|(v, _)| *v == winners[0]),
            "key {key}: every caller must get the winner's value back; got {calls:?}"
        );
        assert_eq!(map.load(&(key as u64)), Some(winners[0]));
    }
    both_callers_miss_then_exactly_one_stores::<S>();
}

/// Two key comparisons meet here: the first two (one per caller) wait for each other, for at most
/// [`Meet::PATIENCE`]. Armed only once the map holds its first key.
#[derive(Default)]
struct Meet {
    armed: AtomicBool,
    arrived: Mutex<usize>,
    both: Condvar,
}

impl Meet {
    /// Long enough for the other caller to arrive on a loaded machine. An implementation that
    /// compares keys only under the exclusive lock makes the first caller wait this long, once.
    const PATIENCE: Duration = Duration::from_secs(2);

    fn arrive(&self) {
        // Relaxed: `armed` is set before the callers are spawned, and spawning orders it.
        if !self.armed.load(Relaxed) {
            return;
        }
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.both.notify_all();
        let _ = self
            .both
            .wait_timeout_while(arrived, Self::PATIENCE, |n| *n < 2)
            .unwrap();
    }
}

/// A key whose every value hashes alike (so a lookup compares it with the key already stored) and
/// whose comparisons meet at a [`Meet`].
#[derive(Clone)]
struct Colliding(u32, Arc<Meet>);

impl PartialEq for Colliding {
    fn eq(&self, other: &Self) -> bool {
        self.1.arrive();
        self.0 == other.0
    }
}

impl Eq for Colliding {}

impl Hash for Colliding {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        0u8.hash(h);
    }
}

/// Both callers look the key up (under the shared lock, comparing it with a colliding key) before
/// either stores. An implementation that does not look again under the lock that inserts stores
/// twice.
fn both_callers_miss_then_exactly_one_stores<S: Step>() {
    let meet = Arc::new(Meet::default());
    let map = Arc::new(S::Map::<Colliding, u32>::fresh());
    map.store(Colliding(0, Arc::clone(&meet)), 0);
    meet.armed.store(true, Relaxed);
    let callers: Vec<_> = (1..=2)
        .map(|t| {
            let (map, meet) = (Arc::clone(&map), Arc::clone(&meet));
            thread::spawn(move || map.load_or_store(Colliding(1, meet), t))
        })
        .collect();
    let calls: Vec<(u32, bool)> = callers.into_iter().map(|c| c.join().unwrap()).collect();
    let winners: Vec<u32> = calls.iter().filter(|(_, l)| !l).map(|(v, _)| *v).collect();
    assert_eq!(
        winners.len(),
        1,
        "two callers both missed the key under the read lock; exactly one may store it, so the \
         one that takes the write lock second must look again and find the first one's value. \
         Got (value, loaded) {calls:?}"
    );
    assert!(
        calls.iter().all(|(v, _)| *v == winners[0]),
        "the caller that found the key stored must return the stored value, not its own; got \
         (value, loaded) {calls:?}"
    );
    assert_eq!(
        map.len(),
        2,
        "the key is stored once beside the colliding one"
    );
}

/// Writers on disjoint key ranges store and delete while readers `load` and `range`; at the end
/// the map equals the union of the writers' own models.
fn map_with_disjoint_writers_matches_their_models<S: Step>() {
    const KEYS: u64 = 512;
    let ops: u64 = if cfg!(debug_assertions) {
        20_000
    } else {
        1_000_000
    };
    let map = Arc::new(S::Map::<u64, u64>::fresh());
    let writers: Vec<_> = (0..2u64)
        .map(|t| {
            let map = Arc::clone(&map);
            thread::spawn(move || {
                let mut model = HashMap::new();
                for i in 0..ops {
                    let key = t * KEYS + (i * 7919) % KEYS;
                    if i % 4 == 3 {
                        assert_eq!(map.delete(&key), model.remove(&key), "delete {key}");
                    } else {
                        assert_eq!(map.store(key, i), model.insert(key, i), "store {key}");
                    }
                }
                model
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let map = Arc::clone(&map);
            thread::spawn(move || {
                for i in 0..ops / 100 {
                    // A reader sees either nothing or a value a writer stored for that key.
                    if let Some(v) = map.load(&(i % (2 * KEYS))) {
                        assert!(v < ops);
                    }
                    let mut n = 0;
                    let _ = map.range(&mut |k, _| {
                        n += 1;
                        assert!(*k < 2 * KEYS);
                        ControlFlow::Continue(())
                    });
                    assert!(n <= 2 * KEYS);
                }
            })
        })
        .collect();
    let models: Vec<HashMap<u64, u64>> = writers
        .into_iter()
        .map(|w| w.join().expect("writer panicked"))
        .collect();
    for r in readers {
        r.join().expect("reader panicked");
    }
    let expected: HashMap<u64, u64> = models.into_iter().flatten().collect();
    let mut actual = HashMap::new();
    let _ = map.range(&mut |k, v| {
        assert!(actual.insert(*k, *v).is_none(), "range visited {k} twice");
        ControlFlow::Continue(())
    });
    assert_eq!(actual, expected);
    assert_eq!(map.len(), expected.len());
}

/// Instantiates every test of the suite for each named step.
macro_rules! for_each_step {
    ($($module:ident: $step:ty),+ $(,)?) => {$(
        mod $module {
            use super::*;

            #[test]
            fn go_api() {
                super::go_api::<$step>();
            }

            #[test]
            fn range_stops_early_and_returns_the_break_value() {
                super::range_stops_early_and_returns_the_break_value::<$step>();
            }

            #[test]
            fn range_callback_may_write_to_the_map() {
                super::range_callback_may_write_to_the_map::<$step>();
            }

            #[test]
            fn load_or_store_has_exactly_one_winner() {
                within("load_or_store racing on one key", PATIENCE, || {
                    super::load_or_store_has_exactly_one_winner::<$step>()
                });
            }

            #[test]
            fn map_with_disjoint_writers_matches_their_models() {
                within("writers and readers", PATIENCE, || {
                    super::map_with_disjoint_writers_matches_their_models::<$step>()
                });
            }
        }
    )+};
}

for_each_step!(lesson: Lesson, sharded: Sharded);
