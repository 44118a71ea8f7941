//! The day's measurements as Markdown tables, shared by `examples/measure.rs` and the binary.
//!
//! Every figure is the median of several runs after one warm-up run, timed with
//! [`day1_sync_atomic::measure`]; every multi-thread figure has its "cores busy" beside it.

use std::mem::size_of;
use std::ops::ControlFlow;
use std::thread;

use day1_sync_atomic::measure::{Sample, Table, median_of, si};
use day2_context::Context;
use tokio_util::sync::CancellationToken;

use crate::compare::{
    Job, Shape, rayon_par_bridge, rayon_par_iter, sequential, thread_pipeline, tokio_pipeline,
    tokio_runtime, trivial_batched, trivial_unbatched,
};
use crate::fan_out::fan_out;
use crate::pipeline::{Counts, Pipeline, PipelineError};
use crate::stage::{generate, sink};
use crate::work::spin;

/// The capacities the capacity table sweeps.
pub const CAPACITIES: [usize; 4] = [0, 1, 64, 1024];

/// Items per message in the batched pipelines.
pub const BATCH: usize = 64;

/// Items per message in the CPU-bound fan-out's second batched row: about 1.7 ms of work a batch
/// here, so the generator and the sink wake a few hundred times a second instead of thousands —
/// on two cores every such wake-up preempts a worker.
pub const CPU_BATCH: usize = 1024;

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

fn ns_per(s: Sample, items: u64) -> f64 {
    s.wall.as_nanos() as f64 / items.max(1) as f64
}

/// CPU-bound `process`: sequential loop, rayon, the thread pipeline and the tokio pipeline.
pub fn cpu_bound_table(plan: Plan) -> Table {
    let (job, w) = (plan.cpu, cores());
    let want = sequential(job);
    let check = |got: u64, who: &str| assert_eq!(got, want, "{who} computed a different checksum");
    let rt = tokio_runtime(w);
    let batched = Shape {
        workers: w,
        capacity: 64,
        batch: BATCH,
    };
    let coarse = Shape {
        workers: w,
        capacity: 64,
        batch: CPU_BATCH,
    };
    let unbatched = Shape {
        workers: w,
        capacity: 64,
        batch: 1,
    };
    let contenders: Vec<(String, usize, Sample)> = vec![
        (
            "sequential loop".into(),
            1,
            timed(plan.runs, || check(sequential(job), "sequential")),
        ),
        (
            "rayon `into_par_iter`".into(),
            w,
            timed(plan.runs, || check(rayon_par_iter(job), "rayon")),
        ),
        (
            "rayon `par_bridge`".into(),
            w,
            timed(plan.runs, || check(rayon_par_bridge(job), "par_bridge")),
        ),
        (
            format!("pipeline, fan-out {w}, batch {BATCH}"),
            w,
            timed(plan.runs, || {
                check(
                    thread_pipeline(job, batched).expect("pipeline failed"),
                    "pipeline",
                );
            }),
        ),
        (
            format!("pipeline, fan-out {w}, batch {CPU_BATCH}"),
            w,
            timed(plan.runs, || {
                check(
                    thread_pipeline(job, coarse).expect("pipeline failed"),
                    "pipeline",
                );
            }),
        ),
        (
            format!("pipeline, fan-out {w}, unbatched"),
            w,
            timed(plan.runs, || {
                check(
                    thread_pipeline(job, unbatched).expect("pipeline failed"),
                    "pipeline",
                );
            }),
        ),
        (
            format!("tokio mpsc, {w} tasks, batch {BATCH}"),
            w,
            timed(plan.runs, || {
                let got = rt.block_on(tokio_pipeline(job, batched, CancellationToken::new()));
                check(got.expect("never cancelled"), "tokio");
            }),
        ),
    ];
    let seq = contenders[0].2;
    let rayon = contenders[1].2;
    let mut table = Table::new([
        "computation",
        "threads",
        "items/s",
        "× sequential",
        "÷ rayon",
        "cores busy",
    ]);
    for (name, threads, s) in contenders {
        table.row([
            name,
            threads.to_string(),
            si(s.per_second(job.items)),
            format!("{:.2}", seq.wall.as_secs_f64() / s.wall.as_secs_f64()),
            format!("{:.2}", s.wall.as_secs_f64() / rayon.wall.as_secs_f64()),
            format!("{:.2}", s.cores_busy()),
        ]);
    }
    table
}

/// Trivial stage: per-item cost of the three-stage pipeline, unbatched and batched.
pub fn per_item_table(plan: Plan) -> Table {
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    let unbatched = timed(plan.runs, || {
        assert_eq!(trivial_unbatched(n, 64).expect("pipeline failed"), want);
    });
    let mut table = Table::new(["messages", "ns per item", "items/s", "gain", "cores busy"]);
    let base = ns_per(unbatched, n);
    table.row([
        "one `u64` each".to_owned(),
        format!("{base:.1}"),
        si(unbatched.per_second(n)),
        "1.0×".to_owned(),
        format!("{:.2}", unbatched.cores_busy()),
    ]);
    for batch in [16, BATCH, 1024] {
        let s = timed(plan.runs, || {
            assert_eq!(
                trivial_batched(n, 64, batch).expect("pipeline failed"),
                want
            );
        });
        table.row([
            format!("`Vec` of {batch}"),
            format!("{:.1}", ns_per(s, n)),
            si(s.per_second(n)),
            format!("{:.1}×", base / ns_per(s, n)),
            format!("{:.2}", s.cores_busy()),
        ]);
    }
    table
}

/// Trivial stage at channel capacities 0, 1, 64, 1024: throughput and buffer memory.
///
/// Memory is computed, not sampled: crossbeam's bounded channel (array flavour) allocates its
/// `capacity` slots up front, each a stamp (`usize`) plus the message; the pipeline has two
/// channels; a full batched channel also holds its batches' heap buffers.
pub fn capacity_table(plan: Plan) -> Table {
    let n = plan.trivial_items;
    let want = n * (n + 1) / 2;
    let slot = |msg: usize| msg + size_of::<usize>();
    let mut table = Table::new([
        "capacity",
        "unbatched ns/item",
        "cores busy",
        "batch 64 ns/item",
        "cores busy",
        "items waiting, at most",
        "channel memory",
    ]);
    for cap in CAPACITIES {
        // Below 64 every unbatched item costs a thread wake-up: fewer items give the same per-item
        // figure in a fraction of the time.
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
        let unbatched_bytes = 2 * cap * slot(size_of::<u64>());
        let batched_bytes = 2 * cap * (slot(size_of::<Vec<u64>>()) + BATCH * size_of::<u64>());
        table.row([
            cap.to_string(),
            format!("{:.1}", ns_per(one, n_one)),
            format!("{:.2}", one.cores_busy()),
            format!("{:.1}", ns_per(many, n)),
            format!("{:.2}", many.cores_busy()),
            format!("{} / {}", 2 * cap, 2 * cap * BATCH),
            format!("{} B / {} B", unbatched_bytes, batched_bytes),
        ]);
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
    use super::*;

    /// Stopping short: every generated item is in exactly one row, a worker holds at most one
    /// item, and a buffer at most the pipeline's capacity (64).
    #[test]
    fn stop_short_accounts_for_every_generated_item() {
        crate::watchdog::within(
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
