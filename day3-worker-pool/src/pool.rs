//! The fixed-size worker pool: N threads, one shared jobs queue, one results channel.
//!
//! ```text
//!            submit()                              work(&ctx, job)
//!  caller ──(index, job)──▶ [ jobs ] ──▶ worker 0 ─┐
//!            ╰── bell ──╮  (shared)  ──▶ worker 1 ─┼──Outcome──▶ [ results ] ──▶ caller
//!             (wakes an ╰─ idle ───▶ ──▶ worker … ─┘   (completion order)
//!              idle worker)
//! ```
//!
//! The jobs queue ([`JobQueue`]) is what a Go buffered channel is inside: buffers under a lock (two
//! here, one per end), and a way to wake a receiver that found it empty (here a token on the
//! `bell` channel, which a worker waits on in the same `select!` as the context's `done()`).
//! Owning it lets [`Pool::submit_all`] queue a group of jobs under one lock, something a Go channel
//! cannot do; each job is still taken on its own by whichever worker is free.
//!
//! Invariants, which the tests in `tests/pool.rs` and `tests/checklist.rs` check:
//! 1. Exactly `size` threads are spawned in [`Pool::new`] and none after, so at most `size` jobs run
//!    at once.
//! 2. Every submitted job leaves the jobs queue exactly once, through one of three doors: a worker
//!    runs it (one [`Outcome`] on the results channel), a worker takes it after the context was
//!    cancelled and hands it back unrun (the `returned` channel), or it is still queued when the pool
//!    stops (taken from the queue by [`Pool::shutdown`] or [`Pool::finish`]). The [`Account`]
//!    collects the last two.
//! 3. The results channel closes exactly when the last worker exits, because each worker owns one
//!    clone of its `Sender` and the pool keeps none: the "last `Sender` dropped" way, see
//!    [`results_close`](crate::results_close) for why this pool does not need a WaitGroup.
//! 4. After the context is done, a worker finishes the job in hand and starts no other.
//! 5. No lost wake-up: a worker that finds the queue empty and open is counted idle under the
//!    queue's tail lock before it waits; a submit that queues `n` jobs, under the same lock, takes
//!    `min(n, idle)` of those workers off the count and sends each a token on the bell (see
//!    [`job_queue`](crate::job_queue), invariant 3, and its loom model). A token sent before its
//!    worker started waiting stays in the bell channel until it does. Closing marks the queue
//!    closed, then drops the bell's only `Sender`, which wakes every waiting worker.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, select, unbounded};
use day2_context::{CancelHandle, Context};
use labkit::drop_payload;

use crate::job_queue::{JobQueue, Take};
use crate::outcome::{Account, JobPanicked, NotStarted, Outcome};
use crate::reorder::InOrder;

