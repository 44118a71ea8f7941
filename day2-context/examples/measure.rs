//! Tuesday's measurements, as Markdown tables on stdout (narration on stderr).
//!
//! `cargo run --release -p day2-context --example day2-measure [-- --quick]`
//!
//! 1. What one context costs: derive + cancel for each constructor, next to tokio-util's
//!    `CancellationToken::child_token`.
//! 2. Many threads deriving from one shared parent (the parent's lock is the shared point).
//! 3. Fan-out: one `cancel` waking threads blocked on the same context.
//! 4. The leak check: 100 000 timed contexts created and cancelled, and what is left.
//! 5. Chains of 200 000 nested scopes: cancelling the root, the root's deadline firing, and
//!    dropping the chain uncancelled.
//!
//! Tables 1–3 have Go rows: `go/bench` (Go's `context` package, the same cases) runs first with
//! the same sizes, and each Go time sits beside its Rust twin, with `× Go` = Go time / Rust time
//! (above 1: the Rust version is faster).

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use day2_context::{CancelHandle, Context, Key, leak};
use labkit::go::{GoRows, SKIPPED};
use labkit::{Sample, Table, cores_busy_cell, median, median_of, parallel, si};
use tokio_util::sync::CancellationToken;

const COMMAND: &str = "cargo run --release -p day2-context --example day2-measure";

struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

/// Thread counts of the shared-parent table (Rust threads, Go goroutines).
const THREADS: [usize; 3] = [1, 2, 4];

/// Waiters blocked on one context in the fan-out table.
const WAITERS: [usize; 3] = [1, 16, 256];

/// How long a fan-out run waits after every waiter is about to block, so that each has reached
/// its blocking call and parked before `cancel` (the Go program waits as long).
const SETTLE: Duration = Duration::from_millis(20);

fn ns_per_op(sample: Sample, ops: u64) -> f64 {
    sample.wall.as_nanos() as f64 / ops as f64
}

