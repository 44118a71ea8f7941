//! The counting side of the server: one day 3 [`Pool`] shared by every request, fed *chunks that
//! have arrived*, never a request that is still waiting for its bytes.
//!
//! ```text
//!  tokio: the request's handler (owns its Tally between jobs)      pool worker (day 3)
//!  body frame ─▶ batch (≤ BATCH bytes) ──submit(Tally, batch)──▶ ChunkCounter::feed ─▶ Tally.counts
//!        ▲                          ◀──── oneshot: the Tally back ──┘ (budget checked per frame)
//!        └── read only while the batch has room: TCP pushes back on the client
//! ```
//!
//! # Who owns what
//!
//! 1. A request's [`Tally`] (its word table, the CLI's [`ChunkCounter`] with the word cut by the
//!    last chunk, its memory charge) is owned by the request's handler task while the request
//!    waits for the network, and *moved* into a pool job while a batch of its bytes is counted;
//!    the job sends it back on a oneshot. So a request between chunks holds no worker and no lock:
//!    a client that trickles a word every half second costs one short job per word.
//! 2. A request has at most one job queued or running at a time ([`Feeder`] submits the next batch
//!    only when the Tally is back). The pool's queue is FIFO, so with `n` requests that have bytes
//!    waiting, each gets one batch counted per round: no client holds more than its one batch's
//!    worth of the pool, however fast or slow it sends.
//! 3. The batch being filled while the previous one is counted is the handler's; it holds at most
//!    [`BATCH`] bytes plus one frame. Past that the handler stops reading the socket until the job
//!    returns: that is the back-pressure, per request, down to the client's TCP window.
//!
//! 4. At most 2 × `jobs` requests count at once: a request takes a *counting slot* when a frame
//!    arrives while nothing of it is being counted, and gives it back when its job returns with
//!    nothing more read. A request without a slot reads at most one frame and then waits, so TCP
//!    pushes back on its client; its word table does not grow. Requests thus count a few at a
//!    time, each to its end, instead of all admitted requests growing their tables together
//!    (their tables and batches stay in cache), and a request waiting for the network holds no
//!    slot, so slow clients still cost only their admission.
//!
//! 5. A request's table comes from the spares when its first batch is at least [`SPARE_AFTER`]
//!    bytes (a trickle of words takes none) and goes back, cleared, when the request is answered:
//!    at most one spare per counting slot, each at most [`SPARE_TABLE`] and charged to the memory
//!    budget while it waits (the request takes its charge over with it). A request so counts into
//!    a table that already has its size: the rehashing and fresh pages of a growing table were a
//!    tenth of the server's CPU under a steady load of 1 MiB bodies.
//! 6. Before each job (and before waiting for a counting slot), the handler asks whether the
//!    client hung up mid-body ([`Conn::hung_up`]): a body that can no longer arrive in full ends
//!    with [`Pumped::HungUp`] (499) instead of its buffered bytes being counted for nobody.
//!
//! Admission (`--jobs + --queue` requests in flight, and the server-wide memory budget) bounds the
//! number of requests, so the bytes read but not counted are at most two batches per admitted
//! request, and the pool's queue at most one job per admitted request.
//!
//! # Memory budget
//!
//! A Tally's table is measured with [`WordCounts::heap_bytes`] whenever it has grown by an eighth
//! (amortized: eight slot visits per new distinct word) and charged to the server-wide [`Memory`]
//! budget at *twice* its size: a hash table grows by doubling, so that is its size after its next
//! growth. When that passes `--max-table` (per request), or the server's budget has no room for
//! it, the request stops counting and answers with what it has, `stopped: "table budget"` or
//! `"server memory budget"`. Between two measures a table grows by an eighth (plus one frame's
//! words), which crosses at most one doubling that the last measure allowed for: so a table holds
//! at most `--max-table`, and 1.5 × that while the old slots and the new are both held during its
//! last growth. The charge is released when the Tally is dropped.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, PoisonError};

