//! Tuesday's measurements as rows (`labkit::rows`; narration on stderr): with `BENCH_ROWS=<file>`
//! in the environment (as `cargo xtask bench day2-context` runs it) they are written there as JSON
//! lines, and xtask renders the tables and charts from them; without it the tables are printed as
//! Markdown.
//!
//! `cargo run --release -p day2-context --example day2-measure [-- --quick]`
//!
//! 1. What one context costs: derive + cancel for each constructor, next to tokio-util's
//!    `CancellationToken::child_token`; then the same rows for step 1 (`day2_context::lesson`)
//!    beside step 2 (`Context`) and Go, measured back to back: what step 2's optimisations buy.
//! 2. Many threads deriving from one shared parent (the parent's lock is the shared point).
//! 3. Fan-out: one `cancel` waking threads blocked on the same context.
//! 4. The leak check: 100 000 timed contexts created and cancelled, and what is left.
//! 5. Chains of 200 000 nested scopes: cancelling the root, the root's deadline firing, and
//!    dropping the chain uncancelled.
//!
//! Tables 1–3 have Go rows: `go/bench` (Go's `context` package, the same cases) runs first with
//! the same sizes, and each Go row sits beside its Rust twin, with `× Go` = Go time / Rust time
//! (above 1: the Rust version is faster).

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use day2_context::{CancelHandle, Context, Key, leak, lesson};
use labkit::go::GoRows;
use labkit::rows::{
    Column, Figure, Lang, Ratio, Row, Rows, Show, TableSpec, Unit, Versus, Writer, X, go_twin,
};
use labkit::{Sample, median, median_of, parallel};
use tokio_util::sync::CancellationToken;

const COMMAND: &str = "cargo run --release -p day2-context --example day2-measure";

struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

/// The single-thread costs' table.
const OPERATIONS: &str = "operations";
/// Step 1 (the lesson) beside step 2 and Go.
const STEPS: &str = "steps";
/// Threads deriving from one shared parent.
const SHARED: &str = "shared-parent";
/// One cancel waking N waiters.
const FAN_OUT: &str = "fan-out";
/// What is left after the leak check.
const LEAK: &str = "leak";
/// The three ways a deep chain ends.
const CHAINS: &str = "chains";
/// The shared-parent contenders: this crate's `Context`, tokio-util's token, Go's package.
const CONTEXT: &str = "`Context`";
const TOKEN: &str = "`CancellationToken`";
const GO_CONTEXT: &str = "`context`";

/// Thread counts of the shared-parent table (Rust threads, Go goroutines).
const THREADS: [usize; 3] = [1, 2, 4];

/// Waiters blocked on one context in the fan-out table.
const WAITERS: [usize; 3] = [1, 16, 256];

/// How long a fan-out run waits after every waiter is about to block, so that each has reached
/// its blocking call and parked before `cancel` (the Go program waits as long).
const SETTLE: Duration = Duration::from_millis(20);

