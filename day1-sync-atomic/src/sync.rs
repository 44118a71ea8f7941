//! One source, two worlds: std's primitives normally, loom's under `--cfg loom`.
//!
//! Code that a loom model checks (the atomic counter, the step-1 Treiber stack) imports its
//! atomics, cells and threads from here, never from `std` directly, so `tests/loom_counter.rs` and
//! `tests/loom_stack.rs` explore the very code the crate ships. The API is loom's: [`UnsafeCell`] hands out raw pointers through closures, which lets
//! loom record every access and report one that is not ordered by happens-before. (The step-2
//! stack needs no shim: crossbeam-epoch switches to loom itself under `--cfg crossbeam_loom`.)

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicI64, AtomicPtr};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicI64, AtomicPtr};
#[cfg(not(loom))]
pub(crate) use std::thread;

/// `std::cell::UnsafeCell` with loom's closure-based API (the same wrapper tokio uses).
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer for reading; the caller upholds the aliasing rules.
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a pointer for writing; the caller upholds the aliasing rules.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Declares a `const fn` that is `const` only under the given cfg: loom's atomics (and
/// crossbeam-epoch's under `--cfg crossbeam_loom`) have no `const fn new`. crossbeam-epoch
/// declares its own constructors the same way.
macro_rules! const_fn {
    (
        const_if: #[cfg($($cfg:tt)+)];
        $(#[$attr:meta])*
        $vis:vis const fn $($rest:tt)*
    ) => {
        #[cfg($($cfg)+)]
        $(#[$attr])*
        $vis const fn $($rest)*
        #[cfg(not($($cfg)+))]
        $(#[$attr])*
        $vis fn $($rest)*
    };
}
pub(crate) use const_fn;