/// A fixed pool of worker threads running one work function over submitted jobs.
///
/// Go → Rust: `jobs := make(chan Job, n)` → the pool's jobs queue (fed by [`submit`](Pool::submit));
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
    /// The jobs queue, shared with every worker.
    jobs: Arc<JobQueue<NotStarted<J>>>,
    /// One token per idle worker a submit woke (invariant 5). `None` once [`Pool::close`] ran: Go's
    /// closed `jobs` channel.
    bell: Option<Sender<()>>,
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
        let jobs = Arc::new(JobQueue::new());
        let (bell_tx, bell_rx) = unbounded();
        let (returned_tx, returned_rx) = unbounded();
        let (results_tx, results_rx) = unbounded();
        let work = Arc::new(work);
        let workers = (0..size)
            .map(|id| {
                let worker = Worker {
                    id,
                    ctx: ctx.clone(),
                    jobs: Arc::clone(&jobs),
                    bell: bell_rx.clone(),
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
            jobs,
            bell: Some(bell_tx),
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
        let bell = self.bell();
        if self.jobs.push_one(NotStarted { index, job }) {
            ring(bell, 1);
        }
        self.submitted += 1;
        index
    }

    /// Queues every job of `jobs`; returns the range of indices they were given. Never blocks.
    ///
    /// Jobs that the iterator already counts in the lower bound of its `size_hint` (a range, a
    /// `Vec`, a slice…) are queued up to [`SUBMIT_GROUP`] at a time under one lock, which is what
    /// makes this cheaper per job than a loop of [`submit`](Pool::submit); the others are queued
    /// one by one as the iterator yields them, so an iterator that waits (a channel's `iter()`)
    /// never holds back a job it has already yielded. A `map` over a range is counted, so its
    /// closure runs for up to [`SUBMIT_GROUP`] jobs before they are queued together.
    ///
    /// # Panics
    /// Panics if called after [`close`](Pool::close) with at least one job.
    pub fn submit_all(&mut self, jobs: impl IntoIterator<Item = J>) -> std::ops::Range<usize> {
        let first = self.submitted;
        let mut jobs = jobs.into_iter();
        let mut group = Vec::with_capacity(jobs.size_hint().0.clamp(1, SUBMIT_GROUP));
        loop {
            // At least one job, so that an iterator whose lower bound is 0 is still drawn from.
            let promised = jobs.size_hint().0.clamp(1, SUBMIT_GROUP);
            let index = self.submitted;
            // The caller's iterator runs here, before the queue is locked.
            group.extend(
                jobs.by_ref()
                    .take(promised)
                    .enumerate()
                    .map(|(i, job)| NotStarted {
                        index: index + i,
                        job,
                    }),
            );
            if group.is_empty() {
                return first..self.submitted;
            }
            let count = group.len();
            let bell = self.bell();
            ring(bell, self.jobs.push(&mut group));
            self.submitted += count;
        }
    }

    /// The bell's `Sender`, which only an open pool has.
    fn bell(&self) -> &Sender<()> {
        self.bell
            .as_ref()
            .expect("Pool::submit: the jobs channel was closed by Pool::close")
    }

    /// Go's `close(jobs)`: no more jobs. Workers exit once the queue is empty, and then the results
    /// channel closes, which ends a `for outcome in pool.results()` loop. Idempotent.
    pub fn close(&mut self) {
        self.close_jobs();
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

    /// Closes the jobs queue, waits until every queued job has run (or until the context is
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
        self.close();
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
            .chain(self.jobs.take_all())
            .collect();
        not_started.sort_unstable_by_key(|n| n.index);
        Account {
            completed,
            not_started,
        }
        // lab:end day3/graceful-shutdown
    }
}

impl<J, R> Pool<J, R> {
    /// [`Pool::close`], for `Drop` too (which has no `Send` bounds).
    fn close_jobs(&mut self) {
        if let Some(bell) = self.bell.take() {
            // Closed first, then the bell disconnected: a worker it wakes finds the queue closed.
            self.jobs.close();
            drop(bell);
        }
    }
}

impl<J, R> Drop for Pool<J, R> {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.close_jobs();
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
            .field("closed", &self.bell.is_none())
            .field("queued", &self.jobs.len())
            .field("cancelled", &self.ctx.is_done())
            .finish_non_exhaustive()
    }
}

/// One worker thread's state: Go's `func worker(id int, jobs <-chan Job, results chan<- Result)`.
struct Worker<J, R, F> {
    id: usize,
    ctx: Context,
    jobs: Arc<JobQueue<NotStarted<J>>>,
    bell: Receiver<()>,
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

    /// The next job, or `None` when the jobs queue is closed and empty or the context is done.
    fn next_job(&self) -> Option<NotStarted<J>> {
        // lab:begin day3/next-job
        loop {
            match self.jobs.take() {
                Take::Job(job) => return Some(job),
                Take::Closed => return None,
                // Counted idle: the next submit sends us a token (invariant 5).
                Take::Idle => {}
            }
            select! {
                // A token (a job was queued since we looked) or a disconnect (closed): look again.
                recv(self.bell) -> _ => {}
                // `done()` never carries a value: it becomes disconnected, so this arm fires, on cancel.
                recv(self.ctx.done()) -> _ => return None,
            }
        }
        // lab:end day3/next-job
    }
}

/// How many jobs [`Pool::submit_all`] queues under one lock, at most.
///
/// At 64 the tail's lock is taken once for 64 jobs, already a small part of their trip (the
/// results channel costs more; see the day's journal). A larger group saves little more, holds
/// the lock longer while a worker that found the head empty waits for it, and lets a lazily
/// computed iterator run further ahead of the workers.
pub const SUBMIT_GROUP: usize = 64;

/// Sends `wake` tokens: one for each idle worker a push took off the count (invariant 5).
fn ring(bell: &Sender<()>, wake: usize) {
    for _ in 0..wake {
        // Fails only once every worker has exited, after a cancel: nobody is left to wake.
        let _ = bell.send(());
    }
}