/// `1,2,4`: a list of counts as the Go program's flags take it.
fn list(counts: &[usize]) -> String {
    counts
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Day 2's measured costs (rows, or Markdown on standard output; progress on standard error).
#[derive(Parser, Debug)]
#[command(name = "day2-measure")]
struct Args {
    /// Fewer operations and runs.
    #[arg(long)]
    quick: bool,
}

fn main() -> std::io::Result<()> {
    let Args { quick } = Args::parse();
    let (ops, runs) = if quick { (20_000, 3) } else { (200_000, 7) };
    let mut out = Writer::from_env()?;
    let intro = format!(
        "Measured with `{COMMAND}{}`; medians of {runs} runs.",
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
    let mut rows = Vec::new();
    for (name, go_case, op) in &cases {
        for _ in 0..ops / 10 {
            op(); // warm up
        }
        let sample = median_of(runs, || {
            for _ in 0..ops {
                op();
            }
        });
        let row = Row::new(OPERATIONS, name, 1, ops as u64, sample).at(X::Name(name.to_string()));
        let twin = go_case.and_then(|case| go_twin(&go, case, &format!("`{case}`"), &row));
        rows.push(row);
        rows.extend(twin);
    }
    let spec = TableSpec::list(
        OPERATIONS,
        "One context: derive and cancel (1 thread)",
        vec![
            Column::new("operation", Show::Series),
            Column::figure("ns/op", Figure::NsPerOp),
            Column::figure("ops/s", Figure::Rate),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("cores busy", Figure::CoresBusy),
        ],
    )
    .with_intro(intro);
    let go_cases: Vec<String> = cases
        .iter()
        .filter_map(|c| c.1.map(|case| format!("`{case}`")))
        .collect();
    let go_cases: Vec<&str> = go_cases.iter().map(String::as_str).collect();
    out.write(&Rows::table(spec, rows, &go, &go_cases))?;
    out.write(&steps(&go, ops, runs))?;

    eprintln!("measure: threads deriving from one shared parent…");
    let mut rows = Vec::new();
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
        let ours = Row::new(SHARED, CONTEXT, threads, total, median(&ctx_samples));
        let twin = go_twin(
            &go,
            "shared parent: WithCancel + cancel()",
            GO_CONTEXT,
            &ours,
        );
        rows.push(ours);
        rows.push(Row::new(
            SHARED,
            TOKEN,
            threads,
            total,
            median(&token_samples),
        ));
        rows.extend(twin);
    }
    let spec = TableSpec::grid(
        SHARED,
        &format!("Many threads, one parent: derive + cancel per second ({per_thread} per thread)"),
        "threads",
        Figure::Rate,
    )
    .with_ratios(vec![Ratio::new(
        "`Context` × Go",
        CONTEXT,
        &format!("Go {GO_CONTEXT}"),
    )]);
    out.write(&Rows::table(spec, rows, &go, &[GO_CONTEXT]))?;
    // The warm-up children were dropped without `cancel` and stay registered until the parent
    // is cancelled, as in Go; this ends them all.
    stop.cancel();

    out.write(&fan_outs(&go, runs))?;

    let n = if quick { 10_000 } else { 100_000 };
    eprintln!("measure: leak check with {n} timed contexts…");
    let (parent, stop) = Context::with_cancel(&bg);
    let (churn, sample) = labkit::measure(|| leak::churn(&parent, n, Duration::from_secs(3600)));
    stop.cancel();
    let rows = [
        ("before", churn.before),
        (&*format!("{n} alive"), churn.peak),
        ("all cancelled", churn.after),
    ]
    .map(|(when, c)| {
        let row = Row::new(LEAK, "with_timeout(1 h)", 1, n as u64, sample)
            .at(X::Name(when.to_owned()))
            .with("children", c.children as f64)
            .with("timer entries", c.timer_entries as f64)
            .with("live scopes", c.live_scopes as f64);
        match c.threads {
            Some(t) => row.with("os threads", t as f64),
            None => row,
        }
    });
    let count = |header: &str, key: &str| Column::figure(header, Figure::value(key, Unit::Count));
    let spec = TableSpec::list(
        LEAK,
        &format!(
            "Leak check: {n} `with_timeout(1 h)` contexts created, then cancelled ({:.0?} in all)",
            sample.wall
        ),
        vec![
            Column::new("when", Show::X),
            count("children of the parent", "children"),
            count("timer entries", "timer entries"),
            count("live scopes", "live scopes"),
            count("threads", "os threads"),
        ],
    );
    out.write(&Rows::table(spec, rows, &GoRows::default(), &[]))?;

    out.write(&deep_chains(runs))
}

/// Step 1 (the lesson) beside step 2 (the `Context` the week uses) and Go, on the rows where the
/// steps differ. Each run times step 1's loop, then step 2's, so both see the same machine; the
/// table has the medians of `runs` runs, with cores busy (process CPU / wall).
fn steps(go: &GoRows, ops: usize, runs: usize) -> Rows {
    const LESSON: &str = "step 1 (lesson)";
    const FAST: &str = "step 2 (fast)";
    eprintln!("measure: step 1 (lesson) beside step 2 ({ops} operations per run)…");
    let (parent, stop) = Context::with_cancel(&Context::background());
    let (lesson_parent, lesson_stop) = lesson::Context::with_cancel(&lesson::Context::background());
    let hour = Duration::from_secs(3600);
    // The row, its Go case, step 1's operation and step 2's.
    type Case<'a> = (&'a str, &'a str, Box<dyn Fn() + 'a>, Box<dyn Fn() + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "`with_cancel` + `cancel`",
            "WithCancel + cancel()",
            Box::new(|| {
                let (ctx, cancel) = lesson::Context::with_cancel(&lesson_parent);
                cancel.cancel();
                black_box(ctx);
            }),
            Box::new(|| {
                let (ctx, cancel) = Context::with_cancel(&parent);
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`with_timeout(1 h)` + `cancel`",
            "WithTimeout(1h) + cancel()",
            Box::new(|| {
                let (ctx, cancel) = lesson::Context::with_timeout(&lesson_parent, hour);
                cancel.cancel();
                black_box(ctx);
            }),
            Box::new(|| {
                let (ctx, cancel) = Context::with_timeout(&parent, hour);
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`with_value`",
            "WithValue",
            Box::new(|| {
                black_box(lesson::Context::with_value::<RequestId>(&lesson_parent, 1));
            }),
            Box::new(|| {
                black_box(Context::with_value::<RequestId>(&parent, 1));
            }),
        ),
    ];
    let mut measured = Vec::new();
    let timed = |op: &dyn Fn()| {
        labkit::measure(|| {
            for _ in 0..ops {
                op();
            }
        })
        .1
    };
    for (name, go_case, lesson_op, fast_op) in &cases {
        for _ in 0..ops / 10 {
            lesson_op(); // warm up
            fast_op();
        }
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            first.push(timed(lesson_op));
            second.push(timed(fast_op));
        }
        let x = X::Name(name.to_string());
        let row = |series, sample| Row::new(STEPS, series, 1, ops as u64, sample).at(x.clone());
        let fast = row(FAST, median(&second));
        let twin = go_twin(go, go_case, GO_CONTEXT, &fast);
        measured.extend([row(LESSON, median(&first)), fast]);
        measured.extend(twin);
    }
    stop.cancel();
    lesson_stop.cancel();
    let go_context = format!("Go {GO_CONTEXT}");
    let spec = TableSpec::grid(
        STEPS,
        "Step 1 (lesson) beside step 2 (fast) and Go: derive and cancel (1 thread), ns/op",
        "operation",
        Figure::NsPerOp,
    )
    .with_ratios(vec![
        Ratio::new("step 2 × step 1", FAST, LESSON),
        Ratio::new("step 1 × Go", LESSON, &go_context),
        Ratio::new("step 2 × Go", FAST, &go_context),
    ]);
    Rows::table(spec, measured, go, &[GO_CONTEXT])
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

/// Times one `cancel` waking `WAITERS` threads, both ways a thread can wait, and as many tokio
/// tasks, beside Go's goroutines blocked on `<-ctx.Done()`: the table of wall times (each row is
/// one wake-up of all the waiters).
///
/// This compares threads with goroutines as much as the two context packages: closing Go's done
/// channel only puts the parked goroutines back on the runtime's run queues, and its few OS
/// threads then run them one after another, while every Rust waiter is an OS thread parked in the
/// kernel, which must be woken and scheduled on its own.
fn fan_outs(go: &GoRows, runs: usize) -> Rows {
    const CHANNEL: &str = "threads: `done().recv()`";
    const CONDVAR: &str = "threads: `wait_timeout(MAX)`";
    const TASKS: &str = "tokio tasks: `cancelled().await`";
    const GO_DONE: &str = "`<-ctx.Done()`";
    eprintln!("measure: one cancel waking {WAITERS:?} blocked threads…");
    let mut rows = Vec::new();
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .build()
        .expect("a tokio runtime");
    for waiters in WAITERS {
        let by_channel: Vec<Sample> = (0..runs).map(|_| fan_out(waiters, wait_done)).collect();
        let by_condvar: Vec<Sample> = (0..runs)
            .map(|_| fan_out(waiters, wait_unbounded))
            .collect();
        let by_task: Vec<Sample> = (0..runs).map(|_| fan_out_tasks(&rt, waiters)).collect();
        let row =
            |series, samples: &[Sample]| Row::new(FAN_OUT, series, waiters, 1, median(samples));
        let first = row(CHANNEL, &by_channel);
        let twin = go_twin(go, "fan-out: <-ctx.Done()", GO_DONE, &first);
        rows.extend([first, row(CONDVAR, &by_condvar), row(TASKS, &by_task)]);
        rows.extend(twin);
    }
    let go_done = format!("Go {GO_DONE}");
    let spec = TableSpec::grid(
        FAN_OUT,
        "Fan-out: one `cancel`, N threads or tasks waiting on the context (time until the last woke)",
        "waiters",
        Figure::Wall,
    )
    .with_ratios(
        [CHANNEL, CONDVAR, TASKS]
            .map(|s| Ratio::new(&format!("{s} × Go"), s, &go_done))
            .into(),
    );
    Rows::table(spec, rows, go, &[GO_DONE])
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

/// Times the three ways a deep chain ends: their table.
fn deep_chains(runs: usize) -> Rows {
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
    let rows = [
        ("`cancel()` on the root", cancel),
        ("the root's deadline fires (timer thread)", deadline),
        ("dropped uncancelled", dropped),
    ]
    .map(|(what, wall)| {
        let sample = Sample {
            wall,
            cpu: Duration::ZERO,
        };
        Row::new(CHAINS, what, 1, DEEP as u64, sample)
    });
    let spec = TableSpec::list(
        CHAINS,
        &format!("Deep chains ({runs} runs each)"),
        vec![
            Column::new("a chain of 200 000 scopes", Show::Series),
            Column::figure("median", Figure::Wall),
            Column::figure("per scope (ns)", Figure::NsPerOp),
        ],
    );
    Rows::table(spec, rows, &GoRows::default(), &[])
}
