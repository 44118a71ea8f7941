//! Go's `sync.WaitGroup`, hand-written: a counter under a mutex and a condition variable.
//!
//! It exists so that [`merge::m1_waitgroup`](crate::merge::m1_waitgroup) can be written in exactly
//! the blog's shape. Rust rarely needs one: a channel closes when its last `Sender` is dropped, and
//! `std::thread::scope` joins every thread it started. Model-checked by `tests/loom_merge.rs`.
//!
//! Invariants:
//! 1. `count` is the number of `add`ed tasks that have not called `done` yet; it never goes below 0
//!    (a `done` too many panics, like Go's "sync: negative WaitGroup counter").
//! 2. `zero` is notified, under the lock, every time `count` reaches 0; `wait` rechecks `count`
//!    under the same lock, so it cannot miss that notification.
//! 3. Everything a task did before its `done` happens-before `wait` returning: both sides take the
//!    same mutex (its unlock in `done` pairs with its lock in `wait`).

use std::fmt;
use std::sync::PoisonError;

use crate::sync::{Condvar, Mutex};

/// Waits for a collection of tasks to finish (`sync.WaitGroup`: `Add`, `Done`, `Wait`).
///
/// Share it between threads with an `Arc`:
///
/// ```
/// use std::sync::Arc;
/// use day4_pipeline::waitgroup::WaitGroup;
///
/// let wg = Arc::new(WaitGroup::new());
/// wg.add(2);
/// for _ in 0..2 {
///     let wg = Arc::clone(&wg);
///     std::thread::spawn(move || wg.done());
/// }
/// wg.wait();
/// assert_eq!(wg.count(), 0);
/// ```
pub struct WaitGroup {
    count: Mutex<usize>,
    zero: Condvar,
}

impl WaitGroup {
    /// A wait group with a count of zero (`var wg sync.WaitGroup`).
    pub fn new() -> Self {
        WaitGroup {
            count: Mutex::new(0),
            zero: Condvar::new(),
        }
    }

    /// Adds `n` tasks to wait for (`wg.Add(n)`); call it before starting them.
    pub fn add(&self, n: usize) {
        // A panic can never happen while the lock is held with the count half-updated, so a poisoned
        // lock still guards a valid count.
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count += n;
    }

    /// Marks one task finished (`wg.Done()`); wakes every waiter when the count reaches zero.
    ///
    /// # Panics
    /// Panics if called more times than [`add`](Self::add) counted, like Go.
    pub fn done(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(
            *count > 0,
            "WaitGroup::done called more times than add: negative counter"
        );
        *count -= 1;
        if *count == 0 {
            self.zero.notify_all();
        }
    }

    /// Blocks until the count is zero (`wg.Wait()`); returns at once if it already is.
    pub fn wait(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        while *count != 0 {
            count = self
                .zero
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The current count: tasks added and not yet done.
    pub fn count(&self) -> usize {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_on_zero_returns_at_once() {
        WaitGroup::new().wait();
    }

    #[test]
    fn wait_returns_after_every_done() {
        let wg = Arc::new(WaitGroup::new());
        let finished = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        wg.add(3);
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (wg, finished) = (Arc::clone(&wg), Arc::clone(&finished));
                std::thread::spawn(move || {
                    finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    wg.done();
                })
            })
            .collect();
        wg.wait();
        // The mutex orders every `fetch_add` before its `done`, and every `done` before `wait` returns.
        assert_eq!(finished.load(std::sync::atomic::Ordering::Relaxed), 3);
        handles.into_iter().for_each(|h| h.join().unwrap());
    }

    #[test]
    #[should_panic(expected = "negative counter")]
    fn done_without_add_panics() {
        WaitGroup::new().done();
    }
}
