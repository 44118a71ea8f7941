//! The pipeline handle: Go's `errgroup.WithContext`, for stage threads.
//!
//! Go's goroutines cannot be joined, so the blog proves teardown by reasoning ("every goroutine
//! returns once `done` is closed"). Rust threads can, so every stage function here takes a
//! [`&Pipeline`](Pipeline) — the context *plus* the join handles of the threads it started — and
//! [`Pipeline::wait`] joins them all and returns the first error, like `errgroup.Group.Wait`.
//!
//! Invariants:
//! 1. Every stage thread owns its channel ends; when its body returns — normally, with an error or
//!    by panicking — they are dropped, so its output is closed on every return path.
//! 2. The first error is stored *before* the context is cancelled, so a stage that stops because of
//!    the cancel (and reports [`PipelineError::Context`]) can never replace it.
//! 3. `live` counts stage threads whose body has not finished yet; it is decremented as the last
//!    action of the thread, after the channel ends are dropped.
//! 4. Dropping a `Pipeline` without [`wait`](Pipeline::wait) cancels it and joins every thread:
//!    no stage thread outlives its `Pipeline`.

use std::error::Error;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

#[cfg(not(loom))]
use crossbeam_channel::select_biased;
use day2_context::{CancelHandle, Context, ContextError};
use day3_worker_pool::JobPanicked;
use labkit::Table;

use crate::sync::channel::{Receiver, Sender, bounded};
use crate::sync::thread::{self, JoinHandle};
use crate::sync::{Arc, AtomicU64, AtomicUsize, Mutex};

/// The error type a fallible stage may return: anything that is an error and can cross threads.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Why a stage stopped moving items. Stage bodies use it with `?`.
///
/// The first two are normal ends (Go: `range` over a closed channel ends; a send nobody will
/// receive is abandoned); the last two become the pipeline's [`PipelineError`].
#[derive(Debug)]
pub enum Stop {
    /// The input is closed and drained: upstream finished.
    InputClosed,
    /// Every receiver of the output is gone: downstream stopped early.
    OutputClosed,
    /// The context is done: cancelled, past its deadline, or another stage failed.
    Done(ContextError),
    /// The stage's own work failed.
    Failed(BoxError),
}

/// The first thing that went wrong in a pipeline, returned by [`Pipeline::wait`].
#[derive(Debug)]
pub enum PipelineError {
    /// The context was done before the pipeline finished: cancelled from outside, or its deadline.
    Context(ContextError),
    /// A stage's work failed; the rest of the pipeline was cancelled because of it.
    Stage {
        /// The stage that failed.
        stage: String,
        /// What it failed with.
        source: BoxError,
    },
    /// A stage thread panicked; the rest of the pipeline was cancelled because of it.
    Panicked {
        /// The stage whose thread panicked.
        stage: String,
        /// The panic message (`"<non-string panic payload>"` when it was not a string).
        message: String,
    },
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Context(e) => write!(f, "pipeline stopped: {e}"),
            PipelineError::Stage { stage, source } => write!(f, "stage `{stage}` failed: {source}"),
            PipelineError::Panicked { stage, message } => {
                write!(f, "stage `{stage}` panicked: {message}")
            }
        }
    }
}

impl Error for PipelineError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PipelineError::Context(e) => Some(e),
            PipelineError::Stage { source, .. } => Some(source.as_ref()),
            PipelineError::Panicked { .. } => None,
        }
    }
}

/// The items one stage (all of its threads together) received and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageCount {
    /// The stage's name, with ` #2`, ` #3`… appended when the name repeats in the pipeline.
    pub name: String,
    /// How many threads run it (fan-out workers); 0 for a stage run on the calling thread.
    pub threads: usize,
    /// Messages received from its input.
    pub received: u64,
    /// Messages sent on its output.
    pub sent: u64,
}

struct Entry {
    name: String,
    threads: usize,
    received: AtomicU64,
    sent: AtomicU64,
}

struct Shared {
    first_error: Mutex<Option<PipelineError>>,
    live: AtomicUsize,
    stages: Mutex<Vec<Arc<Entry>>>,
}