use bytes::Bytes;
use day2_context::{Context, ContextError};
use day3_worker_pool::Pool;
use futures_util::{Stream, StreamExt};
use tokio::sync::{Semaphore, SemaphorePermit, oneshot, watch};

use super::conn::Conn;
use crate::chunked::{ChunkCounter, Overlong};
use crate::counts::WordCounts;

/// Bytes of one request read ahead of its counting: the batch a job counts in one go.
pub(super) const BATCH: usize = 256 << 10;

/// What the pool is doing: requests admitted, jobs waiting for a worker, jobs on a worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Requests admitted and not answered yet.
    pub requests: usize,
    /// Requests waiting for admission (at most `--admit-wait` each).
    pub waiting: usize,
    /// Batch jobs submitted and not started.
    pub queued: usize,
    /// Batch jobs on a worker.
    pub running: usize,
    /// Body bytes counted since the server started.
    pub counted: u64,
}

impl Load {
    /// Nothing admitted, waiting, queued or running (the byte total aside).
    pub fn is_idle(&self) -> bool {
        self.requests == 0 && self.waiting == 0 && self.queued == 0 && self.running == 0
    }
}

/// Why a request stopped counting before the end of its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// Its context: the deadline, or the server's shutdown.
    Context(ContextError),
    /// Its table passed `--max-table`.
    TableBudget,
    /// The server-wide `--max-memory` had no room for its table to grow.
    ServerBudget,
    /// The counting job panicked (the pool caught it; the counts so far are lost).
    Failed,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Context(e) => write!(f, "{e}"),
            Stop::TableBudget => f.write_str("table budget"),
            Stop::ServerBudget => f.write_str("server memory budget"),
            Stop::Failed => f.write_str("the counting job panicked"),
        }
    }
}

/// The server-wide memory budget: bytes charged by admitted requests (their buffers and tables).
#[derive(Debug)]
pub(super) struct Memory {
    limit: usize,
    used: AtomicUsize,
}

impl Memory {
    pub(super) fn new(limit: usize) -> Arc<Memory> {
        Arc::new(Memory {
            limit,
            used: AtomicUsize::new(0),
        })
    }

    /// Charges `bytes` if the budget has room for them.
    fn try_charge(&self, bytes: usize) -> bool {
        // Relaxed: the counter guards no other memory; every update is a read-modify-write of
        // this one atomic, so the modification order alone keeps the sum right.
        self.used
            .fetch_update(Relaxed, Relaxed, |used| {
                used.checked_add(bytes).filter(|&t| t <= self.limit)
            })
            .is_ok()
    }

    fn release(&self, bytes: usize) {
        // Relaxed: see `try_charge`.
        self.used.fetch_sub(bytes, Relaxed);
    }

    /// Bytes charged right now.
    pub(super) fn used(&self) -> usize {
        self.used.load(Relaxed)
    }
}

/// Bytes charged to a [`Memory`] budget, released on drop.
#[derive(Debug)]
pub(super) struct Charge {
    memory: Arc<Memory>,
    bytes: usize,
}

impl Charge {
    /// Charges `bytes` at admission, or `None` if the budget has no room.
    pub(super) fn admit(memory: &Arc<Memory>, bytes: usize) -> Option<Charge> {
        memory.try_charge(bytes).then(|| Charge {
            memory: Arc::clone(memory),
            bytes,
        })
    }

    /// Takes over `other`'s bytes (a spare table's charge, now the request's).
    fn absorb(&mut self, mut other: Charge) {
        debug_assert!(Arc::ptr_eq(&self.memory, &other.memory), "one budget");
        self.bytes += std::mem::take(&mut other.bytes);
    }

    /// Grows the charge to `bytes` (never shrinks it); false if the budget has no room.
    fn grow_to(&mut self, bytes: usize) -> bool {
        let more = bytes.saturating_sub(self.bytes);
        if more == 0 {
            return true;
        }
        let ok = self.memory.try_charge(more);
        if ok {
            self.bytes = bytes;
        }
        ok
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.memory.release(self.bytes);
    }
}

