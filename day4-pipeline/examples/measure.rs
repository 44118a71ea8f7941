//! Day 4's measured tables as Markdown on stdout (progress on stderr): the CPU-bound comparison,
//! the per-item cost of a trivial three-stage pipeline with and without batching, and the effect
//! of channel capacity — each Rust row beside its Go twin, measured in the same run by
//! `go run ./bench` in `day4-pipeline/go` with the same sizes. `--quick` runs smaller sizes.
//!
//! Run: `cargo run --release -p day4-pipeline --example day4-measure [-- --quick]`

use clap::Parser;
use day4_pipeline::report::{Plan, capacity_table, cores, cpu_bound_table, per_item_table};
use labkit::go::GoRows;

/// Prints day 4's measured tables: the CPU-bound comparison, the per-item cost with and without
/// batching, and the effect of channel capacity.
#[derive(Debug, Parser)]
struct Args {
    /// Smaller sizes and fewer runs (a few seconds in release).
    #[arg(long)]
    quick: bool,
}

fn main() {
    let quick = Args::parse().quick;
    let plan = if quick { Plan::quick() } else { Plan::full() };
    let flag = if quick { " -- --quick" } else { "" };

    println!("Command: `cargo run --release -p day4-pipeline --example day4-measure{flag}`");
    println!(
        "({} cores; medians of {} runs after a warm-up; CPU-bound job: {} items × {} spin rounds; \
         trivial stage: {} items)\n",
        cores(),
        plan.runs,
        plan.cpu.items,
        plan.cpu.rounds,
        plan.trivial_items
    );

    let go_args = plan.go_args();
    println!(
        "Go rows: `go run ./bench {}` in `day4-pipeline/go`, the course's pipeline in Go \
         (every worker its own output channel, fanned in by `merge`: a goroutine per channel and a \
         `WaitGroup` that closes the merged one; every send selects on `ctx.Done()`).\n",
        go_args.join(" ")
    );

    eprintln!("measuring the Go rows (go run ./bench) …");
    let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), &go_args);

    eprintln!("measuring the CPU-bound comparison …");
    println!("#### CPU-bound `process`: sequential, rayon, thread pipeline, tokio pipeline, Go\n");
    println!("{}", cpu_bound_table(plan, &go));
    print!("{}", go.note());
    println!(
        "`× sequential` compares a row with the sequential loop in its own language; `× rayon` and \
         `× Go` (the Go twin's time / this row's) compare across rows: higher is faster. The Rust \
         pipeline's workers share one output `Sender`; each Go worker has its own channel and \
         `merge` copies it on, one more hop per message.\n"
    );

    eprintln!("measuring the per-item cost …");
    println!(
        "#### Trivial stage: per-item cost of generate → process → sink, channel capacity 64\n"
    );
    println!("{}", per_item_table(plan, &go));
    print!("{}", go.note());
    println!(
        "`× unbatched` compares a row with the unbatched pipeline in its own language; `× Go` is the \
         Go twin's time per item / this row's. The tokio row runs the same three stages as tasks on \
         a runtime with a worker per core: there, as in Go, a full or empty channel parks a task, \
         not a thread.\n"
    );

    eprintln!("measuring channel capacities …");
    println!("#### Channel capacity: throughput and memory (trivial stage)\n");
    println!("{}", capacity_table(plan, &go));
    print!("{}", go.note());
    println!(
        "Memory is computed: crossbeam's bounded channel allocates `capacity` slots up front (a `usize` \
         stamp + the message), Go's `make(chan T, c)` its `c` slots (the `T` alone); two channels; a \
         full batched channel also holds its batches' heap buffers."
    );
}
