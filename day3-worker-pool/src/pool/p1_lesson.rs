//! Step 1, the lesson: the worker pool as the course writes it in Go; the day's pool exercises
//! are cut from it. [`p2_fast`](super::p2_fast) is the step after: the same contract, cheaper.
//!
//! | Go | here |
//! |---|---|
//! | `jobs := make(chan Job, capacity)`; `go worker(…)`, `n` times | [`Pool::new`]: `bounded(capacity)`, `n` threads |
//! | `wg.Wait(); close(results)` | each worker owns a results `Sender`: the last one dropped closes it |
//! | `select` on `<-ctx.Done()` and `<-jobs`, or `results <- r` | `select_biased!`, the cancel first (Go's `select` picks at random) |
//! | `cancel()`, then drain | [`Pool::shutdown`]: every job is in its [`Account`], run or not |
//!
//! Invariant: every submitted job comes out once, as its [`Outcome`] on `results` or in the
//! [`Account`] (an outcome a cancelled worker kept back, or a job no worker started).

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, bounded, select_biased};
use day2_context::{CancelHandle, Context};

use crate::outcome::{Account, JobPanicked, NotStarted, Outcome};

/// `size` worker threads running one work function over submitted jobs. Dropping it cancels, then
/// joins every worker: the job in hand finishes, queued jobs are dropped.
#[derive(Debug)]
pub struct Pool<J, R> {
    ctx: Context,
    cancel: CancelHandle,
    jobs: Option<Sender<NotStarted<J>>>, // Go's `jobs`; `None` once closed
    queued: Receiver<NotStarted<J>>, // the pool's own end of `jobs`, to hand back what is queued
    results: Receiver<Outcome<R>>,
    workers: Vec<JoinHandle<Option<Outcome<R>>>>, // each returns the result a cancel kept back
    refused: Vec<NotStarted<J>>,                  // submitted after the cancel, never queued
    submitted: usize,
}

impl<J: Send + 'static, R: Send + 'static> Pool<J, R> {
    /// Spawns `size` workers running `work` under a child of `ctx`; `jobs` and `results` each hold
    /// `capacity` values (0: every send waits for a receiver). Panics if `size` is 0.
    pub fn new<F>(ctx: &Context, size: usize, capacity: usize, work: F) -> Self
    where
        F: Fn(&Context, J) -> R + Send + Sync + 'static,
    {
        assert!(size > 0, "Pool::new: size must be at least 1 worker, got 0");
        let (ctx, cancel) = Context::with_cancel(ctx);
        let (jobs, queued) = bounded(capacity);
        let (results_tx, results) = bounded(capacity);
        let work = Arc::new(work);
        let workers = (0..size)
            .map(|id| {
                let (ctx, jobs, results) = (ctx.clone(), queued.clone(), results_tx.clone());
                let work = Arc::clone(&work);
                thread::Builder::new()
                    .name(format!("pool-worker-{id}"))
                    .spawn(move || worker(id, &ctx, &jobs, &results, &*work))
                    .expect("Pool::new: failed to spawn a worker thread")
            })
            .collect();
        drop(results_tx); // from here on only the workers keep `results` open
        let (jobs, refused, submitted) = (Some(jobs), Vec::new(), 0);
        Pool {
            ctx,
            cancel,
            jobs,
            queued,
            results,
            workers,
            refused,
            submitted,
        }
    }

    /// Go's `jobs <- job`: waits while `jobs` is full; returns the job's index (0, 1, 2, …). After
    /// the cancel a job is not queued: [`shutdown`](Pool::shutdown) hands it back. Panics after
    /// [`close`](Pool::close), like a send on a closed channel in Go.
    pub fn submit(&mut self, job: J) -> usize {
        let (index, done) = (self.submitted, self.ctx.done());
        let jobs = self.jobs.as_ref().expect("jobs closed by Pool::close");
        let job = NotStarted { index, job };
        select_biased! {
            recv(done) -> _ => self.refused.push(job), // no worker would ever take it
            send(jobs, job) -> _ => {} // the pool holds a Receiver: no error
        }
        self.submitted += 1;
        index
    }

