//! The fixed-size worker pool: N threads, one shared jobs channel, one results channel.
//!
//! ```text
//!            submit()                         work(&ctx, job)
//!  caller ──(index, job)──▶ [ jobs ] ──▶ worker 0 ─┐
//!                          (shared)  ──▶ worker 1 ─┼──Outcome──▶ [ results ] ──▶ caller
//!                                    ──▶ worker … ─┘   (completion order)
//! ```
//!
//! Invariants, which the tests in `tests/pool.rs` and `tests/checklist.rs` check:
//! 1. Exactly `size` threads are spawned in [`Pool::new`] and none after, so at most `size` jobs run
//!    at once.
//! 2. Every submitted job leaves the jobs channel exactly once, through one of three doors: a worker
//!    runs it (one [`Outcome`] on the results channel), a worker takes it after the context was
//!    cancelled and hands it back unrun (the `returned` channel), or it is still queued when the pool
//!    stops (drained from the pool's own `queued` receiver). The [`Account`] collects the last two.
//! 3. The results channel closes exactly when the last worker exits, because each worker owns one
//!    clone of its `Sender` and the pool keeps none: the "last `Sender` dropped" way, see
//!    [`results_close`](crate::results_close) for why this pool does not need a WaitGroup.
//! 4. After the context is done, a worker finishes the job in hand and starts no other.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, TryRecvError, select, unbounded};
use day2_context::{CancelHandle, Context};

use crate::outcome::{Account, JobPanicked, NotStarted, Outcome};
use crate::reorder::InOrder;

/// A fixed pool of worker threads running one work function over submitted jobs.
///
/// Go → Rust: `jobs := make(chan Job)` → the pool's jobs channel (fed by [`submit`](Pool::submit));
/// `for w := 1; w <= n; w++ { go worker(w, jobs, results) }` → [`Pool::new`];
/// `close(jobs)` → [`close`](Pool::close); `for r := range results` → [`results`](Pool::results);
/// `cancel()` → [`cancel`](Pool::cancel) or [`shutdown`](Pool::shutdown).
///
/// Dropping the pool cancels it and joins every worker: the job in hand finishes, queued jobs are
/// dropped unrun. Call [`shutdown`](Pool::shutdown) or [`finish`](Pool::finish) to get them back.
///
/// # A job that panics
///
/// The panic is caught on the worker and reported as `Err(`[`JobPanicked`]`)` in that job's
/// [`Outcome`]; the worker carries on with the next job, running the *same* work function. That
/// is the contract of `std::thread::spawn` + `join` and of tokio's `spawn_blocking`, not a promise
/// that nothing was left half-done: if `work` shares state that a panic can interrupt mid-update,
/// a `std::sync::Mutex` is poisoned and says so to the next job, but an atomic or a structure
/// without poisoning does not. A caller for whom a failed job means broken shared state should
/// [`cancel`](Pool::cancel) on the first `Err`. Even a panic payload whose own `Drop` panics
/// is still that job's `Err`: the payload of the panic in its `Drop` is leaked (one allocation)
/// instead of dropped, so no worker dies of it and no outcome is lost.
pub struct Pool<J, R> {
    size: usize,
    ctx: Context,
    cancel: CancelHandle,
    /// `None` once [`Pool::close`] ran: Go's closed `jobs` channel.
    jobs: Option<Sender<NotStarted<J>>>,
    /// The pool's own receiver on the jobs channel, used only to hand back queued jobs.
    queued: Receiver<NotStarted<J>>,
    /// Jobs a worker took after the context was cancelled and did not run.
    returned: Receiver<NotStarted<J>>,
    results: Receiver<Outcome<R>>,
    workers: Vec<JoinHandle<()>>,
    submitted: usize,
}

