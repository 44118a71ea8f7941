//! The day's measurements as Markdown tables, shared by `examples/measure.rs` and the binary.
//!
//! Every figure is the median of several runs after one warm-up run, timed with
//! [`labkit`]; every multi-thread figure has its "cores busy" beside it. The
//! tables put the course's Go pipeline (`go/bench`, run with [`Plan::go_args`]) in rows of their
//! own, each under its Rust twin.

use std::mem::size_of;
use std::ops::ControlFlow;
use std::thread;

use day2_context::Context;
use labkit::go::{GoRows, SKIPPED};
use labkit::{Sample, Table, cores_busy_cell, median_of, rate_cell, ratio_cell};
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

/// A timed figure: the median sample and the items it moved. `None` for a Go row when Go is not
/// installed.
type Figure = Option<(Sample, u64)>;

/// Go's `case` on `threads` goroutines as a [`Figure`].
///
/// # Panics
/// Panics if Go ran but printed no such row: it was not run with [`Plan::go_args`].
fn go_figure(go: &GoRows, case: &str, threads: usize) -> Figure {
    go.expect(case, threads).map(|row| (row.sample, row.ops))
}

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

/// Items per second.
fn rate(figure: Figure) -> Option<f64> {
    figure.map(|(s, items)| s.per_second(items))
}

/// Nanoseconds of wall time per item.
fn ns_per_item(figure: Figure) -> Option<f64> {
    figure.map(|(s, items)| s.wall.as_nanos() as f64 / items.max(1) as f64)
}

/// One row of the CPU-bound table.
struct CpuRow {
    name: String,
    threads: usize,
    figure: Figure,
    /// The sequential loop in the row's language: its `× sequential` baseline.
    sequential: Figure,
    /// The Go twin of a Rust row, for its `× Go` cell; `None` when it has none.
    twin: Option<Figure>,
}

/// CPU-bound `process`: the sequential loop, rayon, the thread pipeline and the tokio pipeline,
/// each Rust loop and pipeline followed by its Go twin from `go` (run with [`Plan::go_args`]).
///
/// `× sequential` compares a row with the sequential loop in its own language (the speed-up of
/// going parallel); `× rayon` and `× Go` compare rates across rows. Every ratio is higher-is-better
/// for the row.
pub fn cpu_bound_table(plan: Plan, go: &GoRows) -> Table {
    let (job, w) = (plan.cpu, cores());
    let want = sequential(job);
    let check = |got: u64, who: &str| assert_eq!(got, want, "{who} computed a different checksum");
    let rt = tokio_runtime(w);
    let shape = |batch| Shape {
        workers: w,
        capacity: CAPACITY,
        batch,
    };
    let pipeline = |batch| {
        timed(plan.runs, || {
            check(
                thread_pipeline(job, shape(batch)).expect("pipeline failed"),
                "pipeline",
            );
        })
    };
    let fig = |s: Sample| Some((s, job.items));
    // Measured in the table's original order: loop, rayon, pipelines, tokio.
    let seq = fig(timed(plan.runs, || check(sequential(job), "sequential")));
    let rayon = fig(timed(plan.runs, || check(rayon_par_iter(job), "rayon")));
    let bridge = fig(timed(plan.runs, || {
        check(rayon_par_bridge(job), "par_bridge");
    }));
    let [batched, coarse, unbatched] = [BATCH, CPU_BATCH, 1].map(|b| fig(pipeline(b)));
    let tokio = fig(timed(plan.runs, || {
        let got = rt.block_on(tokio_pipeline(job, shape(BATCH), CancellationToken::new()));
        check(got.expect("never cancelled"), "tokio");
    }));

    let go_seq = go_figure(go, "cpu/sequential", 1);
    let rust = |name: String, threads, figure, twin| CpuRow {
        name,
        threads,
        figure,
        sequential: seq,
        twin,
    };
    let go_row = |name: String, case: &str, threads| CpuRow {
        name: format!("Go: {name}"),
        threads,
        figure: go_figure(go, case, threads),
        sequential: go_seq,
        twin: None,
    };
    let go_pipeline = |batch: usize| {
        let messages = match batch {
            1 => "unbatched".to_owned(),
            b => format!("batch {b}"),
        };
        go_row(
            format!("pipeline, fan-out {w} + `merge`, {messages}"),
            &go_cpu_case(batch),
            w,
        )
    };
    let rows = [
        rust("sequential loop".into(), 1, seq, Some(go_seq)),
        go_row("sequential loop".into(), "cpu/sequential", 1),
        rust("rayon `into_par_iter`".into(), w, rayon, None),
        rust("rayon `par_bridge`".into(), w, bridge, None),
        rust(
            format!("pipeline, fan-out {w}, batch {BATCH}"),
            w,
            batched,
            Some(go_figure(go, &go_cpu_case(BATCH), w)),
        ),
        go_pipeline(BATCH),
        rust(
            format!("pipeline, fan-out {w}, batch {CPU_BATCH}"),
            w,
            coarse,
            Some(go_figure(go, &go_cpu_case(CPU_BATCH), w)),
        ),
        go_pipeline(CPU_BATCH),
        rust(
            format!("pipeline, fan-out {w}, unbatched"),
            w,
            unbatched,
            Some(go_figure(go, &go_cpu_case(1), w)),
        ),
        go_pipeline(1),
        rust(
            format!("tokio mpsc, {w} tasks, batch {BATCH}"),
            w,
            tokio,
            None,
        ),
    ];

    let mut table = Table::new([
        "computation",
        "threads",
        "items/s",
        "× sequential",
        "× rayon",
        "× Go",
        "cores busy",
    ]);
    for row in rows {
        let versus_go = row.twin.map_or_else(
            || "—".to_owned(),
            |twin| ratio_cell(rate(row.figure), rate(twin), 2),
        );
        table.row([
            row.name,
            row.threads.to_string(),
            rate_cell(rate(row.figure)),
            ratio_cell(rate(row.figure), rate(row.sequential), 2),
            ratio_cell(rate(row.figure), rate(rayon), 2),
            versus_go,
            row.figure.map_or_else(
                || SKIPPED.to_owned(),
                |(s, _)| cores_busy_cell(&s, row.threads),
            ),
        ]);
    }
    table
}

