//! Wednesday's measured tables as rows (`labkit::rows`; progress on stderr), for the journal:
//! `cargo run --release -p day3-worker-pool --example day3-measure [-- --quick] [--sizes 1,2,4,8]`.
//! With `BENCH_ROWS=<file>` in the environment (as `cargo xtask bench day3-worker-pool` runs it)
//! they are written there as JSON lines, and xtask renders the tables and charts from them;
//! without it the tables are printed as Markdown.
//!
//! The course's Go worker pool (`go/bench`) runs in the same run with the same parameters, and its
//! rows sit beside the Rust ones; without `go` on `PATH` they say SKIPPED.

use clap::Parser;
use day3_worker_pool::overhead::{TINY_ROUNDS, dispatch_table, tiny_jobs_table};
use day3_worker_pool::throughput::{self, Config};
use indicatif::{ProgressBar, ProgressStyle};
use labkit::go::GoRows;
use labkit::rows::Writer;

/// Threads (and goroutines) of the dispatch and tiny-job tables.
const THREADS: usize = 2;
/// Items per job of the chunked tiny-job rows.
const CHUNK: usize = 16 * 1024;

/// Measures the throughput, dispatch and tiny-job tables.
#[derive(Debug, Parser)]
struct Args {
    /// Pool sizes for the throughput table, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8",
          value_parser = clap::value_parser!(u16).range(1..=512))]
    sizes: Vec<u16>,
    /// Fewer jobs and one run per cell.
    #[arg(long)]
    quick: bool,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let mut out = Writer::from_env()?;
    let sizes: Vec<usize> = args.sizes.iter().copied().map(usize::from).collect();
    let sizes_flag: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    let config = if args.quick {
        Config::quick(sizes)
    } else {
        Config::full(sizes)
    };
    let (runs, jobs, items) = if args.quick {
        (3, 20_000, 200_000)
    } else {
        (9, 100_000, 1_000_000)
    };
    let command = format!(
        "Command: `cargo run --release -p day3-worker-pool --example day3-measure --{} --sizes {}`",
        if args.quick { " --quick" } else { "" },
        sizes_flag.join(",")
    );

    eprintln!("calibrating one job of each kind…");
    let calibration = throughput::calibrate(&config);

    eprintln!("the Go worker pool (go/bench)…");
    let go = GoRows::bench(
        env!("CARGO_MANIFEST_DIR"),
        [
            ("-sizes", sizes_flag.join(",")),
            ("-io-jobs", config.io_jobs.to_string()),
            ("-io-sleep", format!("{}ns", config.io_sleep.as_nanos())),
            ("-cpu-jobs", config.cpu_jobs.to_string()),
            ("-cpu-rounds", calibration.cpu_rounds.to_string()),
            ("-throughput-runs", config.runs.to_string()),
            ("-threads", THREADS.to_string()),
            ("-jobs", jobs.to_string()),
            ("-items", items.to_string()),
            ("-chunk", CHUNK.to_string()),
            ("-tiny-rounds", TINY_ROUNDS.to_string()),
            ("-runs", runs.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_owned(), value]),
    );
    let intro = format!(
        "{command}\n\n{}. Ideal = jobs / (⌈jobs / concurrency⌉ × one job's time), concurrency = \
         workers for sleeping jobs and min(workers, cores) for spinning ones; efficiency = \
         measured / ideal. Each cell: jobs/s · efficiency. The Go pool runs the same jobs (the \
         same spin rounds); × Go = day3 Pool jobs/s ÷ Go pool jobs/s (above 1: the Pool is \
         faster).",
        throughput::describe(&config, &calibration)
    );
    let bar = ProgressBar::new(config.cell_count() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("a valid progress template"),
    );
    let rows = throughput::measure_table(&config, &calibration, |label| {
        bar.set_message(label.to_owned());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let mut by_size = throughput::by_pool_size(&rows, &go);
    by_size.set_intro(intro);
    out.write(&by_size)?;

    eprintln!("dispatch overhead…");
    out.write(&dispatch_table(THREADS, jobs, runs, &go))?;

    eprintln!("tiny jobs…");
    out.write(&tiny_jobs_table(THREADS, items, CHUNK, runs, &go))
}
