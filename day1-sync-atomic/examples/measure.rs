//! Measures the day's tables: the 90/10 map benchmark, the counters, and the stack, each beside the
//! same experiment in Go (`go/bench`, run here with the same parameters). `--quick` shortens every
//! run. Progress goes to stderr.
//!
//! The measurements are rows (`labkit::rows`): with `BENCH_ROWS=<file>` in the environment (as
//! `cargo xtask bench day1-sync-atomic` runs it) they are written there as JSON lines, and xtask
//! renders the tables and charts from them; without it the tables are printed as Markdown.

use clap::Parser;
use day1_sync_atomic::counter::{CounterConfig, run_counters};
use day1_sync_atomic::measured;
use day1_sync_atomic::read_heavy::{ReadHeavyConfig, run_read_heavy};
use day1_sync_atomic::stack::throughput::{StackConfig, run_stacks};
use labkit::go::GoRows;
use labkit::rows::Writer;

/// mimalloc, for the Treiber stack's cross-thread frees: see `stack::s2_epoch`'s module docs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measures Monday's tables (the 90/10 maps, the counters, the stacks).
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

fn main() -> std::io::Result<()> {
    let Args { quick } = Args::parse();
    let mut out = Writer::from_env()?;
    let flag = if quick { " -- --quick" } else { "" };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    eprintln!("measuring the 90/10 map workload…");
    let cfg = if quick {
        ReadHeavyConfig::quick()
    } else {
        ReadHeavyConfig::full()
    };
    let rows = run_read_heavy(&cfg);
    let go = go_rows("the 90/10 map workload", cfg.go_args());
    let mut maps = measured::maps(&cfg, &rows, &go);
    maps.set_intro(format!(
        "Command: `cargo run --release -p day1-sync-atomic --example day1-measure{flag}` \
         ({cores} cores available; each figure is the median of several runs, wall-clock; \
         *cores busy* = process CPU time / wall time).\n\n\
         The Go columns are `day1-sync-atomic/go/bench`, the same experiment in Go, run by this \
         example with the same parameters. A ratio `A × B` is A's rate over B's: above 1, A is \
         faster. The *cores busy* columns show each language's least busy contender of the row, \
         flagged when its threads did not run together."
    ));
    out.write(&maps)?;

    eprintln!("measuring counters…");
    let cfg = if quick {
        CounterConfig::quick()
    } else {
        CounterConfig::full()
    };
    let rows = run_counters(&cfg);
    let go = go_rows("counters", cfg.go_args());
    out.write(&measured::counters(&cfg, &rows, &go))?;

    eprintln!("measuring stacks…");
    let cfg = if quick {
        StackConfig::quick()
    } else {
        StackConfig::full()
    };
    let rows = run_stacks(&cfg);
    let go = go_rows("the stack", cfg.go_args());
    out.write(&measured::stacks(&cfg, &rows, &go))
}
