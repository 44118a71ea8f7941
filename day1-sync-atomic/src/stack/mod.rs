//! A lock-free stack with `AtomicPtr` + `compare_exchange` (Go: `atomic.CompareAndSwapPointer`,
//! `atomic.Pointer[T]`), in two steps side by side:
//!
//! - [`s1_leaky`]: the Treiber CAS protocol on raw `AtomicPtr`s. Its `pop` cannot free a node
//!   (use-after-free, ABA), so popped nodes wait for `Drop`.
//! - [`s2_epoch`]: the same protocol with crossbeam-epoch reclaiming popped nodes. This is the
//!   stack to use, re-exported as [`Stack`].
//!
//! `tests/loom_stack.rs` runs the same loom models on both (step 2 through crossbeam-epoch's own
//! loom build), and `tests/stress.rs` runs both under Miri.
//!
//! [`throughput`] races the epoch stack against `std::sync::Mutex<Vec<T>>` and
//! `parking_lot::Mutex<Vec<T>>`.

pub mod s1_leaky;
pub mod s2_epoch;
#[cfg(feature = "contenders")]
pub mod throughput;

pub use s2_epoch::Stack;
