//! Prints the day's measured tables as Markdown on stdout (progress goes to stderr):
//! the 90/10 map benchmark, the counters, and the stack. `--quick` shortens every run.
//!
//! `cargo xtask bench day1-sync-atomic` runs this in release and pastes stdout into the journal.

use clap::Parser;
use day1_sync_atomic::counter::{CounterConfig, counter_table};
use day1_sync_atomic::read_heavy::{ReadHeavyConfig, read_heavy_table, run_read_heavy};
use day1_sync_atomic::stack::throughput::{StackConfig, stack_table};

/// mimalloc, for the Treiber stack's cross-thread frees: see `stack::s2_epoch`'s module docs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints Monday's measured tables (the 90/10 maps, the counters, the stacks) as Markdown.
#[derive(Debug, Parser)]
#[command(name = "day1-measure")]
struct Args {
    /// Shorter runs (fewer operations and repetitions per cell).
    #[arg(long)]
    quick: bool,
}

fn main() {
    let Args { quick } = Args::parse();
    let flag = if quick { " -- --quick" } else { "" };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "Command: `cargo run --release -p day1-sync-atomic --example day1-measure{flag}` \
         ({cores} cores available; each figure is the median of several runs, wall-clock; \
         *cores busy* = process CPU time / wall time)."
    );
    println!();

    eprintln!("measuring the 90/10 map workload…");
    let cfg = if quick {
        ReadHeavyConfig::quick()
    } else {
        ReadHeavyConfig::full()
    };
    println!(
        "### 90 % reads / 10 % writes, u64 keys ({} ops per thread, median of {})\n",
        cfg.ops_per_thread, cfg.runs
    );
    println!("{}", read_heavy_table(&run_read_heavy(&cfg)));

    eprintln!("measuring counters…");
    let cfg = if quick {
        CounterConfig::quick()
    } else {
        CounterConfig::full()
    };
    println!(
        "### Counting: {} increments per thread (median of {})\n",
        cfg.per_thread, cfg.runs
    );
    println!("{}", counter_table(&cfg));

    eprintln!("measuring stacks…");
    let cfg = if quick {
        StackConfig::quick()
    } else {
        StackConfig::full()
    };
    println!(
        "### Stack: {} push+pop rounds per thread (median of {})\n",
        cfg.ops, cfg.runs
    );
    print!("{}", stack_table(&cfg));
}
