//! Test helpers shared by the integration tests: a rendezvous that forces jobs to overlap, and a
//! gate that holds a job in hand until the test lets it go. Neither uses time to synchronize; the
//! timeouts only turn a would-be hang into a failure with a message.

#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};

/// How long a test waits for something that should happen at once before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// How long a whole test may run before its watchdog fails it: every test here needs well under
/// a second, and a broken pool (a worker that never exits, results that never close) hangs.
pub const BOUND: Duration = Duration::from_secs(60);

/// Runs a test body under the workspace's watchdog ([`labkit::within`]) with [`BOUND`].
pub fn watched<R: Send + 'static>(what: &str, body: impl FnOnce() -> R + Send + 'static) -> R {
    labkit::within(what, BOUND, body)
}

/// Counts how many jobs run at once and remembers the peak.
#[derive(Debug, Default)]
pub struct Concurrency {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Concurrency {
    /// Marks a job as running; returns a guard that marks it finished when dropped.
    pub fn enter(&self) -> impl Drop + '_ {
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        Exit(self)
    }

    /// The largest number of jobs that were running at the same time.
    pub fn peak(&self) -> usize {
        self.peak.load(SeqCst)
    }

    /// The jobs running now.
    pub fn running(&self) -> usize {
        self.running.load(SeqCst)
    }
}

struct Exit<'a>(&'a Concurrency);

impl Drop for Exit<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, SeqCst);
    }
}

/// A reusable barrier for `parties` threads that fails loudly instead of hanging.
#[derive(Debug)]
pub struct Rendezvous {
    parties: usize,
    state: Mutex<(usize, u64)>, // (arrived in this round, round number)
    all_here: Condvar,
}

impl Rendezvous {
    /// A rendezvous for `parties` threads at a time.
    pub fn new(parties: usize) -> Self {
        Rendezvous {
            parties,
            state: Mutex::new((0, 0)),
            all_here: Condvar::new(),
        }
    }

    /// Blocks until `parties` threads are waiting here, then releases them all.
    ///
    /// # Panics
    /// Panics if the others do not arrive within [`PATIENCE`] (fewer threads than `parties` exist).
    pub fn wait(&self) {
        let mut state = self.state.lock().unwrap();
        let round = state.1;
        state.0 += 1;
        if state.0 == self.parties {
            *state = (0, round + 1);
            self.all_here.notify_all();
            return;
        }
        let arrived = state.0;
        let (state, timeout) = self
            .all_here
            .wait_timeout_while(state, PATIENCE, |s| s.1 == round)
            .unwrap();
        assert!(
            !timeout.timed_out(),
            "rendezvous: only {arrived} of {} jobs ever ran at once (round {})",
            self.parties,
            state.1
        );
    }
}

/// Holds jobs in hand: each job reports that it started, then waits until the test opens its gate.
#[derive(Debug)]
pub struct Gates {
    started_tx: Sender<usize>,
    started_rx: Receiver<usize>,
    open_tx: Sender<()>,
    open_rx: Receiver<()>,
}

impl Default for Gates {
    fn default() -> Self {
        let (started_tx, started_rx) = unbounded();
        let (open_tx, open_rx) = unbounded();
        Gates {
            started_tx,
            started_rx,
            open_tx,
            open_rx,
        }
    }
}

impl Gates {
    /// Called by a job: report `index` as started, then wait for one `open`.
    pub fn hold(&self, index: usize) {
        self.started_tx.send(index).unwrap();
        self.open_rx
            .recv_timeout(PATIENCE)
            .expect("gate never opened");
    }

    /// Called by the test: the next job to start.
    pub fn next_started(&self) -> usize {
        self.started_rx
            .recv_timeout(PATIENCE)
            .expect("no job started")
    }

    /// The next `n` jobs to start, sorted: with several workers, which of them reports first is
    /// up to the scheduler.
    pub fn next_started_set(&self, n: usize) -> Vec<usize> {
        let mut started: Vec<usize> = (0..n).map(|_| self.next_started()).collect();
        started.sort_unstable();
        started
    }

    /// Every start reported so far that the test has not read.
    pub fn started_so_far(&self) -> Vec<usize> {
        self.started_rx.try_iter().collect()
    }

    /// Lets `n` held jobs go.
    pub fn open(&self, n: usize) {
        for _ in 0..n {
            self.open_tx.send(()).unwrap();
        }
    }
}
