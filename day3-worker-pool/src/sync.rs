//! The loom shim: production code and the loom models share one source.
//!
//! Under `RUSTFLAGS="--cfg loom"` these names are loom's model-checked types; otherwise std's.

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
