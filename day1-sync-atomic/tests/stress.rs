//! Stress tests beyond the checklist: both stacks and the map under many threads, counting what
//! went in and what came out (multisets, per-element drop counters), plus a `load_or_store`
//! linearizability smoke test. Millions of operations in release, fewer in debug (and under
//! ThreadSanitizer, which builds in debug), a few hundred under Miri (`cargo xtask miri`), which
//! checks every access of the unsafe code for use-after-free, double free and data races.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Barrier};
use std::thread;

use day1_sync_atomic::map::ConcurrentMap;
use day1_sync_atomic::stack::Stack;
use day1_sync_atomic::stack::s1_leaky::LeakyStack;

const THREADS: u64 = 4;
/// Operations per thread: 1 M in release (4 M pushes + 4 M pops per stack), 20 k in debug, 100
/// under Miri (which interprets every instruction, a million times slower).
const OPS: u64 = if cfg!(miri) {
    100
} else if cfg!(debug_assertions) {
    20_000
} else {
    1_000_000
};

/// The two stacks behind one interface, so every stress test runs on both.
trait TestStack<T>: Sync {
    fn push(&self, value: T);
    fn pop(&self) -> Option<T>;
}

impl<T: Send> TestStack<T> for Stack<T> {
    fn push(&self, value: T) {
        Stack::push(self, value);
    }
    fn pop(&self) -> Option<T> {
        Stack::pop(self)
    }
}

impl<T: Send> TestStack<T> for LeakyStack<T> {
    fn push(&self, value: T) {
        LeakyStack::push(self, value);
    }
    fn pop(&self) -> Option<T> {
        LeakyStack::pop(self)
    }
}

/// Every thread pushes its own distinct values and pops in bursts of varying length; popped
/// values plus what is left must be exactly the pushed ones.
fn conserves_the_multiset(stack: &impl TestStack<u64>) {
    let start = Barrier::new(THREADS as usize);
    let mut popped: Vec<u64> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    let mut got = Vec::new();
                    for i in 0..OPS {
                        stack.push(t * OPS + i);
                        // Pop 0, 1 or 2 times per push so the stack both grows and drains.
                        for _ in 0..(i + t) % 3 {
                            got.extend(stack.pop());
                        }
                    }
                    got
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    while let Some(v) = stack.pop() {
        popped.push(v);
    }
    popped.sort_unstable();
    assert_eq!(
        popped.len() as u64,
        THREADS * OPS,
        "lost or duplicated elements"
    );
    assert!(
        popped.iter().copied().eq(0..THREADS * OPS),
        "popped multiset differs from pushed"
    );
}

/// Runs a stack test under the watchdog: a push or pop that spins forever (a CAS retried with a
/// stale expected head) fails the test instead of hanging it. Each needs seconds, under
/// ThreadSanitizer too.
fn bounded(name: &str, body: impl FnOnce() + Send + 'static) {
    labkit::within(name, std::time::Duration::from_secs(120), body);
}

#[test]
fn epoch_stack_conserves_the_multiset() {
    bounded("epoch_stack_conserves_the_multiset", || {
        conserves_the_multiset(&Stack::new());
    });
}

#[test]
fn leaky_stack_conserves_the_multiset() {
    bounded("leaky_stack_conserves_the_multiset", || {
        conserves_the_multiset(&LeakyStack::new());
    });
}

/// An element that records its own drop in a per-id slot: a leak leaves a 0, a double drop a 2.
struct Tracked {
    id: usize,
    drops: Arc<Vec<AtomicU8>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // Relaxed: the slots are read only after every thread was joined.
        self.drops[self.id].fetch_add(1, Relaxed);
    }
}

fn every_element_dropped_exactly_once<S: TestStack<Tracked>>(make: impl FnOnce() -> S) {
    let per_thread = (OPS / 10) as usize;
    let total = THREADS as usize * per_thread;
    let drops: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let stack = make();
    thread::scope(|s| {
        for t in 0..THREADS as usize {
            let (stack, drops) = (&stack, &drops);
            s.spawn(move || {
                for i in 0..per_thread {
                    stack.push(Tracked {
                        id: t * per_thread + i,
                        drops: drops.clone(),
                    });
                    if i % 2 == 0 {
                        drop(stack.pop()); // dropped here, by the popping thread
                    }
                }
            });
        }
    });
    // About half the elements are still on the stack: its Drop must release each once.
    drop(stack);
    // Relaxed: all threads were joined by the scope.
    let counts: Vec<u8> = drops.iter().map(|d| d.load(Relaxed)).collect();
    let leaked = counts.iter().filter(|&&c| c == 0).count();
    let doubled = counts.iter().filter(|&&c| c > 1).count();
    assert_eq!(
        (leaked, doubled),
        (0, 0),
        "elements leaked / dropped more than once"
    );
}

#[test]
fn epoch_stack_drops_every_element_exactly_once() {
    bounded("epoch_stack_drops_every_element_exactly_once", || {
        every_element_dropped_exactly_once(Stack::new);
    });
}

#[test]
fn leaky_stack_drops_every_element_exactly_once() {
    bounded("leaky_stack_drops_every_element_exactly_once", || {
        every_element_dropped_exactly_once(LeakyStack::new);
    });
}

