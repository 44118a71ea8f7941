//! The counting side of the server: one day 3 [`Pool`] shared by every request, fed request bodies
//! chunk by chunk.
//!
//! ```text
//!  tokio (handler)                          pool worker (day 3), one per part being counted
//!  body frame ─▶ credit (semaphore) ─▶ [ chunks ] ─▶ select { ctx.done(), next chunk }
//!                                                      └▶ ChunkCounter::feed ─▶ the part's map
//!  end of part ─▶ Chunk::End ───────────────────────▶ finish the last word ─▶ oneshot ─▶ handler
//! ```
//!
//! A part is one pool job from the first byte to the last, so a part in the middle of being counted
//! holds its worker while it waits for the network: a slow client holds one worker until its
//! deadline, and admission (`--jobs + --queue` requests) bounds how many requests wait behind it.
//! A part's credits start at zero and the worker grants [`CREDITS`] when it starts the job: the
//! socket of a request still waiting for a worker is not read at all (TCP pushes back on its
//! client), so the body bytes in memory are at most `--jobs` × [`CREDITS`] frames however many
//! requests are admitted.
//!
//! Who decides a queued job's fate: the first of the worker (about to start it) and the handler
//! (giving up at its deadline) to set [`Part`]'s `claimed` flag. So a request whose job is still
//! queued behind busy workers answers at its deadline, and its job is then skipped in no time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender, select, unbounded};
use day2_context::{Context, ContextError};
use day3_worker_pool::Pool;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch};

use crate::chunked::ChunkCounter;
use crate::counts::WordCounts;
use crate::source::{End, Progress};

/// Chunks of one running part that may wait, read from the socket but not counted yet.
pub(super) const CREDITS: usize = 4;

/// What the pool is doing: requests admitted, jobs waiting for a worker, jobs on a worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Requests admitted and not answered yet.
    pub requests: usize,
    /// Part jobs submitted and not started (nor given up).
    pub queued: usize,
    /// Part jobs on a worker.
    pub running: usize,
}

/// One message to a part's job.
enum Chunk {
    /// Bytes of the part, with the credit they hold until counted.
    Data(Bytes, OwnedSemaphorePermit),
    /// The part ended: count the last word.
    End,
}

/// One pool job: count a part's chunks into a map borrowed from its request.
struct Job {
    ctx: Context,
    chunks: Receiver<Chunk>,
    credits: Arc<Semaphore>,
    claimed: Arc<AtomicBool>,
    maps: Arc<Maps>,
    reply: oneshot::Sender<Progress>,
}

/// The server's pool and its load gauge.
pub(super) struct Counter {
    pool: std::sync::Mutex<Pool<Job, ()>>,
    load: Arc<watch::Sender<Load>>,
}

impl Counter {
    /// Starts `jobs` workers. The pool runs under its own context, not the server's root: at
    /// shutdown the root is cancelled so that every request stops counting, while the workers stay
    /// up to start (and at once skip) what is still queued.
    pub(super) fn new(jobs: usize, load: Arc<watch::Sender<Load>>) -> Counter {
        let gauge = Arc::clone(&load);
        let pool = Pool::new(
            &Context::background(),
            jobs,
            move |_: &Context, job: Job| {
                // Relaxed: the flag carries no data, only who came first, which the modification
                // order of this one atomic decides; it pairs with the swap in `Part::give_up`.
                if job.claimed.swap(true, Ordering::Relaxed) {
                    return; // the handler gave up on this part at its deadline
                }
                gauge.send_modify(|l| {
                    l.queued -= 1;
                    l.running += 1;
                });
                let _running = Running(&gauge);
                job.credits.add_permits(CREDITS); // the handler may read the part's body now
                let mut map = job.maps.take();
                let progress = count_chunks(&job.ctx, &job.chunks, &mut map);
                job.maps.give_back(map);
                // The handler may be gone (client disconnected): nobody to tell.
                let _ = job.reply.send(progress);
            },
        );
        // The pool's results channel carries one `Outcome` per job; nothing reads the unit
        // results (each job replies on its own channel), so a thread drains them to keep the
        // channel's memory bounded. It ends when the pool is dropped.
        let outcomes = pool.results().clone();
        std::thread::Builder::new()
            .name("server-outcomes".into())
            .spawn(move || {
                for outcome in outcomes {
                    if let Err(panicked) = outcome.result {
                        eprintln!("day5-wordcount serve: a counting job panicked: {panicked}");
                    }
                }
            })
            .expect("failed to spawn the outcome thread");
        Counter {
            pool: std::sync::Mutex::new(pool),
            load,
        }
    }

    /// Submits a job for one part of a request counted under `ctx`; `maps` is the request's.
    pub(super) fn start_part(&self, ctx: &Context, maps: &Arc<Maps>) -> Part {
        let credits = Arc::new(Semaphore::new(0));
        let (tx, rx) = unbounded();
        let (reply_tx, reply_rx) = oneshot::channel();
        let claimed = Arc::new(AtomicBool::new(false));
        self.load.send_modify(|l| l.queued += 1);
        let job = Job {
            ctx: ctx.clone(),
            chunks: rx,
            credits: Arc::clone(&credits),
            claimed: Arc::clone(&claimed),
            maps: Arc::clone(maps),
            reply: reply_tx,
        };
        // `submit` never blocks: it is a send on an unbounded channel, which admission bounds.
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .submit(job);
        Part {
            chunks: tx,
            credits,
            claimed,
            reply: reply_rx,
            load: Arc::clone(&self.load),
        }
    }
}