impl<J: Send + 'static, R: Send + 'static> Pool<J, R> {
    /// Spawns `size` worker threads that run `work` on every submitted job.
    ///
    /// The pool works under a child of `ctx` (made with [`Context::with_cancel`]): cancelling `ctx`,
    /// or calling [`Pool::cancel`], stops it. `work` receives that child context so a long job can
    /// check [`Context::is_done`] and return early.
    ///
    /// # Panics
    /// Panics if `size` is 0, or if the operating system refuses to spawn a thread.
    pub fn new<F>(ctx: &Context, size: usize, work: F) -> Self
    where
        F: Fn(&Context, J) -> R + Send + Sync + 'static,
    {
        assert!(size > 0, "Pool::new: size must be at least 1 worker, got 0");
        let (ctx, cancel) = Context::with_cancel(ctx);
        let (jobs_tx, jobs_rx) = unbounded();
        let (returned_tx, returned_rx) = unbounded();
        let (results_tx, results_rx) = unbounded();
        let work = Arc::new(work);
        let workers = (0..size)
            .map(|id| {
                let worker = Worker {
                    id,
                    ctx: ctx.clone(),
                    jobs: jobs_rx.clone(),
                    returned: returned_tx.clone(),
                    results: results_tx.clone(),
                    work: Arc::clone(&work),
                };
                thread::Builder::new()
                    .name(format!("pool-worker-{id}"))
                    .spawn(move || worker.run())
                    .expect("Pool::new: failed to spawn a worker thread")
            })
            .collect();
        // The pool keeps no results `Sender`: the channel closes when the last worker drops its
        // clone (invariant 3).
        drop(results_tx);
        Pool {
            size,
            ctx,
            cancel,
            jobs: Some(jobs_tx),
            queued: jobs_rx,
            returned: returned_rx,
            results: results_rx,
            workers,
            submitted: 0,
        }
    }

    /// Queues one job and returns its index (0, 1, 2, … in submission order). Never blocks.
    ///
    /// A job submitted after the context is done is never started; [`shutdown`](Pool::shutdown)
    /// hands it back.
    ///
    /// # Panics
    /// Panics if called after [`close`](Pool::close), like a send on a closed channel in Go.
    pub fn submit(&mut self, job: J) -> usize {
        let index = self.submitted;
        let jobs = self
            .jobs
            .as_ref()
            .expect("Pool::submit: the jobs channel was closed by Pool::close");
        // The pool holds a receiver (`queued`), so the channel is never disconnected here.
        jobs.send(NotStarted { index, job })
            .expect("the pool holds a receiver on its jobs channel");
        self.submitted += 1;
        index
    }

    /// Queues every job of `jobs`; returns the range of indices they were given.
    ///
    /// # Panics
    /// Panics if called after [`close`](Pool::close).
    pub fn submit_all(&mut self, jobs: impl IntoIterator<Item = J>) -> std::ops::Range<usize> {
        let first = self.submitted;
        for job in jobs {
            self.submit(job);
        }
        first..self.submitted
    }

    /// Go's `close(jobs)`: no more jobs. Workers exit once the queue is empty, and then the results
    /// channel closes, which ends a `for outcome in pool.results()` loop. Idempotent.
    pub fn close(&mut self) {
        self.jobs = None;
    }

    /// Cancels the pool's context: every worker finishes the job in hand and starts no other, so the
    /// results channel closes soon after. Idempotent; does not wait (see [`shutdown`](Pool::shutdown)).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The results channel, in completion order. Iterating it ends when the last worker exits (after
    /// [`close`](Pool::close) and an empty queue, or after a cancel), so the collector never hangs.
    pub fn results(&self) -> &Receiver<Outcome<R>> {
        &self.results
    }