impl Shared {
    /// Stores `err` unless an earlier error is already there (invariant 2: call before cancelling).
    fn record(&self, err: PipelineError) {
        let mut first = self
            .first_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        first.get_or_insert(err);
    }
}

/// A running pipeline: its context, the stage threads it started, their counts and first error.
///
/// ```
/// use std::ops::ControlFlow;
/// use day2_context::Context;
/// use day4_pipeline::{Pipeline, generate, process, sink};
///
/// let p = Pipeline::new(&Context::background(), 16);
/// let squares = process(&p, generate(&p, 1..=4u64), |n| n * n);
/// let mut got = Vec::new();
/// sink(&p, squares, |n| {
///     got.push(n);
///     ControlFlow::Continue(())
/// });
/// p.wait()?;
/// assert_eq!(got, [1, 4, 9, 16]);
/// # Ok::<(), day4_pipeline::PipelineError>(())
/// ```
pub struct Pipeline {
    ctx: Context,
    cancel: CancelHandle,
    capacity: usize,
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Pipeline {
    /// A pipeline whose context is a child of `parent` (cancelling `parent` cancels the pipeline)
    /// and whose channels hold `capacity` messages (0: every send waits for its receiver).
    pub fn new(parent: &Context, capacity: usize) -> Pipeline {
        let (ctx, cancel) = Context::with_cancel(parent);
        Pipeline {
            ctx,
            cancel,
            capacity,
            shared: Arc::new(Shared {
                first_error: Mutex::new(None),
                live: AtomicUsize::new(0),
                stages: Mutex::new(Vec::new()),
            }),
            threads: Mutex::new(Vec::new()),
        }
    }

    /// The pipeline's context: done when the parent is, when [`cancel`](Self::cancel) is called,
    /// or when a stage fails.
    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// The capacity of every channel this pipeline's stage functions create.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// A new bounded channel of the pipeline's [`capacity`](Self::capacity).
    pub fn channel<T>(&self) -> (Sender<T>, Receiver<T>) {
        bounded(self.capacity)
    }

    /// Cancels the pipeline's context: every stage stops at its next send or receive.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Stage threads started and not finished yet (exactly 0 after [`wait`](Self::wait)).
    pub fn live_threads(&self) -> usize {
        // Acquire: pairs with the Release decrement at the end of each stage thread.
        self.shared.live.load(Acquire)
    }

    /// A handle on the per-stage counts; read it after [`wait`](Self::wait) for exact figures.
    pub fn counts(&self) -> Counts {
        Counts(Arc::clone(&self.shared))
    }

    /// Starts one stage thread running `body` (Go: `g.Go(func() error { … })`).
    pub fn spawn<B>(&self, name: &str, body: B)
    where
        B: FnOnce(&mut Stage) -> Result<(), Stop> + Send + 'static,
    {
        self.spawn_all(name, [body]);
    }

    /// Starts one thread per body, all counted as one stage called `name` (fan-out workers).
    ///
    /// # Panics
    /// Panics if the operating system cannot start a thread.
    pub fn spawn_all<B, I>(&self, name: &str, bodies: I)
    where
        I: IntoIterator<Item = B>,
        B: FnOnce(&mut Stage) -> Result<(), Stop> + Send + 'static,
    {
        let bodies: Vec<B> = bodies.into_iter().collect();
        let entry = self.register(name, bodies.len());
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        for (i, body) in bodies.into_iter().enumerate() {
            let mut stage = self.stage(&entry);
            let (shared, cancel) = (Arc::clone(&self.shared), self.cancel.clone());
            // Relaxed: the thread that decrements is started after this increment (spawn orders it).
            shared.live.fetch_add(1, Relaxed);
            let thread = thread::Builder::new()
                .name(format!("{}-{i}", entry.name))
                .spawn(move || {
                    // The body owns the stage's channel ends; they are dropped when it returns or
                    // unwinds, before the outcome is recorded (invariant 1). Unwind safety: after a
                    // panic only `stage`'s plain counters are read again.
                    let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&mut stage)));
                    stage.finish(outcome, &shared, &cancel);
                    // Release: pairs with the Acquire load in `live_threads` (invariant 3).
                    shared.live.fetch_sub(1, Release);
                })
                .unwrap_or_else(|e| {
                    // The thread never ran: take back its count before reporting.
                    self.shared.live.fetch_sub(1, Relaxed);
                    panic!("cannot start a thread for stage `{name}`: {e}")
                });
            threads.push(thread);
        }
    }

    /// Runs `body` as a stage on the calling thread (the blog's `for n := range out` in `main`),
    /// recording its outcome like a spawned stage's. A panic in `body` propagates to the caller;
    /// the `Pipeline`'s `Drop` then cancels and joins the rest.
    pub fn run_here<B>(&self, name: &str, body: B)
    where
        B: FnOnce(&mut Stage) -> Result<(), Stop>,
    {
        let entry = self.register(name, 0);
        let mut stage = self.stage(&entry);
        let outcome = body(&mut stage);
        stage.finish(Ok(outcome), &self.shared, &self.cancel);
    }

    /// Joins every stage thread and returns the first error (Go: `g.Wait()`).
    ///
    /// Drop or drain the pipeline's last receiver first: a stage blocked sending to a receiver that
    /// is kept alive and never read waits for it (or for cancellation), like in Go.
    ///
    /// # Errors
    /// The first [`PipelineError`] any stage reported.
    pub fn wait(self) -> Result<(), PipelineError> {
        self.join_all();
        let first = self
            .shared
            .first_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        first.map_or(Ok(()), Err)
    }

    fn join_all(&self) {
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for thread in threads {
            // Stage bodies run under `catch_unwind`, so a thread can only end in a panic if
            // recording its outcome panicked; that is reported like a stage panic.
            if thread.join().is_err() {
                self.shared.record(PipelineError::Panicked {
                    stage: "pipeline".into(),
                    message: "recording a stage's outcome panicked".into(),
                });
            }
        }
    }

    fn register(&self, name: &str, threads: usize) -> Arc<Entry> {
        let mut stages = self
            .shared
            .stages
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let repeats = stages
            .iter()
            .filter(|e| e.name == name || e.name.starts_with(&format!("{name} #")))
            .count();
        let name = if repeats == 0 {
            name.to_owned()
        } else {
            format!("{name} #{}", repeats + 1)
        };
        let entry = Arc::new(Entry {
            name,
            threads,
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        });
        stages.push(Arc::clone(&entry));
        entry
    }

    fn stage(&self, entry: &Arc<Entry>) -> Stage {
        Stage {
            ctx: self.ctx.clone(),
            entry: Arc::clone(entry),
            received: 0,
            sent: 0,
        }
    }
}

