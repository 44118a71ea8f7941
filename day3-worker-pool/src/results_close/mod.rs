//! Closing `results` exactly when the last worker finishes — two ways, side by side.
//!
//! Go cannot tell when the last worker is done, so its pattern adds a `sync.WaitGroup` and a closer
//! goroutine: `go func() { wg.Wait(); close(results) }()`. A Rust channel closes by itself when its
//! last `Sender` is dropped, so giving each worker its own `Sender` clone and keeping none in the
//! caller *is* the WaitGroup: the channel's sender count is the group's count.
//!
//! - [`r1_last_sender`]: the Rust way, used by [`Pool`](crate::Pool). Nothing to forget: a worker
//!   that returns or panics drops its `Sender`, and no extra thread is needed.
//! - [`r2_wait_group`]: Go's shape, with the hand-written [`WaitGroup`](crate::WaitGroup) and a closer
//!   thread that drops the last `Sender` after `wait()`. It costs a thread and a lock, and is what you
//!   need when the thing to close has no reference count of its own.
//!
//! Both return when the workers are spawned; the caller reads results while they run.

pub mod r1_last_sender;
pub mod r2_wait_group;
