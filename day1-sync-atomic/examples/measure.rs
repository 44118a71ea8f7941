//! Prints the day's measured tables as Markdown on stdout (progress goes to stderr):
//! the 90/10 map benchmark, the counters, and the stack, each beside the same experiment in Go
//! (`go/bench`, run here with the same parameters). `--quick` shortens every run.
//!
//! `cargo xtask bench day1-sync-atomic` runs this in release and pastes stdout into the journal.

use clap::Parser;
use day1_sync_atomic::counter::{CounterConfig, counter_table, run_counters};
use day1_sync_atomic::read_heavy::{ReadHeavyConfig, read_heavy_table, run_read_heavy};
use day1_sync_atomic::stack::throughput::{StackConfig, run_stacks, stack_table};
use labkit::Table;
use labkit::go::GoRows;

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

/// Runs `go/bench` with `args`, logging it on stderr.
fn go_rows(what: &str, args: Vec<String>) -> GoRows {
    eprintln!("measuring {what} in Go: go run ./bench {}", args.join(" "));
    GoRows::bench(env!("CARGO_MANIFEST_DIR"), args)
}

/// Prints `table` and a blank line, then, when the Go rows were skipped, why (after the blank line,
/// so Markdown does not read the note as one more row).
fn print_table(table: &Table, go: &GoRows) {
    println!("{table}{}", go.note());
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
    println!(
        "The Go columns are `day1-sync-atomic/go/bench`, the same experiment in Go, run by this \
         example with the same parameters. A ratio `A × B` is A's rate over B's: above 1, A is \
         faster. The *cores busy* columns show each language's least busy contender of the row, \
         flagged when its threads did not run together."
    );
    println!();

    eprintln!("measuring the 90/10 map workload…");
    let cfg = if quick {
        ReadHeavyConfig::quick()
    } else {
        ReadHeavyConfig::full()
    };
    let rows = run_read_heavy(&cfg);
    let go = go_rows("the 90/10 map workload", cfg.go_args());
    println!(
        "### 90 % reads / 10 % writes, u64 keys: ops/s ({} ops per thread, median of {})\n",
        cfg.ops_per_thread, cfg.runs
    );
    print_table(&read_heavy_table(&rows, &go), &go);

    eprintln!("measuring counters…");
    let cfg = if quick {
        CounterConfig::quick()
    } else {
        CounterConfig::full()
    };
    let rows = run_counters(&cfg);
    let go = go_rows("counters", cfg.go_args());
    println!(
        "### Counting: increments/s ({} increments per thread, median of {})\n",
        cfg.per_thread, cfg.runs
    );
    print_table(&counter_table(&rows, &go), &go);

    eprintln!("measuring stacks…");
    let cfg = if quick {
        StackConfig::quick()
    } else {
        StackConfig::full()
    };
    let rows = run_stacks(&cfg);
    let go = go_rows("the stack", cfg.go_args());
    println!(
        "### Stack: push+pop rounds/s ({} rounds per thread, median of {})\n",
        cfg.ops, cfg.runs
    );
    print_table(&stack_table(&rows, &go), &go);
}