/// A request's counting state: moved between its handler and the pool, never shared.
#[derive(Debug)]
pub(super) struct Tally {
    /// Every word counted so far, all parts together.
    pub(super) counts: WordCounts,
    /// The current part's tokenizer: the word cut by the last chunk (invariant 1 of
    /// [`crate::chunked`]).
    counter: ChunkCounter,
    /// Bytes of the current part counted.
    part_bytes: u64,
    /// Set once counting stopped; later batches are not counted.
    pub(super) stop: Option<Stop>,
    charge: Charge,
    /// Base of the charge (the request's buffers): the table is charged on top of it.
    base: usize,
    /// `--max-table`.
    max_table: usize,
    /// The table's size when last measured, and the length at which it is measured next.
    pub(super) table_bytes: usize,
    next_check: usize,
}

impl Tally {
    pub(super) fn new(charge: Charge, max_table: usize) -> Box<Tally> {
        Box::new(Tally {
            counts: WordCounts::new(),
            counter: ChunkCounter::new(),
            part_bytes: 0,
            stop: None,
            base: charge.bytes,
            charge,
            max_table,
            table_bytes: 0,
            next_check: 0,
        })
    }

    /// Counts `batch` unless stopped (by `ctx`, or by a budget, checked between frames); `end`:
    /// the part ends after it, so its last word is counted.
    fn count(&mut self, ctx: &Context, batch: &[Bytes], end: bool) {
        for data in batch {
            if self.stop.is_some() {
                break;
            }
            if let Some(e) = ctx.err() {
                self.stop = Some(Stop::Context(e));
                break;
            }
            self.counter.feed(data, &mut self.counts);
            self.part_bytes += data.len() as u64;
            self.check_table();
        }
        if end && self.stop.is_none() {
            self.counter.finish(&mut self.counts);
            self.check_table();
        }
    }

    /// Measures the table when it has grown by an eighth since the last measure, and charges it at
    /// twice its size: the size it has after its next growth (see the module docs).
    fn check_table(&mut self) {
        let len = self.counts.len();
        if len < self.next_check {
            return;
        }
        self.next_check = len + (len / 8).max(1024);
        self.table_bytes = self.counts.heap_bytes();
        let next_growth = 2 * self.table_bytes;
        if next_growth > self.max_table {
            self.stop = Some(Stop::TableBudget);
        } else if !self.charge.grow_to(self.base + next_growth) {
            self.stop = Some(Stop::ServerBudget);
        }
    }

    /// Ends the current part: how many of its bytes were counted, and the words it skipped for
    /// being longer than `--max-word`. A part cut short drops its unfinished word, as the CLI does.
    fn end_part(&mut self) -> (u64, Option<Overlong>) {
        if self.stop.is_some() {
            self.counter.discard();
        }
        let overlong = self.counter.overlong();
        self.counter = ChunkCounter::new();
        (std::mem::take(&mut self.part_bytes), overlong)
    }
}

/// One pool job: a batch of one request's bytes, with the request's Tally.
struct Job {
    ctx: Context,
    tally: Box<Tally>,
    batch: Vec<Bytes>,
    end: bool,
    reply: oneshot::Sender<Box<Tally>>,
}

/// The server's pool, its counting slots, its spare tables and its load gauge.
pub(super) struct Counter {
    pool: std::sync::Mutex<Pool<Job, ()>>,
    /// Cleared word tables of finished requests, each with its charge on the memory budget: at
    /// most one per counting slot, [`SPARE_TABLE`] bytes each (invariant 5).
    spares: std::sync::Mutex<Vec<(WordCounts, Charge)>>,
    /// [`SLOTS_PER_JOB`] × `jobs` permits: a request holds one while it has bytes read and not
    /// yet counted (invariant 4).
    slots: Semaphore,
    slots_total: usize,
    load: Arc<watch::Sender<Load>>,
}