    /// The results restored to submission order as they arrive (see [`InOrder`]): an outcome is
    /// yielded as soon as every lower index has been yielded, without waiting for the rest.
    pub fn results_in_order(&self) -> InOrder<crossbeam_channel::Iter<'_, Outcome<R>>> {
        InOrder::new(self.results.iter())
    }

    /// The number of worker threads.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many jobs were submitted so far (the next job's index).
    pub fn submitted(&self) -> usize {
        self.submitted
    }

    /// The pool's context, the one the work function receives.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Graceful shutdown: cancels the context, waits for the jobs in hand to finish, joins every
    /// worker and accounts for every job the caller has not seen yet (see [`Account`]).
    pub fn shutdown(mut self) -> Account<J, R> {
        self.cancel.cancel();
        self.stop()
    }

    /// Closes the jobs channel, waits until every queued job has run (or until the context is
    /// cancelled, whichever comes first), joins every worker and returns the [`Account`].
    pub fn finish(mut self) -> Account<J, R> {
        self.close();
        self.stop()
    }

    /// Joins the workers, then collects what is left in the three channels.
    ///
    /// A worker thread itself can panic only outside a job: when it drops the last reference to
    /// the work function and that `Drop` panics. Every worker is joined first, then the first such
    /// panic is re-raised, so no thread outlives the pool even then.
    fn stop(&mut self) -> Account<J, R> {
        // lab:begin day3/graceful-shutdown
        self.jobs = None;
        let mut first_panic = None;
        for handle in self.workers.drain(..) {
            if let Err(payload) = handle.join() {
                first_panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = first_panic {
            resume_unwind(payload);
        }
        let mut completed: Vec<_> = self.results.try_iter().collect();
        completed.sort_unstable_by_key(|o| o.index);
        let mut not_started: Vec<_> = self
            .returned
            .try_iter()
            .chain(self.queued.try_iter())
            .collect();
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
        self.cancel.cancel();
        self.jobs = None;
        for handle in self.workers.drain(..) {
            // A worker panic was already reported by the panic hook; do not panic again in drop.
            let _ = handle.join();
        }
    }
}

impl<J, R> std::fmt::Debug for Pool<J, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("submitted", &self.submitted)
            .field("closed", &self.jobs.is_none())
            .field("queued", &self.queued.len())
            .field("cancelled", &self.ctx.is_done())
            .finish_non_exhaustive()
    }
}

/// One worker thread's state: Go's `func worker(id int, jobs <-chan Job, results chan<- Result)`.
struct Worker<J, R, F> {
    id: usize,
    ctx: Context,
    jobs: Receiver<NotStarted<J>>,
    returned: Sender<NotStarted<J>>,
    results: Sender<Outcome<R>>,
    work: Arc<F>,
}

impl<J, R, F: Fn(&Context, J) -> R> Worker<J, R, F> {
    fn run(self) {
        // lab:begin day3/worker-loop
        while let Some(NotStarted { index, job }) = self.next_job() {
            if self.ctx.is_done() {
                // Taken after the cancel: not started, so hand it back (invariant 4). The pool
                // keeps the receiver until it is dropped, after joining us, so this cannot fail.
                let _ = self.returned.send(NotStarted { index, job });
                return;
            }
            let work = &*self.work;
            // AssertUnwindSafe: the panic is not hidden from the caller, it becomes this job's
            // `Err(JobPanicked)`; what a later job may find in `work`'s shared state after it is
            // documented on `Pool` ("A job that panics").
            let result = match catch_unwind(AssertUnwindSafe(|| work(&self.ctx, job))) {
                Ok(value) => Ok(value),
                Err(payload) => {
                    let failed = JobPanicked::from_payload(&*payload);
                    drop_payload(payload);
                    Err(failed)
                }
            };
            // The pool holds the receiver until after it joined us, so this send succeeds.
            let _ = self.results.send(Outcome {
                index,
                worker: self.id,
                result,
            });
        }
        // lab:end day3/worker-loop
    }

    /// The next job, or `None` when the jobs channel is closed and empty or the context is done.
    fn next_job(&self) -> Option<NotStarted<J>> {
        // lab:begin day3/next-job
        // Fast path: a busy pool finds a job queued and skips the two-way select.
        match self.jobs.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {}
        }
        select! {
            recv(self.jobs) -> job => job.ok(),
            // `done()` never carries a value: it becomes disconnected, so this arm fires, on cancel.
            recv(self.ctx.done()) -> _ => None,
        }
        // lab:end day3/next-job
    }
}

/// Drops a caught panic payload without letting its `Drop` kill the worker: a payload type whose
/// destructor panics would otherwise unwind out of [`Worker::run`], losing the job's outcome and
/// the worker. The payload of *that* panic is leaked, not dropped, since its destructor could
/// panic again (std's thread runtime aborts in this case; a pool that outlives jobs cannot).
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(nested);
    }
}