impl Drop for Pipeline {
    /// Cancels the context (releasing it from its parent, Go's `defer cancel()`) and joins every
    /// stage thread still running (invariant 4).
    fn drop(&mut self) {
        self.cancel.cancel();
        self.join_all();
    }
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("ctx", &self.ctx)
            .field("capacity", &self.capacity)
            .field("live_threads", &self.live_threads())
            .finish_non_exhaustive()
    }
}

/// One stage thread's view of the pipeline: its context, and sends and receives that race it.
///
/// Every blocking operation here is a `select!` against [`Context::done`], so a stage blocked on a
/// full output or an empty input still sees cancellation. `select_biased!` tries `done()` first:
/// once the context is done, the very next operation of every stage stops it.
pub struct Stage {
    ctx: Context,
    entry: Arc<Entry>,
    received: u64,
    sent: u64,
}

impl Stage {
    /// The pipeline's context.
    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// The stage's name in [`Counts`].
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// Sends `item`, or stops: [`Stop::Done`] if the context is done first, [`Stop::OutputClosed`]
    /// if every receiver is gone (the item is dropped then). Never panics on a closed channel.
    ///
    /// # Errors
    /// [`Stop::Done`] or [`Stop::OutputClosed`] as above.
    pub fn send<T>(&mut self, out: &Sender<T>, item: T) -> Result<(), Stop> {
        #[cfg(not(loom))]
        let sent = select_biased! {
            recv(self.ctx.done()) -> _ => return Err(Stop::Done(done_error(&self.ctx))),
            send(out, item) -> sent => sent,
        };
        // Under loom the context has no `done()` channel to select on: it is checked first, as
        // `select_biased!` would, but cannot interrupt a send that blocks. The models never cancel.
        #[cfg(loom)]
        let sent = match self.ctx.err() {
            Some(e) => return Err(Stop::Done(e)),
            None => out.send(item),
        };
        match sent {
            Ok(()) => {
                self.sent += 1;
                Ok(())
            }
            Err(_) => Err(Stop::OutputClosed),
        }
    }

