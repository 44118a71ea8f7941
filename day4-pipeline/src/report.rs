//! The day's measurements as rows (`labkit::rows`) for `examples/measure.rs`, and the binary's
//! demo run.
//!
//! Every figure is the median of several runs after one warm-up run, timed with
//! [`labkit`]; every multi-thread figure has its "cores busy" beside it. The
//! tables put the course's Go pipeline (`go/bench`, run with [`Plan::go_args`]) in rows of their
//! own, each under its Rust twin (at the same x).

use std::mem::size_of;
use std::ops::ControlFlow;
use std::thread;

use day2_context::Context;
use labkit::go::GoRows;
use labkit::rows::{Column, Figure, Lang, Row, Rows, Show, TableSpec, Unit, Versus, X, go_row};
use labkit::{Sample, Table, median_of};
use tokio_util::sync::CancellationToken;

use crate::compare::{
    Job, Shape, rayon_par_bridge, rayon_par_iter, sequential, thread_pipeline, tokio_pipeline,
    tokio_runtime, trivial_batched, trivial_tokio, trivial_unbatched,
};
use crate::fan_out::fan_out;
use crate::pipeline::{Counts, Pipeline, PipelineError};
use crate::stage::{generate, sink};
use crate::work::spin;

/// The capacities the capacity table sweeps.
pub const CAPACITIES: [usize; 4] = [0, 1, 64, 1024];

/// The channel capacity of the CPU-bound pipelines and of the per-item table.
pub const CAPACITY: usize = 64;

/// Items per message in the batched pipelines.
pub const BATCH: usize = 64;

/// Items per message in the CPU-bound fan-out's second batched row: about 1.7 ms of work a batch
/// here, so the generator and the sink wake a few hundred times a second instead of thousands —
/// on two cores every such wake-up preempts a worker.
pub const CPU_BATCH: usize = 1024;

/// The batch sizes of the per-item table.
const PER_ITEM_BATCHES: [usize; 3] = [16, BATCH, 1024];

/// How big the measured runs are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The CPU-bound comparison's job.
    pub cpu: Job,
    /// Items through the trivial-stage pipelines.
    pub trivial_items: u64,
    /// Timed runs per figure (the median is reported).
    pub runs: usize,
}

impl Plan {
    /// The full plan, for `cargo xtask bench` (about a minute).
    pub fn full() -> Plan {
        Plan {
            cpu: Job {
                items: 200_000,
                rounds: 400,
            },
            trivial_items: 2_000_000,
            runs: 5,
        }
    }

    /// Short parameters for `--quick` (a few seconds).
    pub fn quick() -> Plan {
        Plan {
            cpu: Job {
                items: 20_000,
                rounds: 400,
            },
            trivial_items: 200_000,
            runs: 3,
        }
    }

