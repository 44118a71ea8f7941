//! The worker pool in two steps, side by side (as *Rust Atomics and Locks* builds `Arc` in
//! `s1_basic` → `s3_optimized`); one test suite runs against both (`tests/checklist.rs`,
//! `tests/pool.rs`: a `lesson` and a `fast` module each).
//!
//! - [`p1_lesson`]: the course's Go in Rust — a bounded jobs channel, N workers, a results channel
//!   closed by the last worker, `select!` on the context's `done()`. The lab's exercises are here.
//! - [`p2_fast`]: the same contract with a hand-made jobs queue (two buffers under two locks and a
//!   bell) and an unbounded results channel, for cheaper dispatch; its module docs say what each
//!   change buys, measured. This is the crate's [`Pool`](crate::Pool), the one days 4 and 5 use.

pub mod p1_lesson;
pub mod p2_fast;
