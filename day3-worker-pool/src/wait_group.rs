//! A hand-written `WaitGroup`: Go's `sync.WaitGroup` as a clonable token (model-checked by loom in
//! `tests/loom_wait_group.rs`).
//!
//! Go counts with `wg.Add(1)` / `wg.Done()`, and forgetting either is a hang or a panic. The Rust
//! shape (the same as `crossbeam_utils::sync::WaitGroup`) makes the count the number of live tokens:
//!
//! | Go                          | here                                  |
//! |-----------------------------|---------------------------------------|
//! | `var wg sync.WaitGroup`     | `let wg = WaitGroup::new();` (one token) |
//! | `wg.Add(1)` before `go f()` | `let token = wg.clone();` moved into the thread |
//! | `defer wg.Done()`           | the token is dropped when the thread ends, even by panic |
//! | `wg.Wait()`                 | `wg.wait()` (gives up its own token, then waits for the rest) |
//!
//! Invariants:
//! 1. `count` is the number of live `WaitGroup` values sharing `inner`; it only changes under the lock.
//! 2. `wait` returns only after observing `count == 0` under the lock, so everything each token's
//!    owner did before dropping it (its unlock is a release) happens-before `wait` returns (its lock
//!    is an acquire).

use std::fmt;
use std::sync::PoisonError;

use crate::sync::{Arc, Condvar, Mutex};

/// Waits until every clone of it has been dropped.
pub struct WaitGroup {
    inner: Arc<Inner>,
}

struct Inner {
    count: Mutex<usize>,
    all_dropped: Condvar,
}

impl WaitGroup {
    /// A group with one token: this value.
    pub fn new() -> Self {
        WaitGroup {
            inner: Arc::new(Inner {
                count: Mutex::new(1),
                all_dropped: Condvar::new(),
            }),
        }
    }

    /// Drops this token, then blocks until every other token has been dropped too.
    pub fn wait(self) {
        // lab:begin day3/wait-group-wait
        let inner = Arc::clone(&self.inner);
        drop(self);
        // The lock only guards a counter and no code panics while holding it, so a poisoned lock
        // still holds a correct count.
        let mut count = inner.count.lock().unwrap_or_else(PoisonError::into_inner);
        while *count > 0 {
            count = inner
                .all_dropped
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
        // lab:end day3/wait-group-wait
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for WaitGroup {
    fn clone(&self) -> Self {
        *self
            .inner
            .count
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        WaitGroup {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl Drop for WaitGroup {
    fn drop(&mut self) {
        // lab:begin day3/wait-group-done
        let mut count = self
            .inner
            .count
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *count -= 1;
        if *count == 0 {
            // Wake the waiter while holding the lock, so it cannot miss the transition to 0.
            self.inner.all_dropped.notify_all();
        }
        // lab:end day3/wait-group-done
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = *self
            .inner
            .count
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("WaitGroup").field("count", &count).finish()
    }
}
