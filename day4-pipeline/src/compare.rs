//! The same computation five ways: a sequential loop, rayon (`par_iter`, `par_bridge`), this
//! crate's thread pipeline, and an async pipeline on tokio.
//!
//! The computation is `Σ spin(i, rounds)` for `i` in `0..items` (wrapping), so every contender
//! returns the same checksum and the tests can check that they agree. The trivial-stage
//! pipelines ([`trivial_unbatched`], [`trivial_batched`]) measure what a hop costs when the work
//! is almost nothing.
//!
//! # Beside Go
//!
//! `cargo xtask bench day4-pipeline` runs the course's Go pipeline (`go/bench`) in the same run.
//! Where a stage computes (batches of 1 024), the two are level. Where a message carries almost
//! no work, the thread pipeline loses by far (about 0.24× Go for one `u64` a message): each stage
//! is an OS thread, so a full or empty channel parks a thread in the kernel (a futex wait, a wake,
//! a context switch), while Go hands the value to a goroutine on the same OS thread without a
//! system call. [`tokio_pipeline`] is the like-for-like twin (tasks parked by a runtime) and is
//! level with Go; with threads the remedy is batching, so each wake carries 64 or 1 024 items.

use std::ops::ControlFlow;
use std::sync::Arc;

use day2_context::{Context, ContextError};
use rayon::prelude::*;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::batch::batches;
use crate::fan_out::fan_out;
use crate::pipeline::{Pipeline, PipelineError};
use crate::stage::{generate, process, sink};
use crate::work::{spin, spin_sum};

/// The computation's size: how many items, and how CPU-bound each one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// Items `0..items`.
    pub items: u64,
    /// `spin` rounds per item.
    pub rounds: u64,
}

/// How a pipeline contender is shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Fan-out workers of the CPU-bound stage.
    pub workers: usize,
    /// Capacity of every channel.
    pub capacity: usize,
    /// Items per message.
    pub batch: usize,
}

/// The plain loop every other contender is compared with.
pub fn sequential(job: Job) -> u64 {
    (0..job.items).fold(0, |acc, i| acc.wrapping_add(spin(i, job.rounds)))
}

/// rayon's `into_par_iter`: the range is split in halves recursively, work-stealing balances it.
pub fn rayon_par_iter(job: Job) -> u64 {
    (0..job.items)
        .into_par_iter()
        .map(|i| spin(i, job.rounds))
        .reduce(|| 0, u64::wrapping_add)
}

/// rayon's `par_bridge`: items are pulled one by one from a sequential iterator, the way a
/// pipeline's workers pull from a channel.
pub fn rayon_par_bridge(job: Job) -> u64 {
    (0..job.items)
        .par_bridge()
        .map(|i| spin(i, job.rounds))
        .reduce(|| 0, u64::wrapping_add)
}

/// generate (batches) → fan-out `spin_sum` over `shape.workers` threads → sink (sum).
///
/// # Errors
/// The pipeline's first error (none in practice: nothing here fails or cancels).
pub fn thread_pipeline(job: Job, shape: Shape) -> Result<u64, PipelineError> {
    let p = Pipeline::new(&Context::background(), shape.capacity);
    let input = generate(&p, batches(0..job.items, shape.batch));
    let rounds = job.rounds;
    let sums = fan_out(&p, input, shape.workers, move |batch: Vec<u64>| {
        spin_sum(&batch, rounds)
    });
    let mut total = 0u64;
    sink(&p, sums, |s| {
        total = total.wrapping_add(s);
        ControlFlow::Continue(())
    });
    p.wait()?;
    Ok(total)
}

/// The same pipeline as async tasks: `tokio::sync::mpsc` channels, every await raced against a
/// `CancellationToken`. The workers share the input receiver behind a `tokio::sync::Mutex`
/// (tokio's `mpsc` has a single consumer).
///
/// Call it inside a multi-thread runtime with `shape.workers` worker threads. A capacity of 0 is
/// run as 1: tokio's `mpsc` has no rendezvous channel.
///
/// # Errors
/// [`ContextError::Canceled`] if `token` was cancelled before the sum was complete.
///
/// # Cancellation safety
/// Not cancel safe in the `select!` sense: dropping the future mid-way loses the partial sum
/// (the spawned tasks see their channels close and stop). Cancel through `token` instead: every
/// task stops at its next await and the future returns `Err` after all of them have finished.
pub async fn tokio_pipeline(
    job: Job,
    shape: Shape,
    token: CancellationToken,
) -> Result<u64, ContextError> {
    let capacity = shape.capacity.max(1);
    let (tx, rx) = mpsc::channel::<Vec<u64>>(capacity);
    let (sum_tx, mut sums) = mpsc::channel::<u64>(capacity);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut tasks = JoinSet::new();

    let cancelled = token.clone();
    tasks.spawn(async move {
        for batch in batches(0..job.items, shape.batch) {
            tokio::select! {
                biased;
                () = cancelled.cancelled() => return,
                sent = tx.send(batch) => if sent.is_err() { return },
            }
        }
    });
    for _ in 0..shape.workers {
        let (rx, sum_tx, cancelled) = (Arc::clone(&rx), sum_tx.clone(), token.clone());
        tasks.spawn(async move {
            loop {
                let next = tokio::select! {
                    biased;
                    () = cancelled.cancelled() => return,
                    next = async { rx.lock().await.recv().await } => next,
                };
                let Some(batch) = next else { return };
                let s = spin_sum(&batch, job.rounds);
                tokio::select! {
                    biased;
                    () = cancelled.cancelled() => return,
                    sent = sum_tx.send(s) => if sent.is_err() { return },
                }
            }
        });
    }
    drop(sum_tx);

    let mut total = 0u64;
    let outcome = loop {
        tokio::select! {
            biased;
            () = token.cancelled() => break Err(ContextError::Canceled),
            s = sums.recv() => match s {
                Some(s) => total = total.wrapping_add(s),
                // The workers also stop on the token: if they did, the run was cancelled, even
                // when the closed channel is seen before the token in this `select!`.
                None if token.is_cancelled() => break Err(ContextError::Canceled),
                None => break Ok(total),
            },
        }
    };
    drop(sums);
    // Structured teardown: every task has returned before this function does.
    while tasks.join_next().await.is_some() {}
    outcome
}

