//! Wednesday's measured tables as Markdown on stdout (progress on stderr), for the journal:
//! `cargo run --release -p day3-worker-pool --example day3-measure [-- --quick] [--sizes 1,2,4,8]`.
//!
//! The course's Go worker pool (`go/bench`) runs in the same run with the same parameters, and its
//! rows sit beside the Rust ones; without `go` on `PATH` they say SKIPPED.

use clap::Parser;
use day3_worker_pool::overhead::{TINY_ROUNDS, dispatch_table, tiny_jobs_table};
use day3_worker_pool::throughput::{self, Config};
use indicatif::{ProgressBar, ProgressStyle};
use labkit::go::GoRows;

/// Threads (and goroutines) of the dispatch and tiny-job tables.
const THREADS: usize = 2;
/// Items per job of the chunked tiny-job rows.
const CHUNK: usize = 16 * 1024;

/// Prints the throughput, dispatch and tiny-job tables.
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

fn main() {
    let args = Args::parse();
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
    println!(
        "Command: `cargo run --release -p day3-worker-pool --example day3-measure --{} --sizes {}`\n",
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
    // Printed under each table when the Go rows were skipped (Go not installed).
    let go_note = || {
        let note = go.note();
        if !note.is_empty() {
            println!("{note}");
        }
    };

    println!("### Throughput by pool size\n");
    println!(
        "{}. Ideal = jobs / (⌈jobs / concurrency⌉ × one job's time), concurrency = workers for",
        throughput::describe(&config, &calibration)
    );
    println!(
        "sleeping jobs and min(workers, cores) for spinning ones; efficiency = measured / ideal."
    );
    println!(
        "Each cell: jobs/s · efficiency · cores busy. The Go pool runs the same jobs (the\n\
         same spin rounds); × Go = day3 Pool jobs/s ÷ Go pool jobs/s (above 1: the Pool is\n\
         faster).\n"
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
    for (title, table) in throughput::by_pool_size(&rows, &go) {
        println!("#### {title}\n\n{table}");
        go_note();
    }

    eprintln!("dispatch overhead…");
    println!("### Per-job dispatch overhead ({jobs} trivial jobs, median of {runs})\n");
    println!("× Go = Go pool ns/job ÷ the row's ns/job (above 1: the row is faster).\n");
    println!("{}", dispatch_table(THREADS, jobs, runs, &go));
    go_note();

    eprintln!("tiny jobs…");
    println!(
        "### {items} jobs of ~50 ns: batched submit against a sequential loop (median of {runs})\n"
    );
    println!(
        "× sequential = the same language's for loop's time ÷ the row's; × Go = the time of\n\
         the Go row doing the same work (the chunked Go pool for the pool and par_iter) ÷\n\
         the row's.\n"
    );
    println!("{}", tiny_jobs_table(THREADS, items, CHUNK, runs, &go));
    go_note();
}