/// Trivial stage: per-item cost of the three-stage pipeline, unbatched and batched, each Rust row
/// followed by its Go twin from `go` (run with [`Plan::go_args`]). `× unbatched` compares a row with the
/// unbatched pipeline in its own language, `× Go` a Rust row with its Go twin (higher: faster).
pub fn per_item_table(plan: Plan, go: &GoRows) -> Table {
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    let unbatched = timed(plan.runs, || {
        assert_eq!(
            trivial_unbatched(n, CAPACITY).expect("pipeline failed"),
            want
        );
    });
    let batched = PER_ITEM_BATCHES.map(|batch| {
        let s = timed(plan.runs, || {
            assert_eq!(
                trivial_batched(n, CAPACITY, batch).expect("pipeline failed"),
                want
            );
        });
        (batch, Some((s, n)))
    });
    let rt = tokio_runtime(cores());
    let tokio_each = timed(plan.runs, || {
        assert_eq!(trivial_tokio(&rt, n, CAPACITY), want);
    });
    let tokio_each = Some((tokio_each, n));
    let go_each = go_figure(go, &go_trivial_case(CAPACITY, 1), 3);
    let unbatched = Some((unbatched, n));

    let mut table = Table::new([
        "messages",
        "ns per item",
        "items/s",
        "× unbatched",
        "× Go",
        "cores busy",
    ]);
    let mut row = |messages: String, figure: Figure, base: Figure, versus_go: String| {
        table.row([
            messages,
            ns_per_item(figure).map_or_else(|| SKIPPED.to_owned(), |ns| format!("{ns:.1}")),
            rate_cell(rate(figure)),
            ratio_cell(ns_per_item(base), ns_per_item(figure), 1),
            versus_go,
            figure.map_or_else(
                || SKIPPED.to_owned(),
                |(s, _)| format!("{:.2}", s.cores_busy()),
            ),
        ]);
    };
    let versus = |rust: Figure, go: Figure| ratio_cell(ns_per_item(go), ns_per_item(rust), 2);
    row(
        "one `u64` each".to_owned(),
        unbatched,
        unbatched,
        versus(unbatched, go_each),
    );
    row(
        "Go: one `uint64` each".to_owned(),
        go_each,
        go_each,
        "—".to_owned(),
    );
    row(
        "one `u64` each, tokio tasks".to_owned(),
        tokio_each,
        unbatched,
        versus(tokio_each, go_each),
    );
    for (batch, figure) in batched {
        let go_batch = go_figure(go, &go_trivial_case(CAPACITY, batch), 3);
        row(
            format!("`Vec` of {batch}"),
            figure,
            unbatched,
            versus(figure, go_batch),
        );
        row(
            format!("Go: `[]uint64` of {batch}"),
            go_batch,
            go_each,
            "—".to_owned(),
        );
    }
    table
}

