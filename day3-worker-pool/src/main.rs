//! `cargo run -p day3-worker-pool`: Wednesday's worker pool, narrated.
//!
//! 1. A fixed pool of 8 workers runs 100 jobs that sleep a seeded random time; the results arrive
//!    out of order and are printed in job order as soon as each prefix is complete.
//! 2. Graceful shutdown: the caller cancels halfway; jobs in hand finish (one of them panics), the
//!    rest come back unrun, and every job is accounted for.
//! 3. The throughput tables for pool sizes 1, 2, 4, 8, I/O- and CPU-bound, with rayon and tokio
//!    (the Rust executors only: the tour needs no Go; the measure example adds the Go pool).

#[cfg(not(loom))]
fn main() {
    tour::main();
}

/// Built with `--cfg loom` for the model checks, the binary has nothing to narrate.
#[cfg(loom)]
fn main() {
    eprintln!(
        "day3-worker-pool: built with --cfg loom; run `cargo run -p day3-worker-pool` without it"
    );
}

#[cfg(not(loom))]
mod tour {
    use std::time::Duration;

    use clap::Parser;
    use day2_context::Context;
    use day3_worker_pool::demo::{run_in_order, sleep_durations};
    use day3_worker_pool::throughput::{self, Config, Executor, Row, Workload};
    use day3_worker_pool::{JobPanicked, Outcome, Pool};
    use indicatif::{ProgressBar, ProgressStyle};
    use labkit::go::GoRows;
    use labkit::measure;