    /// Receives the next item, or stops: [`Stop::Done`] if the context is done first,
    /// [`Stop::InputClosed`] once the input is closed and empty.
    ///
    /// # Errors
    /// [`Stop::Done`] or [`Stop::InputClosed`] as above.
    pub fn recv<T>(&mut self, input: &Receiver<T>) -> Result<T, Stop> {
        #[cfg(not(loom))]
        let item = select_biased! {
            recv(self.ctx.done()) -> _ => return Err(Stop::Done(done_error(&self.ctx))),
            recv(input) -> item => item,
        };
        // Under loom: checked first, cannot interrupt a blocked receive (see `send`).
        #[cfg(loom)]
        let item = match self.ctx.err() {
            Some(e) => return Err(Stop::Done(e)),
            None => input.recv(),
        };
        let item = item.map_err(|_| Stop::InputClosed)?;
        self.received += 1;
        Ok(item)
    }

    /// Publishes the counts and turns the outcome into the pipeline's first error, if it is one.
    fn finish(
        &self,
        outcome: std::thread::Result<Result<(), Stop>>,
        shared: &Shared,
        cancel: &CancelHandle,
    ) {
        // Relaxed: exact once the thread is joined (join orders it); a live read is a snapshot.
        self.entry.received.fetch_add(self.received, Relaxed);
        self.entry.sent.fetch_add(self.sent, Relaxed);
        let stage = self.entry.name.clone();
        let error = match outcome {
            Ok(Ok(()) | Err(Stop::InputClosed | Stop::OutputClosed)) => return,
            Ok(Err(Stop::Done(e))) => PipelineError::Context(e),
            Ok(Err(Stop::Failed(source))) => PipelineError::Stage { stage, source },
            Err(payload) => PipelineError::Panicked {
                stage,
                message: JobPanicked::from_payload(payload.as_ref()).message,
            },
        };
        shared.record(error);
        // After `record` (invariant 2): stages stopped by this cancel cannot win.
        cancel.cancel();
    }
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stage")
            .field("name", &self.entry.name)
            .field("received", &self.received)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

/// The per-stage counts of a pipeline; `Display` prints them as a Markdown table.
#[derive(Clone)]
pub struct Counts(Arc<Shared>);

impl Counts {
    /// One row per stage, in the order the stages were created.
    pub fn snapshot(&self) -> Vec<StageCount> {
        let stages = self.0.stages.lock().unwrap_or_else(PoisonError::into_inner);
        stages
            .iter()
            .map(|e| StageCount {
                name: e.name.clone(),
                threads: e.threads,
                received: e.received.load(Relaxed),
                sent: e.sent.load(Relaxed),
            })
            .collect()
    }

    /// Stage threads started and not finished yet (see [`Pipeline::live_threads`]).
    pub fn live_threads(&self) -> usize {
        // Acquire: pairs with the Release decrement at the end of each stage thread.
        self.0.live.load(Acquire)
    }

    /// The row for the stage called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<StageCount> {
        self.snapshot().into_iter().find(|s| s.name == name)
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new(["stage", "threads", "received", "sent"]);
        for s in self.snapshot() {
            let threads = if s.threads == 0 {
                "caller".to_owned()
            } else {
                s.threads.to_string()
            };
            table.row([s.name, threads, s.received.to_string(), s.sent.to_string()]);
        }
        table.fmt(f)
    }
}

impl fmt::Debug for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.snapshot()).finish()
    }
}

/// The error of a context whose `done()` fired.
#[cfg(not(loom))]
fn done_error(ctx: &Context) -> ContextError {
    ctx.err()
        .expect("Context contract: done() is disconnected only after err() is set")
}
