//! A loom model of the course's atomic counter (`atomic_counter::count_with_atomic`, built on the crate's
//! `sync` shim): every interleaving of two threads adding twice each ends at exactly 4. A
//! read-then-write increment, or a compare-exchange that is not retried, loses an update in some
//! interleaving, and a load that does not wait for every thread reads a count that is short —
//! loom finds each of them on every run, where a stress test only may.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release -p day1-sync-atomic --test loom_counter
//! --target-dir target/loom` (or `cargo xtask loom day1-sync-atomic`).
#![cfg(loom)]

use day1_sync_atomic::atomic_counter::count_with_atomic;

#[test]
fn two_threads_adding_twice_count_four() {
    loom::model(|| {
        let count = count_with_atomic(2, 2);
        assert_eq!(
            count, 4,
            "2 threads × 2 increments ended at {count}: an increment was lost (a load and a store, \
             or a compare-exchange that is not retried, are two steps another thread can come \
             between), or the count was read before every thread was joined"
        );
    });
}