/// Counting slots per pool thread: enough for every worker to find the next batch queued while it
/// counts one, few enough that the tables being filled stay in cache.
const SLOTS_PER_JOB: usize = 2;

/// The largest table kept as a spare (its slots): about 64 K distinct words. A larger one is freed.
const SPARE_TABLE: usize = 2 << 20;

/// A request takes a spare table with its first batch of at least this many bytes: a trickle of
/// words does not hold a table sized for a large body.
const SPARE_AFTER: usize = 16 << 10;

impl Counter {
    /// Starts `jobs` workers. The pool runs under its own context, not the server's root: at
    /// shutdown the root is cancelled so that every request stops counting, while the workers stay
    /// up to hand every queued Tally back at once.
    pub(super) fn new(jobs: usize, load: Arc<watch::Sender<Load>>) -> Counter {
        let gauge = Arc::clone(&load);
        let pool = Pool::new(
            &Context::background(),
            jobs,
            move |_: &Context, job: Job| {
                gauge.send_modify(|l| {
                    l.queued -= 1;
                    l.running += 1;
                });
                let Job {
                    ctx,
                    mut tally,
                    batch,
                    end,
                    reply,
                } = job;
                let before = tally.part_bytes;
                tally.count(&ctx, &batch, end);
                let counted = tally.part_bytes - before;
                gauge.send_modify(|l| {
                    l.running -= 1;
                    l.counted += counted;
                });
                // The handler may be gone (client disconnected): the Tally is dropped here.
                let _ = reply.send(tally);
            },
        );
        // The pool's results channel carries one `Outcome` per job; nothing reads the unit
        // results (each job replies on its own channel), so a thread drains them to keep the
        // channel's memory bounded. It ends when the pool is dropped.
        let outcomes = pool.results().clone();
        let gauge = Arc::clone(&load);
        std::thread::Builder::new()
            .name("server-outcomes".into())
            .spawn(move || {
                for outcome in outcomes {
                    if let Err(panicked) = outcome.result {
                        // The job's `running` was not taken back by the panicking job.
                        gauge.send_modify(|l| l.running -= 1);
                        eprintln!("day5-wordcount serve: a counting job panicked: {panicked}");
                    }
                }
            })
            .expect("failed to spawn the outcome thread");
        Counter {
            pool: std::sync::Mutex::new(pool),
            spares: std::sync::Mutex::new(Vec::new()),
            slots: Semaphore::new(SLOTS_PER_JOB * jobs),
            slots_total: SLOTS_PER_JOB * jobs,
            load,
        }
    }

    /// The handler's end of a request's counting, under `ctx`.
    pub(super) fn feeder<'a>(&'a self, ctx: &Context, tally: Box<Tally>) -> Feeder<'a> {
        Feeder {
            counter: self,
            memory: Arc::clone(&tally.charge.memory),
            ctx: ctx.clone(),
            tally: Some(tally),
            in_flight: None,
            slot: None,
            batch: Vec::new(),
            batch_bytes: 0,
            peer: None,
        }
    }

    /// Keeps the finished request's table, cleared, for a next request (if it is at most
    /// [`SPARE_TABLE`], a counting slot has no spare yet and the budget has room); else frees it.
    pub(super) fn recycle(&self, mut tally: Box<Tally>) {
        let mut counts = std::mem::take(&mut tally.counts);
        let memory = Arc::clone(&tally.charge.memory);
        drop(tally); // its charge, the table included, is released here
        counts.clear();
        let bytes = counts.heap_bytes();
        if bytes == 0 || bytes > SPARE_TABLE {
            return;
        }
        let mut spares = self.spares.lock().unwrap_or_else(PoisonError::into_inner);
        if spares.len() < self.slots_total
            && let Some(charge) = Charge::admit(&memory, bytes)
        {
            spares.push((counts, charge));
        }
    }

    /// A spare table, if any, with its charge.
    fn spare(&self) -> Option<(WordCounts, Charge)> {
        self.spares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Waits for a counting slot (FIFO: requests get them in the order they asked).
    async fn acquire_slot(&self) -> SemaphorePermit<'_> {
        self.slots
            .acquire()
            .await
            .expect("the counting slots are never closed")
    }

    fn submit(&self, job: Job) {
        self.load.send_modify(|l| l.queued += 1);
        // `submit` never blocks: a send on an unbounded channel, bounded by admission (one job per
        // admitted request, invariant 2).
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .submit(job);
    }
}

