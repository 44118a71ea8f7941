//! `sync/atomic` counters: `atomic.AddInt64` / `atomic.LoadInt64` → [`AtomicI64::fetch_add`] /
//! [`AtomicI64::load`], against a mutex and against per-thread counters.
//!
//! [`crate::atomic_counter`] is the course's counter as a learner writes it (the lab's exercise);
//! [`CounterKind`] measures the same `fetch_add` against the other ways to count.
//!
//! Every kind counts `threads × per_thread` increments and must end exactly there. What differs
//! is where the counter's cache line lives:
//!
//! - [`CounterKind::Atomic`]: one `AtomicI64`. Each `fetch_add` is a single `lock xadd`, but the
//!   line must be *owned* by the incrementing core, so with two cores it ping-pongs between them
//!   on every increment.
//! - [`CounterKind::Mutex`]: a `Mutex<i64>` — the same ping-pong on the lock word, twice per
//!   increment (lock, unlock), plus sleeping in the kernel when contended.
//! - [`CounterKind::PerThreadPadded`]: one `CachePadded<AtomicI64>` per thread, summed at the end
//!   (a "striped" counter, like Java's `LongAdder`): no line is shared, so it scales.
//! - [`CounterKind::PerThreadUnpadded`]: the same counters packed side by side: *false sharing* —
//!   no two threads touch the same counter, yet they share a cache line and ping-pong anyway.
//!
//! Go's two counters (`go/bench`: `atomic.AddInt64` and a `sync.Mutex`-guarded `int64`) count the
//! same way in the measure example, and [`measured::counters`](crate::measured::counters) puts them
//! beside these.

use std::hint::black_box;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, PoisonError};

use crossbeam_utils::CachePadded;

use crate::read_heavy::{flags, list};
use labkit::{Sample, median, parallel};

/// The ways to count from many threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterKind {
    /// `Mutex<i64>`.
    Mutex,
    /// One shared `AtomicI64`, `fetch_add(1)` — Go's `atomic.AddInt64(&n, 1)`.
    Atomic,
    /// One `CachePadded<AtomicI64>` per thread, summed after the threads finish.
    PerThreadPadded,
    /// One `AtomicI64` per thread, adjacent in memory (false sharing), summed at the end.
    PerThreadUnpadded,
}

impl CounterKind {
    /// Every kind, the baseline (`Mutex`) first.
    pub const ALL: [CounterKind; 4] = [
        CounterKind::Mutex,
        CounterKind::Atomic,
        CounterKind::PerThreadPadded,
        CounterKind::PerThreadUnpadded,
    ];

    /// The name used in tables and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            CounterKind::Mutex => "Mutex<i64>",
            CounterKind::Atomic => "AtomicI64::fetch_add",
            CounterKind::PerThreadPadded => "per-thread CachePadded<AtomicI64>",
            CounterKind::PerThreadUnpadded => "per-thread AtomicI64, unpadded",
        }
    }

    /// `threads` threads each add 1 `per_thread` times; returns the final count and the timing.
    pub fn run(self, threads: usize, per_thread: u64) -> (i64, Sample) {
        // Warm-up: a tenth of the work, in each thread, on a throwaway counter.
        let warm = |_| {
            let scratch = AtomicI64::new(0);
            for _ in 0..per_thread / 10 {
                // Relaxed: a private counter that no other thread touches.
                scratch.fetch_add(1, Relaxed);
            }
            black_box(scratch.into_inner());
        };
        match self {
            CounterKind::Mutex => {
                let count = Mutex::new(0i64);
                let (_, s) = parallel(threads, warm, |_| {
                    for _ in 0..per_thread {
                        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    }
                });
                (
                    count.into_inner().unwrap_or_else(PoisonError::into_inner),
                    s,
                )
            }
            CounterKind::Atomic => {
                let count = AtomicI64::new(0);
                let (_, s) = parallel(threads, warm, |_| {
                    for _ in 0..per_thread {
                        // Relaxed: as in `atomic_counter::count_with_atomic`.
                        count.fetch_add(1, Relaxed);
                    }
                });
                // Relaxed: `parallel` joined every worker (as in `atomic_counter::count_with_atomic`).
                (count.load(Relaxed), s)
            }
            CounterKind::PerThreadPadded => {
                let slots: Vec<CachePadded<AtomicI64>> = (0..threads)
                    .map(|_| CachePadded::new(AtomicI64::new(0)))
                    .collect();
                let (_, s) = parallel(threads, warm, |t| {
                    for _ in 0..per_thread {
                        // Relaxed: as for `Atomic`; each slot has one writer, readers sum after join.
                        slots[t].fetch_add(1, Relaxed);
                    }
                });
                // Relaxed: after the join, as above.
                (slots.iter().map(|c| c.load(Relaxed)).sum(), s)
            }
            CounterKind::PerThreadUnpadded => {
                let slots: Vec<AtomicI64> = (0..threads).map(|_| AtomicI64::new(0)).collect();
                let (_, s) = parallel(threads, warm, |t| {
                    for _ in 0..per_thread {
                        // Relaxed: as for `PerThreadPadded`.
                        slots[t].fetch_add(1, Relaxed);
                    }
                });
                // Relaxed: after the join, as above.
                (slots.iter().map(|c| c.load(Relaxed)).sum(), s)
            }
        }
    }
}

