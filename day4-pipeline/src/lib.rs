//! Week 6, Thursday: pipelines, fan-out and fan-in with cancellation in every stage.
//!
//! A port of the Go blog's [Pipelines and cancellation](https://go.dev/blog/pipelines) to threads
//! and crossbeam channels, with day 2's [`Context`](day2_context::Context) reaching every stage.
//!
//! | Go                                                   | Rust, here                                                    |
//! |------------------------------------------------------|---------------------------------------------------------------|
//! | `out := make(chan int, c)`                           | [`Pipeline::channel`]: `crossbeam_channel::bounded(c)`        |
//! | `func sq(done <-chan struct{}, in <-chan int) <-chan int` | [`process`]`(&p, input, f) -> Receiver<U>`             |
//! | `go func() { defer close(out); … }()`                | [`Pipeline::spawn`]: the thread owns the `Sender`; returning drops it |
//! | `for n := range in`                                  | `loop { let n = stage.recv(&input)?; … }` ([`Stage::recv`])  |
//! | `select { case out <- n: case <-ctx.Done(): return }` | [`Stage::send`]: `select_biased!` on `ctx.done()` and the send |
//! | several goroutines reading one channel (fan-out)     | [`fan_out()`]: a cloned `Receiver` (crossbeam is MPMC)          |
//! | `merge(cs ...)` + `sync.WaitGroup` + closer goroutine | [`merge::m1_waitgroup`] (day 3's [`WaitGroup`](day3_worker_pool::WaitGroup)), then [`merge::m2_last_sender`]: the last `Sender` dropped closes it |
//! | `errgroup.WithContext` / `g.Wait()`                  | [`Pipeline::new`] / [`Pipeline::wait`]: joins, first error    |
//! | "send on closed channel" panic                       | impossible: a channel closes only when no `Sender` is left    |
//! | a blocked goroutine leaks forever                    | a send to a dropped `Receiver` fails; [`Pipeline`]'s `Drop` joins |
//! | `go test -race`                                      | ThreadSanitizer (`cargo xtask race`); loom for the merges (`tests/loom_merge.rs`) |
//!
//! Modules, by checklist item:
//! - three-stage pipeline with typed channels: [`stage`] ([`generate`], [`process`], [`sink`]) on
//!   the [`pipeline`] handle;
//! - fan-out: [`fan_out()`] (and the order-preserving [`fan_out::fan_out_ordered`], on day 3's
//!   [`Reorder`](day3_worker_pool::Reorder) buffer);
//! - fan-in: [`merge`] — the Go shape with day 3's hand-written
//!   [`WaitGroup`](day3_worker_pool::WaitGroup), then the Rust shape; both model-checked as they
//!   ship by `tests/loom_merge.rs`, on the loom threads and channel of [`sync`];
//! - cancellation in every stage: [`Stage::send`] / [`Stage::recv`], [`PipelineError`];
//! - batching: [`batch`];
//! - comparisons (sequential, rayon, tokio), their workload and the measured tables: `compare`,
//!   `work` and `report`, the day's contenders (the `contenders` feature, on by default; without it the crate
//!   links no rayon, tokio or tokio-util);
//! - the data-flow diagram: [`diagram`].

pub mod batch;
pub mod diagram;
pub mod merge;
pub mod pipeline;
pub mod sync;

// Under `--cfg loom` the pipeline and the merges are built on `sync`'s loom types, for the model
// in `tests/loom_merge.rs`; the rest is compiled only outside loom. The comparisons and the
// measured tables are the day's contenders (the `contenders` feature, on by default).
#[cfg(all(feature = "contenders", not(loom)))]
pub mod compare;
#[cfg(not(loom))]
pub mod fan_out;
#[cfg(all(feature = "contenders", not(loom)))]
pub mod report;
#[cfg(not(loom))]
pub mod stage;
#[cfg(feature = "contenders")]
pub mod work;

#[cfg(not(loom))]
pub use fan_out::fan_out;
pub use pipeline::{BoxError, Counts, Pipeline, PipelineError, Stage, StageCount, Stop};
#[cfg(not(loom))]
pub use stage::{generate, process, sink, try_process};