/// The end of one part: bytes counted, how it ended, the overlong words it skipped.
#[derive(Clone, Copy, Debug)]
pub(super) struct PartEnd {
    pub(super) bytes: u64,
    /// `None`: counted to its end.
    pub(super) stop: Option<Stop>,
    pub(super) overlong: Option<Overlong>,
}

/// The handler's side of a request's counting: the batch being filled, the Tally when it is home.
pub(super) struct Feeder<'a> {
    counter: &'a Counter,
    /// The server's budget, for the empty Tally that replaces one lost to a panic.
    memory: Arc<Memory>,
    ctx: Context,
    /// `None` while a job has it (then `in_flight` is `Some`).
    tally: Option<Box<Tally>>,
    in_flight: Option<oneshot::Receiver<Box<Tally>>>,
    /// A counting slot, held while the batch or the job in flight has bytes (invariant 4).
    slot: Option<SemaphorePermit<'a>>,
    batch: Vec<Bytes>,
    batch_bytes: usize,
    /// The request's connection and its declared body length, to see a client hang up.
    peer: Option<(Arc<Conn>, u64)>,
}

impl Feeder<'_> {
    /// Checks, before each job, whether the client has hung up with `declared` body bytes not all
    /// sent ([`Conn::hung_up`]): [`pump`](Self::pump) then ends with [`Pumped::HungUp`] instead of
    /// counting what was buffered of a body nobody waits for.
    pub(super) fn watch_peer(&mut self, conn: Arc<Conn>, declared: u64) {
        self.peer = Some((conn, declared));
    }

    /// Whether the client hung up before sending its whole body, `read` bytes of it read.
    fn hung_up(&self, read: u64) -> bool {
        self.peer
            .as_ref()
            .is_some_and(|(conn, declared)| conn.hung_up(declared.saturating_sub(read)))
    }

    /// Reads `frames` into the pool until their end, a read error, or a stop (a budget, the
    /// context seen by a job). `read` counts the bytes read, refused past `limit` with `too_large`.
    ///
    /// # Cancellation safety
    /// Cancel safe: dropped at an `.await`, every frame read is in the batch and a job in flight
    /// still returns its Tally to [`finish`](Self::finish).
    pub(super) async fn pump<S, E>(
        &mut self,
        frames: &mut S,
        read: &mut u64,
        limit: u64,
    ) -> Result<Result<(), Stop>, Pumped<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        loop {
            tokio::select! {
                biased;
                () = self.returned(), if self.in_flight.is_some() => {
                    if let Some(stop) = self.stopped() {
                        return Ok(Err(stop));
                    }
                    if self.batch.is_empty() {
                        // Waiting for the network: another request may count meanwhile.
                        self.slot = None;
                    } else if self.hung_up(*read) {
                        return Err(Pumped::HungUp);
                    } else {
                        self.submit(false);
                    }
                }
                frame = frames.next(), if self.batch_bytes < BATCH => match frame {
                    None => return Ok(Ok(())),
                    Some(Err(e)) => return Err(Pumped::Read(e)),
                    Some(Ok(data)) => {
                        *read += data.len() as u64;
                        if *read > limit {
                            return Err(Pumped::TooLarge);
                        }
                        self.batch_bytes += data.len();
                        self.batch.push(data);
                        if self.tally.is_some() {
                            if self.hung_up(*read) {
                                return Err(Pumped::HungUp);
                            }
                            if self.slot.is_none() {
                                // Cancel safe: the frame stays in the batch.
                                self.slot = Some(self.counter.acquire_slot().await);
                            }
                            self.submit(false);
                        }
                    }
                },
            }
        }
    }

    /// Ends the current part once its bytes read so far are counted, and reports on it.
    ///
    /// # Cancellation safety
    /// Cancel safe as [`pump`](Self::pump) is; the part is then ended by [`finish`](Self::finish).
    pub(super) async fn end_part(&mut self) -> PartEnd {
        self.returned().await;
        if !self.batch.is_empty() {
            self.submit(true);
            self.returned().await;
        } else if let Some(tally) = &mut self.tally {
            tally.count(&self.ctx, &[], true); // only the last word: not worth a job
        }
        self.report()
    }

    /// Stops reading: waits for the job in flight (if any; it stops at its next frame when the
    /// context is done), drops the bytes read but not counted, ends the current part as cut short.
    pub(super) async fn cut(&mut self) -> PartEnd {
        self.returned().await;
        self.batch.clear();
        self.batch_bytes = 0;
        let tally = self.tally.as_mut().expect("home after `returned`");
        if tally.stop.is_none() {
            tally.stop = Some(Stop::Context(
                self.ctx.err().unwrap_or(ContextError::Canceled),
            ));
        }
        self.report()
    }

    /// The Tally, home for good.
    pub(super) async fn finish(mut self) -> Box<Tally> {
        self.returned().await;
        self.tally.take().expect("home after `returned`")
    }

    fn report(&mut self) -> PartEnd {
        let tally = self.tally.as_mut().expect("home after `returned`");
        let (bytes, overlong) = tally.end_part();
        PartEnd {
            bytes,
            stop: tally.stop,
            overlong,
        }
    }

    fn stopped(&self) -> Option<Stop> {
        self.tally.as_ref().and_then(|t| t.stop)
    }

    /// Submits the batch (if any, or if `end`) with the Tally, which must be home.
    fn submit(&mut self, end: bool) {
        if self.batch.is_empty() && !end {
            return;
        }
        let mut tally = self.tally.take().expect("submitted only when home");
        if self.batch_bytes >= SPARE_AFTER
            && tally.counts.is_empty()
            && let Some((counts, charge)) = self.counter.spare()
        {
            // Counting into a table that already has its size: no growth, no fresh pages.
            tally.counts = counts;
            tally.charge.absorb(charge);
        }
        let (reply, rx) = oneshot::channel();
        self.in_flight = Some(rx);
        self.batch_bytes = 0;
        self.counter.submit(Job {
            ctx: self.ctx.clone(),
            tally,
            batch: std::mem::take(&mut self.batch),
            end,
            reply,
        });
    }

    /// Waits for the job in flight (if any) to hand the Tally back. Cancel safe: the receiver stays
    /// in `self` until the Tally is home.
    async fn returned(&mut self) {
        let Some(rx) = &mut self.in_flight else {
            return;
        };
        let tally = rx.await.unwrap_or_else(|_| {
            // The job panicked and dropped the Tally (and released its charge): go on with an
            // empty one that says so.
            let memory = Arc::clone(&self.memory);
            let mut t = Tally::new(Charge { memory, bytes: 0 }, usize::MAX);
            t.stop = Some(Stop::Failed);
            t
        });
        self.in_flight = None;
        self.tally = Some(tally);
    }
}

/// Why [`Feeder::pump`] stopped reading with an error.
#[derive(Debug)]
pub(super) enum Pumped<E> {
    /// Reading a frame failed (the client went away, or sent a malformed body).
    Read(E),
    /// The body passed `--max-body`.
    TooLarge,
    /// The client closed its side before sending the whole body ([`Conn::hung_up`]).
    HungUp,
}
