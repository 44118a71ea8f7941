//! Day 4's measured tables as Markdown on stdout (progress on stderr): the CPU-bound comparison,
//! the per-item cost of a trivial three-stage pipeline with and without batching, and the effect
//! of channel capacity. `--quick` runs smaller sizes.
//!
//! Run: `cargo run --release -p day4-pipeline --example day4-measure [-- --quick]`

use clap::Parser;
use day4_pipeline::report::{Plan, capacity_table, cores, cpu_bound_table, per_item_table};

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

    eprintln!("measuring the CPU-bound comparison …");
    println!("#### CPU-bound `process`: sequential, rayon, thread pipeline, tokio pipeline\n");
    println!("{}", cpu_bound_table(plan));

    eprintln!("measuring the per-item cost …");
    println!(
        "#### Trivial stage: per-item cost of generate → process → sink, channel capacity 64\n"
    );
    println!("{}", per_item_table(plan));

    eprintln!("measuring channel capacities …");
    println!("#### Channel capacity: throughput and memory (trivial stage)\n");
    println!("{}", capacity_table(plan));
    println!(
        "Memory is computed: crossbeam's bounded channel allocates `capacity` slots up front (a `usize` \
         stamp + the message); two channels; a full batched channel also holds its batches' heap buffers."
    );
}
