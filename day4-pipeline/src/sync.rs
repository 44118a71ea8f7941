//! The loom shim: production code and the loom model in `tests/loom_merge.rs` share one source.
//!
//! Only the hand-written [`WaitGroup`](crate::waitgroup::WaitGroup) goes through it; the channels
//! and threads of the pipeline are crossbeam and std types, which loom cannot see (they are covered
//! by the stress tests and ThreadSanitizer instead).

#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex};
