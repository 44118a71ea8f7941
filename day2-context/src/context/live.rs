//! The count of cancel scopes alive in the process (`introspect::live_scopes`), kept per thread.
//!
//! One process-wide atomic counter would cost every scope two atomic read-modify-writes (made,
//! freed), each as dear as taking a lock, on a cache line every thread writes. Instead each thread
//! counts in a counter of its own, which only it writes, with a plain load and store; the total is
//! every thread's counter plus what exited threads left behind.

use std::sync::atomic::AtomicIsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The counters of the running threads that have counted.
static THREADS: Mutex<Vec<Arc<AtomicIsize>>> = Mutex::new(Vec::new());

/// What exited threads counted, plus changes counted where the thread's own counter was already
/// gone (a scope freed by another thread-local's destructor).
static RETIRED: AtomicIsize = AtomicIsize::new(0);

fn threads() -> MutexGuard<'static, Vec<Arc<AtomicIsize>>> {
    // No code that can panic runs under this lock, so a poisoned lock still guards a valid list.
    THREADS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This thread's counter, in the list while the thread runs.
struct Mine(Arc<AtomicIsize>);

impl Mine {
    fn register() -> Mine {
        let counter = Arc::new(AtomicIsize::new(0));
        threads().push(Arc::clone(&counter));
        Mine(counter)
    }
}

impl Drop for Mine {
    /// The thread is exiting: its count moves to `RETIRED`, under the list's lock, so a reader
    /// (who sums under that lock) sees it exactly once.
    fn drop(&mut self) {
        let mut threads = threads();
        if let Some(at) = threads.iter().position(|c| Arc::ptr_eq(c, &self.0)) {
            threads.swap_remove(at);
        }
        // Relaxed: a statistic; this thread is the counter's only writer, and the sum is read
        // under the lock held here.
        RETIRED.fetch_add(self.0.load(Relaxed), Relaxed);
    }
}

thread_local! {
    static MINE: Mine = Mine::register();
}

/// Counts `delta` scopes made (positive) or freed (negative) on this thread.
pub(crate) fn add(delta: isize) {
    let counted = MINE.try_with(|mine| {
        // Relaxed: only this thread writes its counter, so a load and a store lose no update;
        // readers sum after joining (or otherwise synchronising with) the threads that counted.
        mine.0.store(mine.0.load(Relaxed) + delta, Relaxed);
    });
    if counted.is_err() {
        // Relaxed: a statistic, as above.
        RETIRED.fetch_add(delta, Relaxed);
    }
}

/// Scopes alive: exact once the threads that made and freed them have been joined (a scope made
/// on one thread and freed on another counts +1 on the first and −1 on the second).
pub(crate) fn scopes() -> usize {
    let threads = threads();
    // Relaxed: a statistic (see `add`).
    let total: isize =
        threads.iter().map(|c| c.load(Relaxed)).sum::<isize>() + RETIRED.load(Relaxed);
    // Negative only when read without synchronising with the threads that counted (a free seen,
    // the matching make on another thread not yet): report none alive rather than wrap.
    usize::try_from(total).unwrap_or(0)
}
