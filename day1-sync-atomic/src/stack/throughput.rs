//! Push/pop throughput: the epoch Treiber stack against a `Vec` behind a lock.
//!
//! Every worker runs `ops` rounds of `push(i)` then `pop()` on one shared stack, so the stack
//! stays nearly empty and every operation contends on the same word (`head`, or the lock).
//!
//! Go's Treiber stack on `atomic.Pointer[node]` (`go/bench`, where the garbage collector does the
//! epochs' job) runs the same rounds in the measure example; [`measured::stacks`](crate::measured::stacks)
//! puts it beside these.

use std::hint::black_box;
use std::sync::Mutex;

use crate::read_heavy::{flags, list};
use crate::stack::Stack;
use labkit::{Sample, median, parallel};

/// The contenders of the stack benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackKind {
    /// [`Stack`], the epoch-based Treiber stack.
    Treiber,
    /// `std::sync::Mutex<Vec<u64>>`.
    StdMutexVec,
    /// `parking_lot::Mutex<Vec<u64>>`.
    ParkingLotMutexVec,
}

impl StackKind {
    /// Every contender, the baseline (`std` mutex) first.
    pub const ALL: [StackKind; 3] = [
        StackKind::StdMutexVec,
        StackKind::ParkingLotMutexVec,
        StackKind::Treiber,
    ];

    /// The name used in tables and bench ids.
    pub fn name(self) -> &'static str {
        match self {
            StackKind::Treiber => "Treiber (crossbeam-epoch)",
            StackKind::StdMutexVec => "std Mutex<Vec>",
            StackKind::ParkingLotMutexVec => "parking_lot Mutex<Vec>",
        }
    }

    /// Runs `threads` workers doing `ops` push+pop rounds each; returns how many pops found an
    /// element (always `threads * ops`: a worker's own push precedes its pop) and the timing.
    pub fn run(self, threads: usize, ops: u64) -> (u64, Sample) {
        match self {
            StackKind::Treiber => {
                let s = Stack::new();
                rounds(threads, ops, |v| s.push(v), || s.pop())
            }
            StackKind::StdMutexVec => {
                let s = Mutex::new(Vec::new());
                let lock = || s.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                rounds(threads, ops, |v| lock().push(v), || lock().pop())
            }
            StackKind::ParkingLotMutexVec => {
                let s = parking_lot::Mutex::new(Vec::new());
                rounds(threads, ops, |v| s.lock().push(v), || s.lock().pop())
            }
        }
    }
}

fn rounds(
    threads: usize,
    ops: u64,
    push: impl Fn(u64) + Sync,
    pop: impl Fn() -> Option<u64> + Sync,
) -> (u64, Sample) {
    let round = |n: u64| {
        let mut found = 0;
        for i in 0..n {
            push(black_box(i));
            found += u64::from(pop().is_some());
        }
        found
    };
    let (found, sample) = parallel(
        threads,
        |_| {
            black_box(round(ops / 10));
        },
        |_| round(ops),
    );
    (found.iter().sum(), sample)
}

/// Parameters of the stack table.
#[derive(Clone, Debug)]
pub struct StackConfig {
    /// Thread counts to measure.
    pub threads: Vec<usize>,
    /// Push+pop rounds per thread per run.
    pub ops: u64,
    /// Runs per cell; the table shows the median.
    pub runs: usize,
}

impl StackConfig {
    /// The full measurement (`examples/measure.rs`).
    pub fn full() -> Self {
        StackConfig {
            threads: vec![1, 2],
            ops: 2_000_000,
            runs: 5,
        }
    }

    /// A short run for `--quick` and the tour. Not much shorter: in a run of ~100 000 rounds a
    /// contended `std::sync::Mutex` often lets one thread finish while the other sleeps in the
    /// kernel (cores busy ≈ 1), which measures one thread, not contention.
    pub fn quick() -> Self {
        StackConfig {
            threads: vec![1, 2],
            ops: 500_000,
            runs: 3,
        }
    }

    /// The arguments that make `go/bench` run this configuration's rounds on its stack.
    pub fn go_args(&self) -> Vec<String> {
        flags([
            ("-run", "stack".to_owned()),
            ("-stack-threads", list(&self.threads)),
            ("-rounds", self.ops.to_string()),
            ("-stack-runs", self.runs.to_string()),
        ])
    }
}

/// Runs `kind` and returns its timing.
///
/// # Panics
/// Panics if its pops do not find exactly the `threads × ops` elements pushed.
fn rounds_checked(kind: StackKind, threads: usize, ops: u64) -> Sample {
    let (found, sample) = kind.run(threads, ops);
    assert_eq!(
        found,
        threads as u64 * ops,
        "{}: lost elements",
        kind.name()
    );
    sample
}

/// One measured cell: a stack at a thread count.
#[derive(Clone, Copy, Debug)]
pub struct StackRow {
    /// Worker threads.
    pub threads: usize,
    /// The stack.
    pub kind: StackKind,
    /// Push+pop rounds in all (`threads × ops`).
    pub rounds: u64,
    /// The median run (by wall time).
    pub median: Sample,
}

/// Measures every [`StackKind`] at every thread count of `cfg`, logging progress on stderr.
///
/// # Panics
/// Panics if a contender's pops do not find exactly the `threads × ops` elements pushed.
pub fn run_stacks(cfg: &StackConfig) -> Vec<StackRow> {
    let mut rows = Vec::new();
    for &threads in &cfg.threads {
        eprintln!("  stacks: {threads} thread(s)…");
        for kind in StackKind::ALL {
            let samples: Vec<Sample> = (0..cfg.runs.max(1))
                .map(|_| rounds_checked(kind, threads, cfg.ops))
                .collect();
            rows.push(StackRow {
                threads,
                kind,
                rounds: threads as u64 * cfg.ops,
                median: median(&samples),
            });
        }
    }
    rows
}

/// The Go stack of `go/bench`: (the case it prints, the column heading).
pub const GO_STACK: (&str, &str) = ("Treiber (atomic.Pointer)", "Go Treiber (atomic.Pointer)");
