//! Day 4's measured tables as rows (`labkit::rows`; progress on stderr): the CPU-bound comparison,
//! the per-item cost of a trivial three-stage pipeline with and without batching, and the effect
//! of channel capacity — each Rust row beside its Go twin, measured in the same run by
//! `go run ./bench` in `day4-pipeline/go` with the same sizes. `--quick` runs smaller sizes.
//!
//! With `BENCH_ROWS=<file>` in the environment (as `cargo xtask bench day4-pipeline` runs it) the
//! rows are written there as JSON lines, and xtask renders the tables and charts from them;
//! without it the tables are printed as Markdown.
//!
//! Run: `cargo run --release -p day4-pipeline --example day4-measure [-- --quick]`

use clap::Parser;
use day4_pipeline::report::{Plan, capacity_table, cores, cpu_bound_table, per_item_table};
use labkit::go::GoRows;
use labkit::rows::Writer;

/// Measures day 4's tables: the CPU-bound comparison, the per-item cost with and without
/// batching, and the effect of channel capacity.
#[derive(Debug, Parser)]
struct Args {
    /// Smaller sizes and fewer runs (a few seconds in release).
    #[arg(long)]
    quick: bool,
}

fn main() -> std::io::Result<()> {
    let quick = Args::parse().quick;
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let flag = if quick { " -- --quick" } else { "" };
    let mut out = Writer::from_env()?;
    let go_args = plan.go_args();
    let intro = format!(
        "Command: `cargo run --release -p day4-pipeline --example day4-measure{flag}` \
         ({} cores; medians of {} runs after a warm-up; CPU-bound job: {} items × {} spin rounds; \
         trivial stage: {} items)\n\n\
         Go rows: `go run ./bench {}` in `day4-pipeline/go`, the course's pipeline in Go \
         (every worker its own output channel, fanned in by `merge`: a goroutine per channel and a \
         `WaitGroup` that closes the merged one; every send selects on `ctx.Done()`).\n\n\
         `× sequential` compares a row with the sequential loop in its own language; `× rayon` and \
         `× Go` (the Go twin's time / this row's) compare across rows: higher is faster. The Rust \
         pipeline's workers share one output `Sender`; each Go worker has its own channel and \
         `merge` copies it on, one more hop per message.",
        cores(),
        plan.runs,
        plan.cpu.items,
        plan.cpu.rounds,
        plan.trivial_items,
        go_args.join(" ")
    );

    eprintln!("measuring the Go rows (go run ./bench) …");
    let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), &go_args);

    eprintln!("measuring the CPU-bound comparison …");
    let mut cpu = cpu_bound_table(plan, &go);
    cpu.set_intro(intro);
    out.write(&cpu)?;

    eprintln!("measuring the per-item cost …");
    let mut per_item = per_item_table(plan, &go);
    per_item.set_intro(
        "`× unbatched` compares a row with the unbatched pipeline in its own language; `× Go` is the \
         Go twin's time per item / this row's. The tokio row runs the same three stages as tasks on \
         a runtime with a worker per core: there, as in Go, a full or empty channel parks a task, \
         not a thread.",
    );
    out.write(&per_item)?;

    eprintln!("measuring channel capacities …");
    let mut capacity = capacity_table(plan, &go);
    capacity.set_intro(
        "Memory is computed: crossbeam's bounded channel allocates `capacity` slots up front (a `usize` \
         stamp + the message), Go's `make(chan T, c)` its `c` slots (the `T` alone); two channels; a \
         full batched channel also holds its batches' heap buffers.",
    );
    out.write(&capacity)
}
