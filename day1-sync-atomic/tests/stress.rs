//! Stress tests beyond the checklist: both stacks and the sharded map under many threads, counting
//! what went in and what came out (multisets, per-element drop counters); the map's concurrent
//! contract, for both of its steps, is `tests/map_steps.rs`. Millions of operations in release,
//! fewer in debug (and under ThreadSanitizer, which builds in debug), a few hundred under Miri
//! (`cargo xtask miri`), which checks every access of the unsafe code for use-after-free, double
//! free and data races.

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
