//! Week 6, Wednesday: the worker pool pattern — a fixed pool of threads, results restored to
//! submission order, graceful shutdown through day 2's [`Context`](day2_context::Context), and a
//! throughput table that shows when more workers help.
//!
//! # Go → Rust
//!
//! | Go                                              | Rust, here                                           |
//! |-------------------------------------------------|------------------------------------------------------|
//! | `jobs := make(chan Job, n)`                     | the lesson: `crossbeam_channel::bounded(n)` ([`pool::p1_lesson`]); the fast step: its own [`job_queue`] (what a Go channel is inside: buffers under locks), fed by [`Pool::submit`] / [`Pool::submit_all`] |
//! | `for w := 0; w < n; w++ { go worker(jobs, results) }` | [`Pool::new`]`(&ctx, n, work)`: `n` named OS threads |
//! | `results chan<- Result`                         | [`Pool::results`]: a `Receiver<`[`Outcome`]`>` in completion order |
//! | `close(jobs)`                                   | [`Pool::close`] (idle workers wake, find the queue closed and exit) |
//! | `wg.Wait(); close(results)`                     | the last worker drops the last results `Sender` ([`results_close`]) |
//! | `sync.WaitGroup`                                | [`WaitGroup`] (clone = `Add(1)`, drop = `Done()`), or `crossbeam_utils::sync::WaitGroup` |
//! | sort results by job ID after collecting         | [`Reorder`] / [`Pool::results_in_order`]: in order *as they arrive* |
//! | `ctx, cancel := context.WithCancel(parent)`     | `Context::with_cancel(&parent)`; [`Pool::cancel`], [`Pool::shutdown`] |
//! | `select { case <-ctx.Done(): … case j := <-jobs: … }` | the worker loop's `crossbeam_channel::select_biased!` (the cancel first) or `select!` |
//! | a panicking goroutine kills the program         | a panicking job becomes `Err(`[`JobPanicked`]`)`; the pool carries on |
//! | `go test -race`                                 | ThreadSanitizer; loom model-checks the WaitGroup and the jobs queue (`tests/loom_*.rs`) |
//!
//! # Modules, by checklist item
//!
//! - *A fixed-size pool reading one shared jobs channel; each worker sends on a results channel;
//!   graceful shutdown*: [`pool`], in two steps — [`pool::p1_lesson`] (the course's Go in Rust,
//!   where the lab's exercises are) and [`pool::p2_fast`] (the crate's [`Pool`], with its own
//!   [`job_queue`], model-checked by `tests/loom_job_queue.rs`); [`outcome`] (what comes out:
//!   [`Outcome`], [`Account`]). One test suite runs against both steps.
//! - *Close `results` after all workers finish*: [`results_close`], two ways side by side —
//!   [`results_close::r1_last_sender`] (what both pools use) and [`results_close::r2_wait_group`] with
//!   the hand-written [`wait_group`].
//! - *Collect 100 sleeping jobs in order*: [`reorder`] (a reorder buffer), `demo` (the seeded
//!   sleeping jobs).
//! - *Measure throughput for pool sizes 1, 2, 4, 8*: `throughput` (rows of one table: a line per
//!   kind of job and pool size, a column per executor: rayon, tokio, and the course's Go pool from
//!   `go/bench`); `overhead` (per-job dispatch cost: the lesson and the fast pool against rayon
//!   and Go) and [`batch`] (chunked submit, so tiny jobs beat a sequential loop).
//!
//! `demo`, `throughput` and `overhead` are the day's contenders, built with the `contenders`
//! feature (on by default). Without it the crate is the pool alone and links only day 2's `Context` and
//! crossbeam-channel: what days 4 and 5 build on.
//!
//! # Example
//!
//! ```
//! use day2_context::Context;
//! use day3_worker_pool::Pool;
//!
//! let ctx = Context::background();
//! // Four workers; the work function gets the pool's context so a long job can stop early.
//! let mut pool = Pool::new(&ctx, 4, |ctx: &Context, n: u64| {
//!     if ctx.is_done() { return 0 }
//!     n * n
//! });
//! for n in 0..10 {
//!     pool.submit(n); // returns the job's index: 0, 1, 2, …
//! }
//! pool.close(); // Go's close(jobs): the results stream ends when the queue is drained
//!
//! // Restored to submission order while they arrive; each outcome carries its index.
//! let squares: Vec<u64> = pool.results_in_order().map(|o| o.result.unwrap()).collect();
//! assert_eq!(squares, (0..10).map(|n| n * n).collect::<Vec<_>>());
//!
//! // Shutdown accounts for the rest: nothing was left unread or unstarted here.
//! let account = pool.shutdown();
//! assert!(account.completed.is_empty() && account.not_started.is_empty());
//! ```
//!
//! On cancel (`pool.cancel()`, a cancelled parent context, or [`Pool::shutdown`]), workers finish
//! the job in hand and take no other; the results stream ends, and [`Pool::shutdown`] hands back
//! every job that never started with its index ([`NotStarted`]).

// Under `--cfg loom` only the WaitGroup and the modules without threads or channels are built: the
// loom models need nothing else, and day 2's `Context::done()` (a crossbeam channel) is not there.
// The `contenders` feature (on by default) adds the day's measurements and the seeded demo; see
// `Cargo.toml`.
#[cfg(not(loom))]
pub mod batch;
#[cfg(all(feature = "contenders", not(loom)))]
pub mod demo;
pub mod job_queue;
pub mod outcome;
#[cfg(all(feature = "contenders", not(loom)))]
pub mod overhead;
#[cfg(not(loom))]
pub mod pool;
pub mod reorder;
#[cfg(not(loom))]
pub mod results_close;
mod sync;
#[cfg(all(feature = "contenders", not(loom)))]
pub mod throughput;
pub mod wait_group;

pub use outcome::{Account, JobPanicked, NotStarted, Outcome};
#[cfg(not(loom))]
pub use pool::p2_fast::Pool;
pub use reorder::{InOrder, Reorder};
pub use wait_group::WaitGroup;
