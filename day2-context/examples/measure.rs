//! Tuesday's measurements, as Markdown tables on stdout (narration on stderr).
//!
//! `cargo run --release -p day2-context --example day2-measure [-- --quick]`
//!
//! 1. What one context costs: derive + cancel for each constructor, next to tokio-util's
//!    `CancellationToken::child_token`.
//! 2. Many threads deriving from one shared parent (the parent's lock is the shared point).
//! 3. The leak check: 100 000 timed contexts created and cancelled, and what is left.
//! 4. Chains of 200 000 nested scopes: cancelling the root, the root's deadline firing, and
//!    dropping the chain uncancelled.

use std::hint::black_box;
use std::time::{Duration, Instant};

use clap::Parser;
use day1_sync_atomic::measure::{Sample, Table, median, median_of, parallel, si};
use day2_context::{CancelHandle, Context, Key, leak};
use tokio_util::sync::CancellationToken;

const COMMAND: &str = "cargo run --release -p day2-context --example day2-measure";

struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

fn ns_per_op(sample: Sample, ops: usize) -> String {
    format!("{:.0}", sample.wall.as_nanos() as f64 / ops as f64)
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

    eprintln!("measure: single-thread costs ({ops} operations per run)…");
    let bg = Context::background();
    let (parent, stop) = Context::with_cancel(&bg);
    let token = CancellationToken::new();
    let valued = (0..8).fold(Context::with_value::<RequestId>(&parent, 7), |ctx, _| {
        Context::with_cancel(&ctx).0
    });
    type Case<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "`Context::with_cancel` + `cancel`",
            Box::new(|| {
                let (ctx, cancel) = Context::with_cancel(&parent);
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`Context::with_timeout(1 h)` + `cancel`",
            Box::new(|| {
                let (ctx, cancel) = Context::with_timeout(&parent, Duration::from_secs(3600));
                cancel.cancel();
                black_box(ctx);
            }),
        ),
        (
            "`Context::with_cancel` + `done()` + `cancel`",
            Box::new(|| {
                let (ctx, cancel) = Context::with_cancel(&parent);
                black_box(ctx.done());
                cancel.cancel();
            }),
        ),
        (
            "`Context::with_value`",
            Box::new(|| {
                black_box(Context::with_value::<RequestId>(&parent, 1));
            }),
        ),
        (
            "`value::<K>()` 9 links up",
            Box::new(|| {
                black_box(valued.value::<RequestId>());
            }),
        ),
        (
            "`is_done()`",
            Box::new(|| {
                black_box(valued.is_done());
            }),
        ),
        (
            "`CancellationToken::child_token` + `cancel`",
            Box::new(|| {
                let child = token.child_token();
                child.cancel();
                black_box(child);
            }),
        ),
        (
            "`CancellationToken::is_cancelled()`",
            Box::new(|| {
                black_box(token.is_cancelled());
            }),
        ),
    ];
    let mut table = Table::new(["operation", "ns/op", "ops/s"]);
    for (name, op) in &cases {
        for _ in 0..ops / 10 {
            op(); // warm up
        }
        let sample = median_of(runs, || {
            for _ in 0..ops {
                op();
            }
        });
        table.row([
            name.to_string(),
            ns_per_op(sample, ops),
            si(sample.per_second(ops as u64)),
        ]);
    }
    println!("### One context: derive and cancel (1 thread)\n\n{table}");

    eprintln!("measure: threads deriving from one shared parent…");
    let mut table = Table::new(["threads", "API", "derive+cancel/s", "cores busy"]);
    let per_thread = ops / 2;
    for threads in [1, 2, 4] {
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
        for (api, samples) in [
            ("`Context`", ctx_samples),
            ("`CancellationToken`", token_samples),
        ] {
            let m = median(&samples);
            table.row([
                threads.to_string(),
                api.to_string(),
                si(m.per_second(total)),
                format!("{:.2}", m.cores_busy()),
            ]);
        }
    }
    println!("### Many threads, one parent\n\n{table}");
    // The warm-up children were dropped without `cancel` and stay registered until the parent
    // is cancelled, as in Go; this ends them all.
    stop.cancel();

    let n = if quick { 10_000 } else { 100_000 };
    eprintln!("measure: leak check with {n} timed contexts…");
    let (parent, stop) = Context::with_cancel(&bg);
    let (churn, sample) =
        day1_sync_atomic::measure::measure(|| leak::churn(&parent, n, Duration::from_secs(3600)));
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
