//! Push/pop throughput: the epoch Treiber stack against a `Vec` behind a lock.
//!
//! Every worker runs `ops` rounds of `push(i)` then `pop()` on one shared stack, so the stack
//! stays nearly empty and every operation contends on the same word (`head`, or the lock).

use std::hint::black_box;
use std::sync::Mutex;

use crate::measure::{Sample, Table, parallel, rows_against_baseline};
use crate::stack::Stack;

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
}

/// Measures every [`StackKind`] and returns the Markdown table: push+pop rounds per second, the
/// ratio to `std::sync::Mutex<Vec>` at the same thread count, and cores busy.
///
/// # Panics
/// Panics if a contender's pops do not find exactly the `threads × ops` elements pushed.
pub fn stack_table(cfg: &StackConfig) -> Table {
    let mut table = Table::new([
        "threads",
        "stack",
        "push+pop/s",
        "× std Mutex<Vec>",
        "cores busy",
    ]);
    for &threads in &cfg.threads {
        let kinds = StackKind::ALL.map(|k| (k, k.name()));
        let ops = threads as u64 * cfg.ops;
        rows_against_baseline(&mut table, threads, kinds, ops, cfg.runs, |kind| {
            let (found, sample) = kind.run(threads, cfg.ops);
            assert_eq!(found, ops, "{}: lost elements", kind.name());
            sample
        });
    }
    table
}