/// Concurrent `load_or_store` of one key: exactly one caller stores, and every caller gets the
/// stored value back (Go's `LoadOrStore` contract).
#[test]
fn load_or_store_has_exactly_one_winner() {
    let rounds = if cfg!(miri) {
        20
    } else if cfg!(debug_assertions) {
        200
    } else {
        5_000
    };
    let map = ConcurrentMap::new();
    let start = Barrier::new(THREADS as usize);
    let results: Vec<Vec<(u64, bool)>> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (map, start) = (&map, &start);
                s.spawn(move || {
                    (0..rounds)
                        .map(|key| {
                            start.wait(); // all threads race on this key at once
                            map.load_or_store(key, t)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    for key in 0..rounds as usize {
        let calls: Vec<(u64, bool)> = results.iter().map(|r| r[key]).collect();
        let winners: Vec<u64> = calls
            .iter()
            .filter(|(_, loaded)| !loaded)
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(winners.len(), 1, "key {key}: stores {calls:?}");
        assert!(
            calls.iter().all(|(v, _)| *v == winners[0]),
            "key {key}: {calls:?}"
        );
        assert_eq!(map.load(&(key as u64)), Some(winners[0]));
    }
    both_callers_miss_then_exactly_one_stores();
}

/// Two keys meet here: the first two key comparisons (one per caller) wait for each other, for at
/// most [`Meet::PATIENCE`]. Armed only once the map holds its first key.
#[derive(Default)]
struct Meet {
    armed: std::sync::atomic::AtomicBool,
    arrived: std::sync::Mutex<usize>,
    both: std::sync::Condvar,
}

impl Meet {
    /// Long enough for the other caller to arrive on a loaded machine. An implementation that
    /// compares keys under the exclusive lock makes the first caller wait this long, once.
    const PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

    fn arrive(&self) {
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
struct Colliding(u32, Arc<Meet>);

impl PartialEq for Colliding {
    fn eq(&self, other: &Self) -> bool {
        self.1.arrive();
        self.0 == other.0
    }
}

impl Eq for Colliding {}

impl std::hash::Hash for Colliding {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        0u8.hash(h);
    }
}

/// The interleaving that makes two winners, forced rather than hoped for: both callers look the
/// key up (under the shared lock, comparing it with a colliding key) before either stores. An
/// implementation that does not look again under the lock that inserts stores twice.
fn both_callers_miss_then_exactly_one_stores() {
    let meet = Arc::new(Meet::default());
    let map = ConcurrentMap::new();
    map.store(Colliding(0, Arc::clone(&meet)), 0u32);
    meet.armed.store(true, Relaxed);
    let calls: Vec<(u32, bool)> = thread::scope(|s| {
        let callers: Vec<_> = (1..=2)
            .map(|t| {
                let (map, meet) = (&map, Arc::clone(&meet));
                s.spawn(move || map.load_or_store(Colliding(1, meet), t))
            })
            .collect();
        callers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let winners: Vec<u32> = calls.iter().filter(|(_, l)| !l).map(|(v, _)| *v).collect();
    assert_eq!(winners.len(), 1, "two callers that both missed: {calls:?}");
    assert!(calls.iter().all(|(v, _)| *v == winners[0]), "{calls:?}");
    assert_eq!(
        map.len(),
        2,
        "the key is stored once beside the colliding one"
    );
}

/// Writers on disjoint key ranges store and delete while readers `load` and `range`; at the end
/// the map equals the union of the writers' own models.
#[test]
fn map_with_disjoint_writers_matches_their_models() {
    const KEYS: u64 = 512;
    let map = ConcurrentMap::new();
    let models: Vec<HashMap<u64, u64>> = thread::scope(|s| {
        let writers: Vec<_> = (0..2u64)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    let mut model = HashMap::new();
                    for i in 0..OPS {
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
        for _ in 0..2 {
            s.spawn(|| {
                for i in 0..OPS / 100 {
                    // A reader sees either nothing or a value a writer stored for that key.
                    if let Some(v) = map.load(&(i % (2 * KEYS))) {
                        assert!(v < OPS);
                    }
                    let mut n = 0;
                    let _ = map.range(|k, _| {
                        n += 1;
                        assert!(*k < 2 * KEYS);
                        ControlFlow::<()>::Continue(())
                    });
                    assert!(n <= 2 * KEYS);
                }
            });
        }
        writers
            .into_iter()
            .map(|w| w.join().expect("writer panicked"))
            .collect()
    });
    let expected: HashMap<u64, u64> = models.into_iter().flatten().collect();
    let mut actual = HashMap::new();
    let _ = map.range(|k, v| {
        assert!(actual.insert(*k, *v).is_none(), "range visited {k} twice");
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(actual, expected);
    assert_eq!(map.len(), expected.len());
}

/// Values replaced by `store`, removed by `delete`, and left in the map at drop are each
/// dropped exactly once.
#[test]
fn map_drops_every_value_exactly_once() {
    let n = if cfg!(miri) { 100 } else { 2_000 };
    let drops: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
    let map = ConcurrentMap::new();
    for id in 0..n {
        let old = map.store(
            id % 500,
            Tracked {
                id,
                drops: drops.clone(),
            },
        );
        drop(old);
        if id % 7 == 0 {
            drop(map.delete(&(id % 500)));
        }
    }
    drop(map);
    // Relaxed: single-threaded here.
    assert!(
        drops.iter().all(|d| d.load(Relaxed) == 1),
        "a value leaked or was dropped twice"
    );
}