/// A multi-thread tokio runtime with `workers` worker threads, for [`tokio_pipeline`].
///
/// # Panics
/// Panics if the runtime cannot start its threads.
pub fn tokio_runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .build()
        .expect("cannot start a tokio runtime")
}

/// generate `0..items` → process `+1` → sink (sum): three stages, one `u64` per message.
///
/// # Errors
/// The pipeline's first error (none in practice).
pub fn trivial_unbatched(items: u64, capacity: usize) -> Result<u64, PipelineError> {
    let p = Pipeline::new(&Context::background(), capacity);
    let plus_one = process(&p, generate(&p, 0..items), |x: u64| x + 1);
    let mut total = 0u64;
    sink(&p, plus_one, |x| {
        total = total.wrapping_add(x);
        ControlFlow::Continue(())
    });
    p.wait()?;
    Ok(total)
}

/// [`trivial_unbatched`] as three tokio tasks joined by bounded `mpsc` channels, on `rt`: the
/// twin of Go's goroutine pipeline, where a full or empty channel parks a task, not a thread.
/// A capacity of 0 is run as 1 (tokio's `mpsc` has no rendezvous channel).
pub fn trivial_tokio(rt: &tokio::runtime::Runtime, items: u64, capacity: usize) -> u64 {
    let capacity = capacity.max(1);
    let (numbers, mut from_generate) = mpsc::channel::<u64>(capacity);
    let (plus_one, mut from_process) = mpsc::channel::<u64>(capacity);
    rt.block_on(async move {
        let generate = tokio::spawn(async move {
            for x in 0..items {
                if numbers.send(x).await.is_err() {
                    return;
                }
            }
        });
        let process = tokio::spawn(async move {
            while let Some(x) = from_generate.recv().await {
                if plus_one.send(x + 1).await.is_err() {
                    return;
                }
            }
        });
        let sink = tokio::spawn(async move {
            let mut total = 0u64;
            while let Some(x) = from_process.recv().await {
                total = total.wrapping_add(x);
            }
            total
        });
        let (generated, processed, total) = tokio::join!(generate, process, sink);
        generated.and(processed).expect("a pipeline task panicked");
        total.expect("the sink task panicked")
    })
}

/// The same three stages with `batch` items per message (`Vec<u64>`).
///
/// # Errors
/// The pipeline's first error (none in practice).
pub fn trivial_batched(items: u64, capacity: usize, batch: usize) -> Result<u64, PipelineError> {
    let p = Pipeline::new(&Context::background(), capacity);
    let plus_one = process(
        &p,
        generate(&p, batches(0..items, batch)),
        |mut b: Vec<u64>| {
            b.iter_mut().for_each(|x| *x += 1);
            b
        },
    );
    let mut total = 0u64;
    sink(&p, plus_one, |b| {
        total = b.iter().fold(total, |t, &x| t.wrapping_add(x));
        ControlFlow::Continue(())
    });
    p.wait()?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: Job = Job {
        items: 1000,
        rounds: 5,
    };

    #[test]
    fn every_contender_computes_the_same_checksum() {
        labkit::within(
            "every_contender_computes_the_same_checksum",
            std::time::Duration::from_secs(60),
            || {
                let want = sequential(JOB);
                assert_eq!(rayon_par_iter(JOB), want);
                assert_eq!(rayon_par_bridge(JOB), want);
                for shape in [
                    Shape {
                        workers: 2,
                        capacity: 0,
                        batch: 1,
                    },
                    Shape {
                        workers: 3,
                        capacity: 4,
                        batch: 64,
                    },
                ] {
                    assert_eq!(thread_pipeline(JOB, shape).unwrap(), want, "{shape:?}");
                    let rt = tokio_runtime(shape.workers);
                    let got = rt.block_on(tokio_pipeline(JOB, shape, CancellationToken::new()));
                    assert_eq!(got, Ok(want), "{shape:?}");
                }
            },
        );
    }

    #[test]
    fn trivial_pipelines_agree() {
        labkit::within(
            "trivial_pipelines_agree",
            std::time::Duration::from_secs(60),
            || {
                let want: u64 = (1..=10_000).sum();
                assert_eq!(trivial_unbatched(10_000, 0).unwrap(), want);
                assert_eq!(trivial_unbatched(10_000, 64).unwrap(), want);
                assert_eq!(trivial_batched(10_000, 1, 64).unwrap(), want);
            },
        );
    }

    #[test]
    fn cancelling_the_token_stops_an_endless_tokio_pipeline() {
        labkit::within(
            "cancelling_the_token_stops_an_endless_tokio_pipeline",
            std::time::Duration::from_secs(60),
            || {
                let token = CancellationToken::new();
                let rt = tokio_runtime(2);
                let job = Job {
                    items: u64::MAX,
                    rounds: 1,
                };
                let shape = Shape {
                    workers: 2,
                    capacity: 1,
                    batch: 1,
                };
                let running = rt.spawn(tokio_pipeline(job, shape, token.clone()));
                token.cancel();
                // `items` is endless: only the token can end it, and every task is joined before it returns.
                assert_eq!(rt.block_on(running).unwrap(), Err(ContextError::Canceled));
            },
        );
    }
}
