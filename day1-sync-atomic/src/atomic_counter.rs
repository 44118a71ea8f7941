//! The course's `sync/atomic` counter — `atomic.AddInt64(&n, 1)` from many goroutines, then
//! `atomic.LoadInt64(&n)` — as a learner writes it: [`AtomicI64::fetch_add`] and
//! [`AtomicI64::load`](std::sync::atomic::AtomicI64::load), each with an explicit ordering.
//!
//! Built on the crate's `sync` shim, so `tests/loom_counter.rs` runs this very function under
//! every interleaving of two threads. [`counter`](crate::counter) (feature `contenders`) measures
//! the same `fetch_add` against a mutex and per-thread counters.
//!
//! [`AtomicI64::fetch_add`]: std::sync::atomic::AtomicI64::fetch_add

use std::sync::atomic::Ordering::Relaxed;

/// The course's counter: `threads` goroutines each call `atomic.AddInt64(&n, 1)` `per_thread`
/// times, and after `wg.Wait()` the total is `atomic.LoadInt64(&n)`. Returns that total.
///
/// ```
/// assert_eq!(day1_sync_atomic::atomic_counter::count_with_atomic(4, 1_000), 4_000);
/// ```
pub fn count_with_atomic(threads: usize, per_thread: u64) -> i64 {
    // std's types, or loom's when a model runs this (`crate::sync`).
    use crate::sync::{Arc, AtomicI64, thread};

    // lab:begin day1/atomic-counter
    let count = Arc::new(AtomicI64::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let count = Arc::clone(&count);
            thread::spawn(move || {
                for _ in 0..per_thread {
                    // Relaxed: read-modify-writes of one atomic are totally ordered whatever the
                    // ordering, so no increment is lost; nothing else is published with it.
                    count.fetch_add(1, Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a counting thread panicked");
    }
    // Relaxed: each `join` orders that thread's increments before this load (Go: the load after
    // `wg.Wait()`).
    count.load(Relaxed)
    // lab:end day1/atomic-counter
}