    /// [`submit`](Pool::submit) for each job; returns their indices.
    pub fn submit_all(&mut self, jobs: impl IntoIterator<Item = J>) -> Range<usize> {
        let first = self.submitted;
        for job in jobs {
            self.submit(job);
        }
        first..self.submitted
    }

    /// Go's `close(jobs)`: the workers exit once the queue is drained. Idempotent.
    pub fn close(&mut self) {
        self.jobs = None;
    }

    /// Go's `cancel()`: each worker finishes the job in hand and starts no other.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The results in completion order; iterating ends once the last worker has exited.
    pub fn results(&self) -> &Receiver<Outcome<R>> {
        &self.results
    }

    /// The pool's context, the one the work function receives.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Graceful shutdown: cancels, then as [`finish`](Pool::finish).
    pub fn shutdown(self) -> Account<J, R> {
        self.cancel();
        self.finish()
    }

    /// Go's `close(jobs)` and `wg.Wait()`: every queued job runs (unless cancelled); the results
    /// nobody read and the jobs never started are in the [`Account`].
    pub fn finish(mut self) -> Account<J, R> {
        // lab:begin day3/graceful-shutdown
        self.close();
        // Go's `for r := range results`: ends once the last worker has dropped its Sender.
        let mut completed: Vec<_> = self.results.iter().collect();
        // Every worker is joined before a worker's panic is re-raised.
        let joined: Vec<_> = self.workers.drain(..).map(JoinHandle::join).collect();
        for held in joined {
            completed.extend(held.unwrap_or_else(|panic| resume_unwind(panic)));
        }
        let mut not_started = std::mem::take(&mut self.refused);
        not_started.extend(self.queued.try_iter()); // still queued: no worker took them
        completed.sort_unstable_by_key(|o| o.index);
        not_started.sort_unstable_by_key(|n| n.index);
        Account {
            completed,
            not_started,
        }
        // lab:end day3/graceful-shutdown
    }
}

impl<J, R> Drop for Pool<J, R> {
    fn drop(&mut self) {
        self.cancel.cancel(); // frees a worker blocked on a full `results` too
        for worker in self.workers.drain(..) {
            let _ = worker.join(); // a worker's panic was reported by the panic hook already
        }
    }
}

/// Go's `func worker(ctx, id, jobs <-chan Job, results chan<- Result)`. Returns the result that a
/// cancel kept it from sending while `results` was full.
fn worker<J, R>(
    id: usize,
    ctx: &Context,
    jobs: &Receiver<NotStarted<J>>,
    results: &Sender<Outcome<R>>,
    work: &dyn Fn(&Context, J) -> R,
) -> Option<Outcome<R>> {
    // lab:begin day3/worker-loop
    while let Some(NotStarted { index, job }) = next_job(ctx, jobs) {
        // A panicking job becomes its `Err` and the worker goes on (Go: the program dies).
        let result = catch_unwind(AssertUnwindSafe(|| work(ctx, job)))
            .map_err(|panic| JobPanicked::from_payload(&*panic));
        let outcome = Outcome {
            index,
            worker: id,
            result,
        };
        select_biased! {
            send(results, outcome) -> _ => {} // the pool holds the Receiver until we are joined
            recv(ctx.done()) -> _ => return Some(outcome), // `results` full, nobody reading
        }
    }
    None
    // lab:end day3/worker-loop
}

/// The next job, or `None` once `jobs` is closed and drained or the context is done.
fn next_job<J>(ctx: &Context, jobs: &Receiver<J>) -> Option<J> {
    // lab:begin day3/next-job
    select_biased! {
        recv(ctx.done()) -> _ => None, // first: after the cancel no job starts
        recv(jobs) -> job => job.ok(), // `Err`: closed and drained (Go: `job, ok := <-jobs`)
    }
    // lab:end day3/next-job
}
