//! Wednesday's measured tables as Markdown on stdout (progress on stderr), for the journal:
//! `cargo run --release -p day3-worker-pool --example day3-measure [-- --quick] [--sizes 1,2,4,8]`.

use clap::Parser;
use day3_worker_pool::overhead::{dispatch_table, tiny_jobs_table};
use day3_worker_pool::throughput::{self, Config};
use indicatif::{ProgressBar, ProgressStyle};

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
    println!("### Throughput by pool size\n");
    println!(
        "{}. Ideal = jobs / (⌈jobs / concurrency⌉ × one job's time), concurrency = workers for",
        throughput::describe(&config, &calibration)
    );
    println!(
        "sleeping jobs and min(workers, cores) for spinning ones; efficiency = measured / ideal.\n"
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
    println!("{}", throughput::table(&rows));

    eprintln!("dispatch overhead…");
    println!("### Per-job dispatch overhead ({jobs} trivial jobs, median of {runs})\n");
    println!("{}", dispatch_table(2, jobs, runs));

    eprintln!("tiny jobs…");
    println!(
        "### {items} jobs of ~50 ns: batched submit against a sequential loop (median of {runs})\n"
    );
    println!("{}", tiny_jobs_table(2, items, 16 * 1024, runs));
}