    /// The command-line flags that make `go/bench` — the course's pipeline in Go: fan-out, then
    /// `merge` with a `WaitGroup` — measure this plan: the same job, item counts, runs, workers
    /// ([`cores`]), capacities and batch sizes as the Rust rows, and the Rust checksum of the
    /// CPU-bound job (`-want`), which the Go program checks its own against (it fails otherwise),
    /// so both sides do the same work. Pass them to [`GoRows::bench`]; the tables take its rows.
    pub fn go_args(self) -> Vec<String> {
        let list = |sizes: &[usize]| {
            sizes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        [
            ("-items", self.cpu.items.to_string()),
            ("-rounds", self.cpu.rounds.to_string()),
            ("-want", sequential(self.cpu).to_string()),
            ("-workers", cores().to_string()),
            ("-capacity", CAPACITY.to_string()),
            ("-cpu-batches", list(&[BATCH, CPU_BATCH])),
            ("-trivial-items", self.trivial_items.to_string()),
            ("-batches", list(&PER_ITEM_BATCHES)),
            ("-capacities", list(&CAPACITIES)),
            ("-sweep-batch", BATCH.to_string()),
            ("-runs", self.runs.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_owned(), value])
        .collect()
    }
}

/// The number of cores the pipelines fan out to.
pub fn cores() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

/// Warms up with one run, then returns the median of `runs` timed ones.
fn timed(runs: usize, mut f: impl FnMut()) -> Sample {
    f();
    median_of(runs, f)
}

/// The CPU-bound table's name in the rows.
pub const CPU_BOUND: &str = "cpu-bound";
/// The per-item (batch size) table's name in the rows.
pub const BATCHES: &str = "batch";
/// The channel capacity table's name in the rows.
pub const CAPACITIES_TABLE: &str = "capacity";

/// Go's CPU-bound pipeline case with `batch` items per message (1: one `uint64` each).
fn go_cpu_case(batch: usize) -> String {
    match batch {
        1 => "cpu/pipeline/unbatched".to_owned(),
        b => format!("cpu/pipeline/batch-{b}"),
    }
}

/// Go's trivial-stage case at channel `capacity` with `batch` items per message (1: unbatched).
fn go_trivial_case(capacity: usize, batch: usize) -> String {
    match batch {
        1 => format!("trivial/cap-{capacity}/unbatched"),
        b => format!("trivial/cap-{capacity}/batch-{b}"),
    }
}

/// `unbatched` or `batch <n>`.
fn messages(batch: usize) -> String {
    match batch {
        1 => "unbatched".to_owned(),
        b => format!("batch {b}"),
    }
}

/// The x of a CPU-bound row: its computation, as the Rust row names it.
fn named(name: &str) -> X {
    X::Name(name.to_owned())
}

/// CPU-bound `process`: the sequential loop, rayon, the thread pipeline and the tokio pipeline,
/// each Rust loop and pipeline followed by its Go twin from `go` (run with [`Plan::go_args`]) at
/// the same x: the table's rows.
///
/// `× sequential` compares a row with the sequential loop in its own language (the speed-up of
/// going parallel); `× rayon` and `× Go` compare rates across rows. Every ratio is higher-is-better
/// for the row.
pub fn cpu_bound_table(plan: Plan, go: &GoRows) -> Rows {
    const SEQUENTIAL: &str = "sequential loop";
    const RAYON: &str = "rayon `into_par_iter`";
    let (job, w) = (plan.cpu, cores());
    let want = sequential(job);
    let check = |got: u64, who: &str| assert_eq!(got, want, "{who} computed a different checksum");
    let rt = tokio_runtime(w);
    let shape = |batch| Shape {
        workers: w,
        capacity: CAPACITY,
        batch,
    };
    let row = |name: &str, threads, sample| {
        Row::new(CPU_BOUND, name, threads, job.items, sample).at(named(name))
    };
    let mut rows = vec![
        row(
            SEQUENTIAL,
            1,
            timed(plan.runs, || check(sequential(job), "sequential")),
        ),
        row(
            RAYON,
            w,
            timed(plan.runs, || check(rayon_par_iter(job), "rayon")),
        ),
        row(
            "rayon `par_bridge`",
            w,
            timed(plan.runs, || check(rayon_par_bridge(job), "par_bridge")),
        ),
    ];
    let mut twins = vec![go_row(go, "cpu/sequential", 1, SEQUENTIAL, &rows[0])];
    for batch in [BATCH, CPU_BATCH, 1] {
        let sample = timed(plan.runs, || {
            let got = thread_pipeline(job, shape(batch)).expect("pipeline failed");
            check(got, "pipeline");
        });
        let rust = row(
            &format!("pipeline, fan-out {w}, {}", messages(batch)),
            w,
            sample,
        );
        let series = format!("pipeline, fan-out {w} + `merge`, {}", messages(batch));
        twins.push(go_row(go, &go_cpu_case(batch), w, &series, &rust));
        rows.push(rust);
    }
    rows.push(row(
        &format!("tokio mpsc, {w} tasks, batch {BATCH}"),
        w,
        timed(plan.runs, || {
            let got = rt.block_on(tokio_pipeline(job, shape(BATCH), CancellationToken::new()));
            check(got.expect("never cancelled"), "tokio");
        }),
    ));
    let go_series: Vec<String> = twins.iter().flatten().map(|r| r.series.clone()).collect();
    // Each Go row under its Rust twin.
    let mut ordered = Vec::new();
    for r in rows {
        let twin = twins.iter_mut().find_map(|t| t.take_if(|t| t.x == r.x));
        ordered.push(r);
        ordered.extend(twin);
    }
    let spec = TableSpec::list(
        CPU_BOUND,
        "CPU-bound `process`: sequential, rayon, thread pipeline, tokio pipeline, Go",
        vec![
            Column::new("computation", Show::Series),
            Column::figure("threads", Figure::Threads),
            Column::figure("items/s", Figure::Rate),
            Column::new("× sequential", Show::Versus(Versus::own(named(SEQUENTIAL)))),
            Column::new(
                "× rayon",
                Show::Versus(Versus::at(Lang::Rust, named(RAYON))),
            ),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("cores busy", Figure::CoresBusy),
        ],
    );
    let go_series: Vec<&str> = go_series.iter().map(String::as_str).collect();
    Rows::table(spec, ordered, go, &go_series)
}

/// Trivial stage: per-item cost of the three-stage pipeline by items per message (1: unbatched),
/// on threads and on tokio tasks, each Rust row followed by its Go twin from `go` (run with
/// [`Plan::go_args`]): the table's rows. `× unbatched` compares a row with the unbatched pipeline
/// in its own language, `× Go` a Rust row with its Go twin (higher: faster).
pub fn per_item_table(plan: Plan, go: &GoRows) -> Rows {
    const THREADS: &str = "threads";
    const GOROUTINES: &str = "goroutines";
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    // The stages' threads mostly wait on each other's channels: cores busy is not flagged.
    let row = |series: &str, batch: usize, sample| {
        Row::new(BATCHES, series, 3, n, sample)
            .at(X::Num(batch as u64))
            .waiting()
    };
    let go_twin = |batch: usize, like: &Row| {
        go_row(go, &go_trivial_case(CAPACITY, batch), 3, GOROUTINES, like)
    };
    let unbatched = row(
        THREADS,
        1,
        timed(plan.runs, || {
            let got = trivial_unbatched(n, CAPACITY).expect("pipeline failed");
            assert_eq!(got, want);
        }),
    );
    let rt = tokio_runtime(cores());
    let tokio = row(
        "tokio tasks",
        1,
        timed(plan.runs, || {
            assert_eq!(trivial_tokio(&rt, n, CAPACITY), want);
        }),
    );
    let mut rows = Vec::new();
    rows.extend(go_twin(1, &unbatched));
    rows.splice(0..0, [unbatched]);
    rows.push(tokio);
    for batch in PER_ITEM_BATCHES {
        let sample = timed(plan.runs, || {
            let got = trivial_batched(n, CAPACITY, batch).expect("pipeline failed");
            assert_eq!(got, want);
        });
        let rust = row(THREADS, batch, sample);
        let twin = go_twin(batch, &rust);
        rows.push(rust);
        rows.extend(twin);
    }
    let spec = TableSpec::list(
        BATCHES,
        &format!(
            "Trivial stage: per-item cost of generate → process → sink, channel capacity {CAPACITY}"
        ),
        vec![
            Column::new("items per message", Show::X),
            Column::new("pipeline", Show::Series),
            Column::figure("ns per item", Figure::NsPerOp),
            Column::figure("items/s", Figure::Rate),
            Column::new("× unbatched", Show::Versus(Versus::own(X::Num(1)))),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("cores busy", Figure::CoresBusy),
        ],
    );
    Rows::table(spec, rows, go, &[GOROUTINES])
}

/// Trivial stage at channel capacities 0, 1, 64, 1024: time per item and buffer memory, each Rust
/// row followed by Go's at the same capacity (from `go`, run with [`Plan::go_args`]): the table's
/// rows.
///
/// Memory is computed, not sampled. crossbeam's bounded channel (array flavour) allocates its
/// `capacity` slots up front, each a stamp (`usize`) plus the message; Go's `make(chan T, c)`
/// allocates its `c` slots up front too, each just the `T`. The pipeline has two channels; a full
/// batched channel also holds its batches' heap buffers.
pub fn capacity_table(plan: Plan, go: &GoRows) -> Rows {
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    let slot = |msg: usize| msg + size_of::<usize>();
    // A Go `[]uint64` (pointer, length, capacity) is the size of a `Vec<u64>`; a `uint64` that of a
    // `u64`.
    let (go_each, go_slice) = (size_of::<u64>(), size_of::<Vec<u64>>());
    let mut rows = Vec::new();
    for cap in CAPACITIES {
        // Below 64 every unbatched item costs a thread wake-up: fewer items give the same per-item
        // figure in a fraction of the time. (`go/bench` does the same.)
        let n_one = if cap < 64 { n / 20 } else { n };
        let want_one = n_one * (n_one + 1) / 2;
        let one = timed(plan.runs, || {
            let got = trivial_unbatched(n_one, cap).expect("pipeline failed");
            assert_eq!(got, want_one);
        });
        let many = timed(plan.runs, || {
            let got = trivial_batched(n, cap, BATCH).expect("pipeline failed");
            assert_eq!(got, want);
        });
        for (batch, items, sample, message, go_message) in [
            (1, n_one, one, size_of::<u64>(), go_each),
            (BATCH, n, many, size_of::<Vec<u64>>(), go_slice),
        ] {
            // A batch's heap buffer beside each message in a full batched channel.
            let buffers = if batch == 1 {
                0
            } else {
                BATCH * size_of::<u64>()
            };
            let rust = Row::new(CAPACITIES_TABLE, &messages(batch), 3, items, sample)
                .waiting()
                .at(X::Num(cap as u64))
                .with("waiting", (2 * cap * batch) as f64)
                .with("memory", (2 * cap * (slot(message) + buffers)) as f64);
            let twin = go_row(go, &go_trivial_case(cap, batch), 3, &messages(batch), &rust)
                .map(|r| r.with("waiting", (2 * cap * batch) as f64))
                .map(|r| r.with("memory", (2 * cap * (go_message + buffers)) as f64));
            rows.push(rust);
            rows.extend(twin);
        }
    }
    let spec = TableSpec::list(
        CAPACITIES_TABLE,
        "Channel capacity: time per item and memory (trivial stage)",
        vec![
            Column::new("capacity", Show::X),
            Column::new("messages", Show::Series),
            Column::figure("ns/item", Figure::NsPerOp),
            Column::figure("cores busy", Figure::CoresBusy),
            Column::figure(
                "items waiting, at most",
                Figure::value("waiting", Unit::Count),
            ),
            Column::figure("channel memory", Figure::value("memory", Unit::Bytes)),
        ],
    );
    Rows::table(spec, rows, go, &[&messages(1), &messages(BATCH)])
}

/// What one run of the demo pipeline did.
#[derive(Debug)]
pub struct DemoRun {
    /// Items the sink took.
    pub taken: u64,
    /// Per-stage counts, exact (read after the join).
    pub counts: Counts,
    /// The pipeline's verdict.
    pub result: Result<(), PipelineError>,
    /// Stage threads still alive after `wait` (always 0).
    pub live_after_wait: usize,
}

impl DemoRun {
    /// Where every item the generator sent ended up, from the exact per-stage counts of this
    /// linear pipeline (generate → process → sink): taken by the sink, or lost at the stop in one
    /// of three places — the `generate → process` buffer (sent, never received), a worker's hand
    /// (received by `process`, its result never sent: the send failed or was cancelled), or the
    /// `process → sink` buffer (sent, never received). The rows add up to the items generated.
    ///
    /// # Panics
    /// Panics if the counts are not those of [`demo`]'s three stages.
    pub fn where_items_went(&self) -> Table {
        let rows = self.counts.snapshot();
        let [generate, process, sink] = &rows[..] else {
            panic!("where_items_went: expected the demo's three stages, got {rows:?}");
        };
        let mut table = Table::new(["items", "count", "where"]);
        let mut row = |what: &str, count: u64, place: &str| {
            table.row([what.to_owned(), count.to_string(), place.to_owned()]);
        };
        row("generated", generate.sent, "sent by `generate`");
        row(
            "left in the first buffer",
            generate.sent - process.received,
            "sent by `generate`, never received; dropped with the channel",
        );
        row(
            "in a worker's hand",
            process.received - process.sent,
            "received by `process`; its result never sent (the send failed or was cancelled)",
        );
        row(
            "left in the second buffer",
            process.sent - sink.received,
            "sent by `process`, never received; dropped with the channel",
        );
        row("taken", sink.received, "received by the sink");
        table
    }
}

/// The binary's pipeline (see [`DIAGRAM`](crate::diagram::DIAGRAM)): generate `0..items` →
/// `spin` fanned out to `workers` → sink taking at most `take` items (at least one), under `ctx`.
pub fn demo(ctx: &Context, items: u64, workers: usize, take: u64) -> DemoRun {
    let p = Pipeline::new(ctx, 64);
    let counts = p.counts();
    let input = generate(&p, 0..items);
    let out = fan_out(&p, input, workers, |i| spin(i, 400));
    let mut taken = 0;
    sink(&p, out, |_| {
        taken += 1;
        if taken >= take {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let result = p.wait();
    DemoRun {
        taken,
        live_after_wait: counts.live_threads(),
        counts,
        result,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use labkit::go::{GoError, SKIPPED, run};

    use super::*;

    /// A plan small enough for a debug build.
    const TINY: Plan = Plan {
        cpu: Job {
            items: 300,
            rounds: 5,
        },
        trivial_items: 2_000,
        runs: 1,
    };

    /// `go/bench`, run with [`Plan::go_args`], prints every row the tables read (they panic on a
    /// missing one) and agrees with Rust's checksum; without Go the tables say `SKIPPED`.
    #[test]
    fn the_go_twin_fills_every_go_cell() {
        labkit::within(
            "the_go_twin_fills_every_go_cell",
            std::time::Duration::from_secs(300),
            || {
                let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), TINY.go_args());
                let tables = [
                    (CPU_BOUND, cpu_bound_table(TINY, &go)),
                    (BATCHES, per_item_table(TINY, &go)),
                    (CAPACITIES_TABLE, capacity_table(TINY, &go)),
                ];
                // Rust's rows, and four Go rows each when Go ran.
                let ran = go.skipped().is_none();
                for ((table, rows), (rust, go_rows)) in tables.iter().zip([(7, 4), (5, 4), (8, 8)])
                {
                    let go_rows = if ran { go_rows } else { 0 };
                    let of = |lang| rows.rows(table).filter(|r| r.lang == lang).count();
                    assert_eq!((of(Lang::Rust), of(Lang::Go)), (rust, go_rows), "{rows:?}");
                    let text = rows.markdown();
                    assert_eq!(text.contains(SKIPPED), !ran, "{text}");
                }
            },
        );
    }

    /// The Go program fails — and so fails the measure example — when its checksum is not Rust's.
    #[test]
    fn go_rejects_another_checksum() {
        labkit::within(
            "go_rejects_another_checksum",
            std::time::Duration::from_secs(300),
            || {
                let mut args = TINY.go_args();
                let want = args
                    .iter()
                    .position(|a| a == "-want")
                    .expect("-want is passed")
                    + 1;
                args[want] = sequential(TINY.cpu).wrapping_add(1).to_string();
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("go");
                match run(&dir, "bench", &args) {
                    Err(GoError::Failed(_) | GoError::Missing) => {}
                    Ok(rows) => panic!("a wrong checksum gave rows: {rows:?}"),
                }
            },
        );
    }

    /// Stopping short: every generated item is in exactly one row, a worker holds at most one
    /// item, and a buffer at most the pipeline's capacity (64).
    #[test]
    fn stop_short_accounts_for_every_generated_item() {
        labkit::within(
            "stop_short_accounts_for_every_generated_item",
            std::time::Duration::from_secs(60),
            || {
                let run = demo(&Context::background(), u64::MAX, 2, 10);
                assert!(run.result.is_ok(), "{:?}", run.result);
                assert_eq!(run.taken, 10);
                let table = run.where_items_went().to_string();
                let count = |label: &str| -> u64 {
                    let line = table
                        .lines()
                        .find(|l| l.starts_with(&format!("| {label} |")))
                        .unwrap_or_else(|| panic!("no row `{label}` in\n{table}"));
                    line.split('|').nth(2).unwrap().trim().parse().unwrap()
                };
                let (generated, first, in_hand, second, taken) = (
                    count("generated"),
                    count("left in the first buffer"),
                    count("in a worker's hand"),
                    count("left in the second buffer"),
                    count("taken"),
                );
                assert_eq!(taken, 10, "{table}");
                assert_eq!(generated, first + in_hand + second + taken, "{table}");
                assert!(in_hand <= 2, "two workers hold at most two items\n{table}");
                assert!(
                    first <= 64 && second <= 64,
                    "a buffer holds at most 64\n{table}"
                );
            },
        );
    }
}
