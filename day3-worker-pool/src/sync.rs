//! The loom shim: production code and the loom models share one source.
//!
//! Under `RUSTFLAGS="--cfg loom"` these names are loom's model-checked types; otherwise std's. The
//! shim offers what std's API offers, so a correct solution written with any of it builds under loom
//! too: loom's `Condvar` has no `wait_while`, and never wakes a waiter spuriously, which std's may do.
//! [`Condvar`] here adds both (see its docs).

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom_condvar::Condvar;

#[cfg(loom)]
mod loom_condvar {
    use std::sync::LockResult;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    use super::MutexGuard;

    /// loom's `Condvar` with std's API (`wait_while`) and std's spurious wake-ups.
    ///
    /// std's `Condvar::wait` "is susceptible to spurious wakeups": it may return although nobody
    /// notified, so a wait must be re-checked in a loop (`while`, not `if`). loom's never does, so
    /// under loom an `if` would pass. Here every other `wait` on a condvar (the first, the third, …)
    /// returns at once, as a wake-up with nobody notifying and no other thread running in between
    /// may; the calls in between are loom's real waits, so a loop that re-checks still sleeps.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar {
        inner: loom::sync::Condvar,
        /// The waits so far: the shim's own bookkeeping, not a modelled location (std's type).
        waits: AtomicUsize,
    }

    // std's API whole: the reference uses `wait` and `notify_all`, a learner's code may use the rest.
    #[allow(dead_code)]
    impl Condvar {
        pub(crate) fn new() -> Self {
            Self::default()
        }

        /// std's `Condvar::wait`, a spurious wake-up included (see the type's docs).
        #[track_caller]
        pub(crate) fn wait<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
        ) -> LockResult<MutexGuard<'a, T>> {
            if self.waits.fetch_add(1, Relaxed).is_multiple_of(2) {
                return Ok(guard); // spurious: woken by nobody
            }
            self.inner.wait(guard)
        }

        /// std's `Condvar::wait_while`: waits while `condition` holds, re-checking it after every
        /// wake-up, spurious ones included.
        #[track_caller]
        pub(crate) fn wait_while<'a, T, F>(
            &self,
            mut guard: MutexGuard<'a, T>,
            mut condition: F,
        ) -> LockResult<MutexGuard<'a, T>>
        where
            F: FnMut(&mut T) -> bool,
        {
            while condition(&mut *guard) {
                guard = self.wait(guard)?;
            }
            Ok(guard)
        }

        #[track_caller]
        pub(crate) fn notify_one(&self) {
            self.inner.notify_one();
        }

        #[track_caller]
        pub(crate) fn notify_all(&self) {
            self.inner.notify_all();
        }
    }
}
