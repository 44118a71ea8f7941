//! The loom shim: the cancel tree's locks come from here, so `--cfg loom` model-checks the same code
//! that ships.
//!
//! Only the types the cancel-tree protocol synchronises through are shimmed. Reference counts stay
//! std in both builds (`Arc`/`Weak`, a link's `Shared` count, the per-thread live-scope counters:
//! they are not part of the protocol), and the timer thread and the crossbeam `done()` channel are
//! outside the models (see `context/mod.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicU8;
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicU8;
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};
