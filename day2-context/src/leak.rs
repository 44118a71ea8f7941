//! The leak check: create many timed contexts, cancel them all, and count what is left.
//!
//! Counts come from the crate's own bookkeeping ([`introspect`]) and, for
//! threads, from `/proc/self/status` — exact numbers, unlike memory usage, which the allocator
//! blurs.

use std::time::Duration;

use crate::{Context, introspect};

/// What one [`churn`] run saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Live child scopes registered under the parent.
    pub children: usize,
    /// Entries in the shared timer.
    pub timer_entries: usize,
    /// Cancel scopes allocated in the process.
    pub live_scopes: usize,
    /// Threads in the process (`None` where `/proc` is unavailable).
    pub threads: Option<usize>,
}

/// Before, at the peak (all `n` contexts alive) and after cancelling them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Churn {
    /// How many timed contexts were made.
    pub contexts: usize,
    /// Counts before the first one was made.
    pub before: Counts,
    /// Counts with all of them alive.
    pub peak: Counts,
    /// Counts after every one was cancelled and dropped.
    pub after: Counts,
}

fn counts(parent: &Context) -> Counts {
    Counts {
        children: parent.child_scopes(),
        timer_entries: introspect::timer_entries(),
        live_scopes: introspect::live_scopes(),
        threads: thread_count(),
    }
}

/// Threads in this process, from `/proc/self/status` (Linux).
pub fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Makes `n` contexts with `with_timeout(parent, timeout)`, then cancels and drops them all.
///
/// `timeout` should be long enough that none fires during the run, so every timer entry is
/// removed by `cancel`, not by expiry.
pub fn churn(parent: &Context, n: usize, timeout: Duration) -> Churn {
    let before = counts(parent);
    let handles: Vec<_> = (0..n)
        .map(|_| Context::with_timeout(parent, timeout))
        .collect();
    let peak = counts(parent);
    for (_, cancel) in &handles {
        cancel.cancel();
    }
    drop(handles);
    let after = counts(parent);
    Churn {
        contexts: n,
        before,
        peak,
        after,
    }
}