/// Parameters of the counter table.
#[derive(Clone, Debug)]
pub struct CounterConfig {
    /// Thread counts to measure.
    pub threads: Vec<usize>,
    /// Increments per thread per run.
    pub per_thread: u64,
    /// Runs per cell; the table shows the median.
    pub runs: usize,
}

impl CounterConfig {
    /// The full measurement (`examples/measure.rs`).
    pub fn full() -> Self {
        CounterConfig {
            threads: vec![1, 2, 4],
            per_thread: 5_000_000,
            runs: 5,
        }
    }

    /// A short run for `--quick` and the tour (long enough that the threads really overlap).
    pub fn quick() -> Self {
        CounterConfig {
            threads: vec![1, 2, 4],
            per_thread: 1_000_000,
            runs: 3,
        }
    }

    /// The arguments that make `go/bench` count the way this configuration does.
    pub fn go_args(&self) -> Vec<String> {
        flags([
            ("-run", "counter".to_owned()),
            ("-counter-threads", list(&self.threads)),
            ("-increments", self.per_thread.to_string()),
            ("-counter-runs", self.runs.to_string()),
        ])
    }
}

/// Runs `kind` and returns its timing.
///
/// # Panics
/// Panics if the count is not exactly `threads × per_thread`.
fn counted(kind: CounterKind, threads: usize, per_thread: u64) -> Sample {
    let (count, sample) = kind.run(threads, per_thread);
    let want = threads as u64 * per_thread;
    assert_eq!(count, want as i64, "{}: lost increments", kind.name());
    sample
}

/// One measured cell: a counter kind at a thread count.
#[derive(Clone, Copy, Debug)]
pub struct CounterRow {
    /// Worker threads.
    pub threads: usize,
    /// The counter.
    pub kind: CounterKind,
    /// Increments in all (`threads × per_thread`).
    pub increments: u64,
    /// The median run (by wall time).
    pub median: Sample,
}

/// Measures every [`CounterKind`] at every thread count of `cfg`, logging progress on stderr.
///
/// # Panics
/// Panics if a kind does not end at exactly `threads × per_thread`.
pub fn run_counters(cfg: &CounterConfig) -> Vec<CounterRow> {
    let mut rows = Vec::new();
    for &threads in &cfg.threads {
        eprintln!("  counters: {threads} thread(s)…");
        for kind in CounterKind::ALL {
            let samples: Vec<Sample> = (0..cfg.runs.max(1))
                .map(|_| counted(kind, threads, cfg.per_thread))
                .collect();
            rows.push(CounterRow {
                threads,
                kind,
                increments: threads as u64 * cfg.per_thread,
                median: median(&samples),
            });
        }
    }
    rows
}

/// The Go counters of `go/bench`: (the case it prints, the column heading).
pub const GO_COUNTERS: [(&str, &str); 2] = [
    ("sync.Mutex", "Go sync.Mutex"),
    ("atomic.AddInt64", "Go atomic.AddInt64"),
];
