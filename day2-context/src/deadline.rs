//! Checklist: `context.WithDeadline` (an absolute instant) compared with `context.WithTimeout` (a
//! span from now).
//!
//! `with_timeout(parent, d)` *is* `with_deadline(parent, Instant::now() + d)`: both end with
//! `DeadlineExceeded` and both are capped by the parent's deadline. The difference is what stays
//! fixed when the work starts later. A batch that must finish by 17:00 wants one absolute deadline
//! shared by every item, however late an item starts; a per-call budget ("each RPC gets 100 ms")
//! wants a timeout measured from each call's start.

use std::time::{Duration, Instant};

use crate::{Context, ContextError};

/// Contexts for `items` pieces of work created one after the other, in the two styles.
#[derive(Debug)]
pub struct Batch {
    /// Each item's deadline under `with_deadline(parent, end)`: all the same instant.
    pub absolute: Vec<Option<Instant>>,
    /// Each item's deadline under `with_timeout(parent, budget)`: each later than the one before.
    pub relative: Vec<Option<Instant>>,
}

/// Derives `items` contexts each way, one item after the other; each item works for `work` (at
/// least one tick of the clock) before the next one starts.
pub fn batch(
    parent: &Context,
    items: usize,
    end: Instant,
    budget: Duration,
    work: Duration,
) -> Batch {
    let mut absolute = Vec::with_capacity(items);
    let mut relative = Vec::with_capacity(items);
    for _ in 0..items {
        let started = Instant::now();
        let (by_deadline, cancel_deadline) = Context::with_deadline(parent, end);
        let (by_timeout, cancel_timeout) = Context::with_timeout(parent, budget);
        absolute.push(by_deadline.deadline());
        relative.push(by_timeout.deadline());
        // The item's work: nothing here waits for another thread, the clock only has to move.
        std::thread::sleep(work);
        while Instant::now() == started {
            std::hint::spin_loop();
        }
        cancel_deadline.cancel();
        cancel_timeout.cancel();
    }
    Batch { absolute, relative }
}

/// Blocks until `ctx` is done (at most `limit`), returning the error and how long it took.
pub fn time_until_done(ctx: &Context, limit: Duration) -> (Option<ContextError>, Duration) {
    let start = Instant::now();
    let err = ctx.wait_timeout(limit);
    (err, start.elapsed())
}