/// Trivial stage at channel capacities 0, 1, 64, 1024: throughput and buffer memory, each Rust
/// row followed by Go's at the same capacity (from `go`, run with [`Plan::go_args`]).
///
/// Memory is computed, not sampled. crossbeam's bounded channel (array flavour) allocates its
/// `capacity` slots up front, each a stamp (`usize`) plus the message; Go's `make(chan T, c)`
/// allocates its `c` slots up front too, each just the `T`. The pipeline has two channels; a full
/// batched channel also holds its batches' heap buffers.
pub fn capacity_table(plan: Plan, go: &GoRows) -> Table {
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    let slot = |msg: usize| msg + size_of::<usize>();
    // A Go `[]uint64` (pointer, length, capacity) is the size of a `Vec<u64>`; a `uint64` that of a
    // `u64`.
    let (go_each, go_slice) = (size_of::<u64>(), size_of::<Vec<u64>>());
    let mut table = Table::new([
        "capacity",
        "unbatched ns/item",
        "cores busy",
        "batch 64 ns/item",
        "cores busy",
        "items waiting, at most",
        "channel memory",
    ]);
    let mut row = |capacity: String, one: Figure, many: Figure, waiting: String, memory: String| {
        let ns =
            |f: Figure| ns_per_item(f).map_or_else(|| SKIPPED.to_owned(), |ns| format!("{ns:.1}"));
        let busy = |f: Figure| {
            f.map_or_else(
                || SKIPPED.to_owned(),
                |(s, _)| format!("{:.2}", s.cores_busy()),
            )
        };
        table.row([
            capacity,
            ns(one),
            busy(one),
            ns(many),
            busy(many),
            waiting,
            memory,
        ]);
    };
    for cap in CAPACITIES {
        // Below 64 every unbatched item costs a thread wake-up: fewer items give the same per-item
        // figure in a fraction of the time. (`go/bench` does the same.)
        let n_one = if cap < 64 { n / 20 } else { n };
        let want_one = n_one * (n_one + 1) / 2;
        let one = timed(plan.runs, || {
            assert_eq!(
                trivial_unbatched(n_one, cap).expect("pipeline failed"),
                want_one
            );
        });
        let many = timed(plan.runs, || {
            assert_eq!(
                trivial_batched(n, cap, BATCH).expect("pipeline failed"),
                want
            );
        });
        let waiting = format!("{} / {}", 2 * cap, 2 * cap * BATCH);
        let unbatched_bytes = 2 * cap * slot(size_of::<u64>());
        let batched_bytes = 2 * cap * (slot(size_of::<Vec<u64>>()) + BATCH * size_of::<u64>());
        row(
            cap.to_string(),
            Some((one, n_one)),
            Some((many, n)),
            waiting.clone(),
            format!("{unbatched_bytes} B / {batched_bytes} B"),
        );
        row(
            format!("Go: {cap}"),
            go_figure(go, &go_trivial_case(cap, 1), 3),
            go_figure(go, &go_trivial_case(cap, BATCH), 3),
            waiting,
            format!(
                "{} B / {} B",
                2 * cap * go_each,
                2 * cap * (go_slice + BATCH * size_of::<u64>())
            ),
        );
    }
    table
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

    use labkit::go::{GoError, run};

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
    /// missing one) and agrees with Rust's checksum; without Go every Go cell reads `SKIPPED`.
    #[test]
    fn the_go_twin_fills_every_go_cell() {
        labkit::within(
            "the_go_twin_fills_every_go_cell",
            std::time::Duration::from_secs(300),
            || {
                let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), TINY.go_args());
                let tables = [
                    cpu_bound_table(TINY, &go),
                    per_item_table(TINY, &go),
                    capacity_table(TINY, &go),
                ];
                // Header and rule, then the rows, four of them Go's.
                for (table, rows) in tables.iter().zip([11, 9, 8]) {
                    let text = table.to_string();
                    assert_eq!(text.lines().count(), 2 + rows, "{text}");
                    assert_eq!(text.matches("\n| Go: ").count(), 4, "{text}");
                    assert_eq!(text.contains(SKIPPED), go.skipped().is_some(), "{text}");
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