    /// Week 6, Wednesday: the worker pool pattern.
    #[derive(Debug, Parser)]
    #[command(version, about)]
    struct Args {
        /// Seed for the random job durations (the same seed replays the same run).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Pool sizes for the throughput table, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,8",
              value_parser = clap::value_parser!(u16).range(1..=512))]
        sizes: Vec<u16>,
        /// Short parameters (a few seconds in a release build).
        #[arg(long)]
        quick: bool,
    }

    pub(super) fn main() {
        let args = Args::parse();
        // Jobs that panic are part of the demo: print one short line instead of the default report.
        std::panic::set_hook(Box::new(|info| {
            let thread = std::thread::current();
            let JobPanicked { message } = JobPanicked::from_payload(info.payload());
            eprintln!(
                "      (panic hook) {}: {message}",
                thread.name().unwrap_or("?")
            );
        }));
        let ctx = Context::background();
        hundred_jobs(&ctx, args.seed);
        shutdown(&ctx, args.seed);
        let sizes = args.sizes.iter().copied().map(usize::from).collect();
        let config = if args.quick {
            Config::quick(sizes)
        } else {
            Config::full(sizes)
        };
        table(&config);
    }

    fn hundred_jobs(ctx: &Context, seed: u64) {
        const WORKERS: usize = 8;
        println!(
            "## 1. A fixed pool: {WORKERS} workers, 100 jobs, one shared jobs channel (--seed {seed})\n"
        );
        println!(
            "Each job sleeps 1–20 ms (Go's time.Sleep(randomDuration)). Workers finish out of order;"
        );
        println!(
            "a reorder buffer releases results in job order the moment every lower job is in.\n"
        );
        let durations = sleep_durations(
            seed,
            100,
            Duration::from_millis(1)..Duration::from_millis(20),
        );
        let ((arrivals, in_order), sample) = measure(|| run_in_order(ctx, WORKERS, &durations));
        let wall = sample.wall;
        for a in arrivals.iter().take(12) {
            let released = if a.released.is_empty() {
                "parked: waiting for a lower job".to_owned()
            } else {
                format!(
                    "released jobs {}..={}",
                    a.released.start,
                    a.released.end - 1
                )
            };
            println!(
                "  job {:>2} done on worker {} → {released}",
                a.index, a.worker
            );
        }
        println!("  … {} more arrivals\n", arrivals.len() - 12);
        let order: Vec<String> = arrivals
            .iter()
            .take(20)
            .map(|a| a.index.to_string())
            .collect();
        println!("Completion order began: {}, …", order.join(", "));
        let restored: Vec<String> = in_order
            .iter()
            .take(20)
            .map(|o| o.index.to_string())
            .collect();
        println!("Printed order began:    {}, …", restored.join(", "));
        let serial: Duration = durations.iter().sum();
        println!(
            "All 100 in {:.0} ms; the same sleeps one after another take {:.0} ms ({:.1}× with {WORKERS} workers).\n",
            wall.as_secs_f64() * 1e3,
            serial.as_secs_f64() * 1e3,
            serial.as_secs_f64() / wall.as_secs_f64()
        );
    }

    fn shutdown(ctx: &Context, seed: u64) {
        const JOBS: usize = 40;
        println!("## 2. Graceful shutdown through Context::with_cancel\n");
        println!(
            "4 workers, {JOBS} jobs of 5–40 ms; job 3 panics. After 8 results the caller cancels:"
        );
        println!(
            "workers finish the job in hand (a long job sees ctx.is_done() and stops early), take no"
        );
        println!("new one, and shutdown() hands back every job that never started.\n");
        let durations = sleep_durations(
            seed,
            JOBS,
            Duration::from_millis(5)..Duration::from_millis(40),
        );
        let (parent, cancel) = Context::with_cancel(ctx);
        let mut pool = Pool::new(
            &parent,
            4,
            |ctx: &Context, (index, d): (usize, Duration)| {
                assert!(index != 3, "job {index} hit a bad input");
                // Sleep, but wake early if cancelled: Go's select { case <-time.After(d): case <-ctx.Done(): }.
                match ctx.wait_timeout(d) {
                    None => "finished",
                    Some(_) => "stopped early",
                }
            },
        );
        pool.submit_all(durations.iter().copied().enumerate());
        let received: Vec<Outcome<&str>> = pool.results().iter().take(8).collect();
        cancel.cancel();
        println!("  cancelled after {} results", received.len());
        let (account, sample) = measure(|| pool.shutdown());
        println!(
            "  shutdown() returned after {:.1} ms: every worker joined",
            sample.wall.as_secs_f64() * 1e3
        );
        let all: Vec<&Outcome<&str>> = received.iter().chain(&account.completed).collect();
        let count = |what: &str| {
            all.iter()
                .filter(|o| o.result.as_ref().is_ok_and(|r| *r == what))
                .count()
        };
        let failed: Vec<String> = all
            .iter()
            .filter_map(|o| {
                o.result
                    .as_ref()
                    .err()
                    .map(|e| format!("job {}: {e}", o.index))
            })
            .collect();
        println!("  ran to completion:      {}", count("finished"));
        println!("  stopped early (in hand): {}", count("stopped early"));
        println!(
            "  failed (panicked):      {} — {}",
            failed.len(),
            failed.join("; ")
        );
        let first_unstarted: Vec<String> = account
            .not_started
            .iter()
            .take(8)
            .map(|n| n.index.to_string())
            .collect();
        println!(
            "  handed back, not started: {} (jobs {}, …)",
            account.not_started.len(),
            first_unstarted.join(", ")
        );
        let total = all.len() + account.not_started.len();
        println!("  accounted for: {total} of {JOBS} — none lost, none run twice\n");
        assert_eq!(total, JOBS, "every job is accounted for");
    }

    fn table(config: &Config) {
        println!(
            "## 3. Throughput: jobs/s by pool size (Little's law: throughput = workers / job time)\n"
        );
        let calibration = throughput::calibrate(config);
        println!("{}.", throughput::describe(config, &calibration));
        println!("Each cell: jobs/s · efficiency (measured / ideal).\n");
        let bar = ProgressBar::new(config.cell_count() as u64);
        bar.set_style(
            ProgressStyle::with_template("  {bar:30} {pos}/{len} {msg}")
                .expect("a valid progress template"),
        );
        let rows = throughput::measure_table(config, &calibration, |label| {
            bar.set_message(label.to_owned());
            bar.inc(1);
        });
        bar.finish_and_clear();
        // No Go asked for: the Rust columns only.
        print!(
            "{}",
            throughput::by_pool_size(&rows, &GoRows::default()).markdown()
        );
        let pool = |io: bool, n: usize| {
            rows.iter().find(|r| {
                r.executor == Executor::Pool
                    && r.workers == n
                    && matches!(r.workload, Workload::Io(_)) == io
            })
        };
        let speedup = |io: bool| -> Option<(usize, f64)> {
            let one: &Row = pool(io, 1)?;
            let best = rows
                .iter()
                .filter(|r| {
                    r.executor == Executor::Pool && matches!(r.workload, Workload::Io(_)) == io
                })
                .max_by(|a, b| a.per_second().total_cmp(&b.per_second()))?;
            Some((best.workers, best.per_second() / one.per_second()))
        };
        if let (Some((io_n, io_x)), Some((cpu_n, cpu_x))) = (speedup(true), speedup(false)) {
            println!(
                "Sleeping jobs scale with the pool: {io_x:.1}× at {io_n} workers over 1, because a sleeping"
            );
            println!(
                "thread needs no core. Spinning jobs stop scaling at the core count ({} here): the best",
                calibration.cores
            );
            println!(
                "is {cpu_x:.1}× at {cpu_n} workers; more workers only take turns on the same cores."
            );
        }
        println!(
            "(Measured just now on this machine. `cargo run --release -p day3-worker-pool --example day3-measure`\n\
             prints the same tables with the course's Go pool beside them, and the dispatch overheads,\n\
             for the journal.)"
        );
    }
}