/// `1,2,4`: a list of counts as the Go program's flags take it.
fn list(counts: &[usize]) -> String {
    counts
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `× Go` for a pair of times (or of times per operation): Go's over ours.
fn times_go(go: f64, rust: f64) -> String {
    format!("{:.2}", go / rust)
}

/// Day 2's measured costs (Markdown on standard output, progress on standard error).
#[derive(Parser, Debug)]
#[command(name = "day2-measure")]
struct Args {
    /// Fewer operations and runs.
    #[arg(long)]
    quick: bool,
}

fn main() {
    let Args { quick } = Args::parse();
    let (ops, runs) = if quick { (20_000, 3) } else { (200_000, 7) };
    println!(
        "Measured with `{COMMAND}{}`; medians of {runs} runs.\n",
        if quick { " -- --quick" } else { "" }
    );

    // Go first, on its own: its rows are measured while no Rust thread runs.
    eprintln!("measure: the Go rows (`go run ./bench` in day2-context/go)…");
    let go = GoRows::bench(
        env!("CARGO_MANIFEST_DIR"),
        [
            "-ops".to_string(),
            ops.to_string(),
            "-runs".into(),
            runs.to_string(),
            "-threads".into(),
            list(&THREADS),
            "-waiters".into(),
            list(&WAITERS),
        ],
    );

    eprintln!("measure: single-thread costs ({ops} operations per run)…");
    let bg = Context::background();
    let (parent, stop) = Context::with_cancel(&bg);
    let token = CancellationToken::new();
    let valued = (0..8).fold(Context::with_value::<RequestId>(&parent, 7), |ctx, _| {
        Context::with_cancel(&ctx).0
    });
    // Each Rust case, the Go case measuring the same thing (`None`: Go has no twin), and the op.
    type Case<'a> = (&'a str, Option<&'a str>, Box<dyn Fn() + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "`Context::with_cancel` + `cancel`",
            Some("WithCancel + cancel()"),
            Box::new(|| {
                let (ctx, cancel) = Context::with_cancel(&parent);
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`Context::with_timeout(1 h)` + `cancel`",
            Some("WithTimeout(1h) + cancel()"),
            Box::new(|| {
                let (ctx, cancel) = Context::with_timeout(&parent, Duration::from_secs(3600));
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`Context::with_cancel` + `done()` + `cancel`",
            Some("WithCancel + Done() + cancel()"),
            Box::new(|| {
                let (ctx, cancel) = Context::with_cancel(&parent);
                black_box(ctx.done());
                cancel.cancel();
            }),
        ),
        (
            "`Context::with_value`",
            Some("WithValue"),
            Box::new(|| {
                black_box(Context::with_value::<RequestId>(&parent, 1));
            }),
        ),
        (
            "`value::<K>()` 9 links up",
            Some("Value(key) 9 links up"),
            Box::new(|| {
                black_box(valued.value::<RequestId>());
            }),
        ),
        (
            "`is_done()`",
            Some("Err() != nil"),
            Box::new(|| {
                black_box(valued.is_done());
            }),
        ),
        (
            "`CancellationToken::child_token` + `cancel`",
            None,
            Box::new(|| {
                let child = token.child_token();
                child.cancel();
                black_box(child);
            }),
        ),
        (
            "`CancellationToken::is_cancelled()`",
            None,
            Box::new(|| {
                black_box(token.is_cancelled());
            }),
        ),
    ];
    let mut table = Table::new(["operation", "ns/op", "ops/s", "Go twin", "Go ns/op", "× Go"]);
    for (name, go_case, op) in &cases {
        for _ in 0..ops / 10 {
            op(); // warm up
        }
        let sample = median_of(runs, || {
            for _ in 0..ops {
                op();
            }
        });
        let ours = ns_per_op(sample, ops as u64);
        let [twin, go_ns, ratio] = match go_case {
            None => ["—".to_string(), "—".into(), "—".into()],
            Some(case) => match &go.expect(case, 1) {
                None => [format!("`{case}`"), SKIPPED.into(), SKIPPED.into()],
                Some(row) => {
                    let theirs = ns_per_op(row.sample, row.ops);
                    [
                        format!("`{case}`"),
                        format!("{theirs:.0}"),
                        times_go(theirs, ours),
                    ]
                }
            },
        };
        table.row([
            name.to_string(),
            format!("{ours:.0}"),
            si(sample.per_second(ops as u64)),
            twin,
            go_ns,
            ratio,
        ]);
    }
    println!(
        "### One context: derive and cancel (1 thread)\n\n{table}{}",
        go.note()
    );

    eprintln!("measure: threads deriving from one shared parent…");
    let mut table = Table::new([
        "threads",
        "`Context`",
        "cores busy",
        "`CancellationToken`",
        "cores busy",
        "Go `context`",
        "cores busy",
        "× Go",
    ]);
    let per_thread = ops / 2;
    for threads in THREADS {
        let ctx_samples: Vec<Sample> = (0..runs)
            .map(|_| {
                parallel(
                    threads,
                    |_| drop(Context::with_cancel(&parent)),
                    |_| {
                        for _ in 0..per_thread {
                            let (ctx, cancel) = Context::with_cancel(&parent);
                            cancel.cancel();
                            black_box(ctx);
                        }
                    },
                )
                .1
            })
            .collect();
        let token_samples: Vec<Sample> = (0..runs)
            .map(|_| {
                parallel(
                    threads,
                    |_| drop(token.child_token()),
                    |_| {
                        for _ in 0..per_thread {
                            let child = token.child_token();
                            child.cancel();
                            black_box(child);
                        }
                    },
                )
                .1
            })
            .collect();
        let total = (threads * per_thread) as u64;
        let (ours, token) = (median(&ctx_samples), median(&token_samples));
        let mut cells = vec![
            threads.to_string(),
            si(ours.per_second(total)),
            cores_busy_cell(&ours, threads),
            si(token.per_second(total)),
            cores_busy_cell(&token, threads),
        ];
        match &go.expect("shared parent: WithCancel + cancel()", threads) {
            None => cells.extend([SKIPPED.into(), SKIPPED.into(), SKIPPED.into()]),
            Some(row) => cells.extend([
                si(row.sample.per_second(row.ops)),
                cores_busy_cell(&row.sample, threads),
                times_go(ns_per_op(row.sample, row.ops), ns_per_op(ours, total)),
            ]),
        }
        table.row(cells);
    }
    println!(
        "### Many threads, one parent: derive + cancel per second ({per_thread} per thread)\n\n{table}{}",
        go.note()
    );
    // The warm-up children were dropped without `cancel` and stay registered until the parent
    // is cancelled, as in Go; this ends them all.
    stop.cancel();

    fan_outs(&go, runs);

    let n = if quick { 10_000 } else { 100_000 };
    eprintln!("measure: leak check with {n} timed contexts…");
    let (parent, stop) = Context::with_cancel(&bg);
    let (churn, sample) = labkit::measure(|| leak::churn(&parent, n, Duration::from_secs(3600)));
    stop.cancel();
    let mut table = Table::new([
        "when",
        "children of the parent",
        "timer entries",
        "live scopes",
        "threads",
    ]);
    for (when, c) in [
        ("before", churn.before),
        (&*format!("{n} alive"), churn.peak),
        ("all cancelled", churn.after),
    ] {
        table.row([
            when.to_string(),
            c.children.to_string(),
            c.timer_entries.to_string(),
            c.live_scopes.to_string(),
            c.threads.map_or("?".into(), |t| t.to_string()),
        ]);
    }
    println!(
        "### Leak check: {n} `with_timeout(1 h)` contexts created, then cancelled ({:.0?} in all)\n\n{table}",
        sample.wall
    );

    deep_chains(runs);
}

/// One fan-out run: `waiters` threads block in `wait` on one context, which is then cancelled.
/// The sample's wall time runs from the `cancel` call to the moment the last thread woke; its
/// CPU time is the process's, from `cancel` until every thread has been joined.
fn fan_out(waiters: usize, wait: fn(&Context)) -> Sample {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    let ready = Barrier::new(waiters + 1);
    thread::scope(|s| {
        let threads: Vec<_> = (0..waiters)
            .map(|_| {
                s.spawn(|| {
                    ready.wait();
                    wait(&ctx);
                    Instant::now()
                })
            })
            .collect();
        ready.wait();
        thread::sleep(SETTLE);
        let ((start, woke), mut sample) = labkit::measure(|| {
            let start = Instant::now();
            cancel.cancel();
            let woke = threads.into_iter().map(|t| t.join().expect("a waiter"));
            (start, woke.max().expect("at least one waiter"))
        });
        sample.wall = woke.saturating_duration_since(start);
        sample
    })
}

/// One fan-out run with tasks instead of threads: `waiters` tokio tasks on `rt` (as many worker
/// threads as cores, like Go's `GOMAXPROCS`) await [`Context::cancelled`] on one context, which is
/// then cancelled. Wall time runs from the `cancel` call until the last task woke.
fn fan_out_tasks(rt: &tokio::runtime::Runtime, waiters: usize) -> Sample {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    let ready = Arc::new(tokio::sync::Barrier::new(waiters + 1));
    let tasks: Vec<_> = (0..waiters)
        .map(|_| {
            let (ctx, ready) = (ctx.clone(), Arc::clone(&ready));
            rt.spawn(async move {
                ready.wait().await;
                ctx.cancelled().await;
                Instant::now()
            })
        })
        .collect();
    rt.block_on(ready.wait());
    thread::sleep(SETTLE);
    let ((start, woke), mut sample) = labkit::measure(|| {
        let start = Instant::now();
        cancel.cancel();
        let woke = rt.block_on(async {
            let mut last = start;
            for t in tasks {
                last = last.max(t.await.expect("a waiting task"));
            }
            last
        });
        (start, woke)
    });
    sample.wall = woke.saturating_duration_since(start);
    sample
}

/// Go's `<-ctx.Done()`: blocks until the channel disconnects, the only thing it ever does (its
/// message type is uninhabited, so `Err` is the only pattern).
fn wait_done(ctx: &Context) {
    let Err(_disconnected) = ctx.done().recv();
}

/// Blocks on the context's condition variable until it is done.
fn wait_unbounded(ctx: &Context) {
    ctx.wait_timeout(Duration::MAX)
        .expect("`Duration::MAX` returns only once the context is done");
}

/// Times one `cancel` waking `WAITERS` threads, both ways a thread can wait, beside Go's
/// goroutines blocked on `<-ctx.Done()`, and prints the table.
///
/// This compares threads with goroutines as much as the two context packages: closing Go's done
/// channel only puts the parked goroutines back on the runtime's run queues, and its few OS
/// threads then run them one after another, while every Rust waiter is an OS thread parked in the
/// kernel, which must be woken and scheduled on its own.
fn fan_outs(go: &GoRows, runs: usize) {
    eprintln!("measure: one cancel waking {WAITERS:?} blocked threads…");
    let mut table = Table::new([
        "waiters",
        "threads: `done().recv()`",
        "× Go",
        "threads: `wait_timeout(MAX)`",
        "× Go",
        "tokio tasks: `cancelled().await`",
        "× Go",
        "Go `<-ctx.Done()`",
    ]);
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .build()
        .expect("a tokio runtime");
    let cells = |ours: Sample, theirs: Option<Sample>| match theirs {
        None => [format!("{:.1?}", ours.wall), SKIPPED.to_string()],
        Some(theirs) => [
            format!("{:.1?}", ours.wall),
            times_go(theirs.wall.as_secs_f64(), ours.wall.as_secs_f64()),
        ],
    };
    for waiters in WAITERS {
        let theirs = go
            .expect("fan-out: <-ctx.Done()", waiters)
            .map(|row| row.sample);
        let by_channel: Vec<Sample> = (0..runs).map(|_| fan_out(waiters, wait_done)).collect();
        let by_condvar: Vec<Sample> = (0..runs)
            .map(|_| fan_out(waiters, wait_unbounded))
            .collect();
        let by_task: Vec<Sample> = (0..runs).map(|_| fan_out_tasks(&rt, waiters)).collect();
        let mut row = vec![waiters.to_string()];
        row.extend(cells(median(&by_channel), theirs));
        row.extend(cells(median(&by_condvar), theirs));
        row.extend(cells(median(&by_task), theirs));
        row.push(theirs.map_or(SKIPPED.into(), |s| format!("{:.1?}", s.wall)));
        table.row(row);
    }
    println!(
        "### Fan-out: one `cancel`, N threads or tasks waiting on the context (time until the last woke)\n\n{table}{}",
        go.note()
    );
}

/// Scopes in a deep chain: far deeper than a recursive walk could go.
const DEEP: usize = 200_000;

/// `DEEP` nested `with_cancel` scopes under `root`: the innermost context.
fn deep_chain(root: &Context) -> Context {
    (0..DEEP).fold(root.clone(), |ctx, _| Context::with_cancel(&ctx).0)
}

/// The median of `runs` timings of `op`, each on a freshly built chain.
fn median_time(runs: usize, mut op: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| op()).collect();
    times.sort_unstable();
    times[times.len() / 2]
}

/// Times the three ways a deep chain ends, and prints them as a table.
fn deep_chains(runs: usize) {
    eprintln!("measure: chains of {DEEP} nested scopes…");
    let bg = Context::background();
    let cancel = median_time(runs, || {
        let (root, handle) = Context::with_cancel(&bg);
        let leaf = deep_chain(&root);
        let started = Instant::now();
        handle.cancel();
        let took = started.elapsed();
        assert!(leaf.is_done());
        took
    });
    let deadline = median_time(runs, || {
        // Long enough to build the chain first; the time counted is from the deadline on.
        let (root, _handle) = Context::with_timeout(&bg, Duration::from_secs(2));
        let leaf = deep_chain(&root);
        let at = root.deadline().expect("a timed root");
        assert!(!leaf.is_done(), "the chain was built before its deadline");
        leaf.wait_timeout(Duration::from_secs(60));
        Instant::now().saturating_duration_since(at)
    });
    let dropped = median_time(runs, || {
        let (root, handle): (Context, CancelHandle) = Context::with_cancel(&bg);
        drop(deep_chain(&root));
        let started = Instant::now();
        drop((root, handle));
        started.elapsed()
    });
    let mut table = Table::new(["a chain of 200 000 scopes", "median", "per scope"]);
    for (what, took) in [
        ("`cancel()` on the root", cancel),
        ("the root's deadline fires (timer thread)", deadline),
        ("dropped uncancelled", dropped),
    ] {
        table.row([
            what.to_string(),
            format!("{took:.1?}"),
            format!("{:.0} ns", took.as_nanos() as f64 / DEEP as f64),
        ]);
    }
    println!("### Deep chains ({runs} runs each)\n\n{table}");
}
