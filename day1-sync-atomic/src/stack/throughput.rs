//! Push/pop throughput: the epoch Treiber stack against a `Vec` behind a lock.
//!
//! Every worker runs `ops` rounds of `push(i)` then `pop()` on one shared stack, so the stack
//! stays nearly empty and every operation contends on the same word (`head`, or the lock).
//!
//! Go's Treiber stack on `atomic.Pointer[node]` (`go/bench`, where the garbage collector does the
//! epochs' job) runs the same rounds in the measure example; [`stack_table`] shows it beside
//! these.

use std::hint::black_box;
use std::sync::Mutex;

use crate::read_heavy::{CORES_BUSY_GO, CORES_BUSY_RUST, Line, flags, list};
use crate::stack::Stack;
use labkit::go::GoRows;
use labkit::{Sample, Table, least_busy_cell, median, parallel, rate_cell, ratio_cell, si};

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

/// The stack table, pivoted: one row per thread count, one column of push+pop rounds/s per stack
/// (every [`StackKind`] of `rows`, then [`GO_STACK`] from `go`), then the ratios
/// `Treiber × std Mutex<Vec>` and `Treiber × Go Treiber` (the left stack's rate over the right
/// one's: higher is better for the left), and the least busy Rust stack's and the Go stack's
/// cores busy. Without Go installed the Go cells read `SKIPPED`; with no Go asked for
/// (`GoRows::default()`, the tour) the Go columns are left out.
///
/// # Panics
/// Panics if Go ran but printed no row, or a row of another size, for one of the cells (it was not
/// run with [`StackConfig::go_args`] of the configuration that made `rows`).
pub fn stack_table(rows: &[StackRow], go: &GoRows) -> Table {
    let header = Line::new(go)
        .rust(["threads"])
        .rust(StackKind::ALL.map(StackKind::name))
        .go([GO_STACK.1])
        .rust(["Treiber × std Mutex<Vec>"])
        .go(["Treiber × Go Treiber"])
        .rust([CORES_BUSY_RUST])
        .go([CORES_BUSY_GO]);
    let mut table = Table::new(header);
    for cell in rows.chunk_by(|a, b| a.threads == b.threads) {
        let (threads, rounds) = (cell[0].threads, cell[0].rounds);
        let rate = |kind: StackKind| {
            cell.iter()
                .find(|r| r.kind == kind)
                .map(|r| r.median.per_second(rounds))
        };
        let treiber_go = go.sample(GO_STACK.0, threads, rounds);
        let go_rate = treiber_go.map(|s| s.per_second(rounds));
        table.row(
            Line::new(go)
                .rust([threads.to_string()])
                .rust(cell.iter().map(|r| si(r.median.per_second(rounds))))
                .go([rate_cell(go_rate)])
                .rust([ratio_cell(
                    rate(StackKind::Treiber),
                    rate(StackKind::StdMutexVec),
                    2,
                )])
                .go([ratio_cell(rate(StackKind::Treiber), go_rate, 2)])
                .rust([least_busy_cell(cell.iter().map(|r| &r.median), threads)])
                .go([least_busy_cell(&treiber_go, threads)]),
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_heavy::tests::{check_beside_go, check_without_go};

    /// A small configuration: 1 and 2 threads, one short run.
    fn small() -> StackConfig {
        StackConfig {
            threads: vec![1, 2],
            ops: 2_000,
            runs: 1,
        }
    }

    /// The Go program runs the configuration's rounds and its rows land in the pivoted table (or
    /// read `SKIPPED` where Go is not installed).
    #[test]
    fn go_rows_fill_the_pivoted_table() {
        let cfg = small();
        let rows = run_stacks(&cfg);
        assert_eq!(rows.len(), 2 * StackKind::ALL.len());
        let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), cfg.go_args());
        let table = stack_table(&rows, &go);
        let columns = [GO_STACK.1, "Treiber × Go Treiber", CORES_BUSY_GO];
        check_beside_go(&table, &go, &columns, 2);
    }

    /// With no Go asked for (the tour), the same table has the Rust columns alone.
    #[test]
    fn without_go_the_table_has_the_rust_columns_alone() {
        let rows = run_stacks(&small());
        let table = stack_table(&rows, &GoRows::default());
        let header = [
            "threads",
            "std Mutex<Vec>",
            "parking_lot Mutex<Vec>",
            "Treiber (crossbeam-epoch)",
            "Treiber × std Mutex<Vec>",
            CORES_BUSY_RUST,
        ];
        check_without_go(&table, &header, 2);
    }
}