/// Decrements the running gauge when a job ends, also by a panic.
struct Running<'a>(&'a watch::Sender<Load>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|l| l.running -= 1);
    }
}

/// The handler's end of one part's job.
pub(super) struct Part {
    chunks: Sender<Chunk>,
    credits: Arc<Semaphore>,
    claimed: Arc<AtomicBool>,
    reply: oneshot::Receiver<Progress>,
    load: Arc<watch::Sender<Load>>,
}

impl Part {
    /// Hands `data` to the job once the part has a credit free: not before a worker started the
    /// job, and then never more than [`CREDITS`] chunks ahead of it (the socket is not read faster
    /// than the pool counts). Cancel safe: dropped while waiting, nothing was sent.
    pub(super) async fn send(&self, data: Bytes) {
        let credit = Arc::clone(&self.credits)
            .acquire_owned()
            .await
            .expect("the credit semaphore is never closed");
        // The job may have stopped (deadline): the chunk is then dropped with its credit.
        let _ = self.chunks.send(Chunk::Data(data, credit));
    }

    /// The part is complete: the job counts its last word and replies.
    pub(super) fn end(&self) {
        let _ = self.chunks.send(Chunk::End);
    }

    /// Waits for the job's result. When `ctx` is done first and the job never started, the part was
    /// not counted; a started job stops at its next chunk and replies with what it counted.
    pub(super) async fn result(mut self, ctx: &Context) -> Progress {
        tokio::select! {
            progress = &mut self.reply => return progress.unwrap_or_else(|_| panicked()),
            err = ctx.cancelled() => {
                if self.give_up() {
                    return Progress { bytes: 0, end: End::Stopped(err) };
                }
            }
        }
        (&mut self.reply).await.unwrap_or_else(|_| panicked())
    }

    /// Claims the job for the handler if no worker has started it; true if it will never run.
    fn give_up(&self) -> bool {
        // Relaxed: pairs with the worker's swap in `Counter::new`; see there.
        let won = !self.claimed.swap(true, Ordering::Relaxed);
        if won {
            self.load.send_modify(|l| l.queued -= 1);
        }
        won
    }
}

impl Drop for Part {
    /// A handler dropped mid-request (the client disconnected) must not leave a queued job counted
    /// as queued; a started job stops on its context, which the handler's guard cancels.
    fn drop(&mut self) {
        self.give_up();
    }
}

/// The job's reply channel closed without a reply: the work function panicked (the pool caught it
/// and the outcome thread reported it).
fn panicked() -> Progress {
    Progress {
        bytes: 0,
        end: End::Failed(std::io::Error::other("the counting job panicked")),
    }
}

/// Counts a part's chunks as they arrive, stopping when `ctx` is done. A word cut by the stop is
/// dropped, as the CLI does ([`crate::source`]).
fn count_chunks(ctx: &Context, chunks: &Receiver<Chunk>, counts: &mut WordCounts) -> Progress {
    let mut counter = ChunkCounter::new();
    let mut bytes = 0;
    let end = loop {
        if let Some(err) = ctx.err() {
            break End::Stopped(err);
        }
        select! {
            // `done()` carries no value; it disconnects when the context is done.
            recv(ctx.done()) -> _ => {}
            recv(chunks) -> msg => match msg {
                Ok(Chunk::Data(data, _credit)) => {
                    counter.feed(&data, counts);
                    bytes += data.len() as u64;
                }
                Ok(Chunk::End) => break End::Complete,
                // The handler went away without ending the part: its request was abandoned.
                Err(_) => break End::Stopped(ctx.err().unwrap_or(ContextError::Canceled)),
            },
        }
    };
    match end {
        End::Complete => counter.finish(counts),
        _ => counter.discard(),
    }
    Progress { bytes, end }
}

/// A request's maps: a part's job borrows one for its run and gives it back, so a request with
/// many parts holds at most as many maps as it has parts on workers at once (the CLI's scheme, see
/// [`crate::run`]).
#[derive(Debug)]
pub(super) struct Maps {
    tx: Sender<WordCounts>,
    rx: Receiver<WordCounts>,
}

impl Maps {
    pub(super) fn new() -> Arc<Maps> {
        let (tx, rx) = unbounded();
        Arc::new(Maps { tx, rx })
    }

    fn take(&self) -> WordCounts {
        self.rx.try_recv().unwrap_or_default()
    }

    fn give_back(&self, map: WordCounts) {
        // `self` holds the receiver, so the channel is connected.
        let _ = self.tx.send(map);
    }

    /// Every map given back so far.
    pub(super) fn drain(&self) -> Vec<WordCounts> {
        self.rx.try_iter().collect()
    }
}
