//! The throughput tables: jobs per second for each pool size, I/O-bound and CPU-bound, against an
//! ideal computed from Little's law, with rayon and tokio running the same jobs in columns beside
//! the pool's.
//!
//! Little's law for a pool: throughput = concurrency / latency. With `n` workers each busy for `d`
//! per job, at most `n / d` jobs finish per second. For an I/O-bound job (here a sleep) a worker
//! needs no core while it waits, so the concurrency is `n` and throughput grows with `n`. For a
//! CPU-bound job the concurrency is capped by the cores, `min(n, cores)`: extra workers only take
//! turns. The ideal column is `jobs / (⌈jobs / concurrency⌉ · d)`, with `d` one job's duration
//! measured alone on this machine; efficiency = measured / ideal.
//!
//! [`by_pool_size`] makes them rows (`labkit::rows`), a grid of one line per pool size and one
//! column per executor; the measure example adds the course's Go pool (`go/bench`: goroutines on a
//! jobs and a results channel, a WaitGroup closing results) as a last column, the tour binary shows
//! the Rust columns only.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

use day2_context::Context;
use labkit::go::GoRows;
use labkit::rows::{Figure, Ratio, Row as Measured, Rows, TableSpec, go_twin};
use labkit::{Sample, measure, median, spin};

use crate::pool::p2_fast::Pool;

/// What each job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Sleeps for the duration: needs a thread, not a core.
    Io(Duration),
    /// Calls day 1's [`spin`] with this many rounds: needs a core.
    Cpu(u64),
}

impl Workload {
    /// Runs one job of this workload.
    pub fn run(self) {
        match self {
            Workload::Io(d) => thread::sleep(d),
            Workload::Cpu(rounds) => {
                spin(0, rounds);
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Workload::Io(_) => "I/O (sleep)",
            Workload::Cpu(_) => "CPU (spin)",
        }
    }

    /// The heading of this workload's table in [`by_pool_size`].
    fn title(self) -> &'static str {
        match self {
            Workload::Io(_) => "Sleeping jobs (I/O-bound)",
            Workload::Cpu(_) => "Spinning jobs (CPU-bound)",
        }
    }

    /// The case name of this workload's rows from `go/bench`.
    fn go_case(self) -> &'static str {
        match self {
            Workload::Io(_) => "io",
            Workload::Cpu(_) => "cpu",
        }
    }
}

/// Who runs the jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Executor {
    /// This crate's [`Pool`] of `n` threads.
    Pool,
    /// A `rayon::ThreadPool` of `n` threads, one `scope.spawn` per job.
    Rayon,
    /// tokio's blocking pool with `max_blocking_threads(n)`, one `spawn_blocking` per job.
    TokioSpawnBlocking,
    /// One tokio thread, one task per job, a `Semaphore` of `n` permits; `tokio::time::sleep`
    /// instead of `thread::sleep` (I/O-bound only: an async task must not block its thread).
    TokioAsyncSemaphore,
}

impl Executor {
    fn name(self) -> &'static str {
        match self {
            Executor::Pool => "day3 Pool",
            Executor::Rayon => "rayon ThreadPool",
            Executor::TokioSpawnBlocking => "tokio spawn_blocking",
            Executor::TokioAsyncSemaphore => "tokio async + Semaphore(n)",
        }
    }

    /// Runs `jobs` jobs of `workload` with `workers`-way concurrency: first a warm-up batch of
    /// `workers` jobs (not timed; it starts every thread), then the timed batch.
    ///
    /// Returns the timed sample and how many jobs completed (always `jobs`; checked by the tests).
    pub fn run(self, workload: Workload, workers: usize, jobs: usize) -> (Sample, usize) {
        match self {
            Executor::Pool => {
                let mut pool =
                    Pool::new(&Context::background(), workers, move |_: &Context, ()| {
                        workload.run();
                    });
                let mut batch = |count: usize| {
                    pool.submit_all(std::iter::repeat_n((), count));
                    pool.results()
                        .iter()
                        .take(count)
                        .filter(|o| o.result.is_ok())
                        .count()
                };
                batch(workers);
                let (done, sample) = measure(|| batch(jobs));
                (sample, done)
            }
            Executor::Rayon => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(workers)
                    .build()
                    .expect("building a rayon thread pool");
                let batch = |count: usize| {
                    let done = AtomicUsize::new(0);
                    pool.scope(|s| {
                        for _ in 0..count {
                            s.spawn(|_| {
                                workload.run();
                                // Relaxed: only the total matters, and the scope's join makes it
                                // visible to the load below.
                                done.fetch_add(1, Relaxed);
                            });
                        }
                    });
                    done.load(Relaxed)
                };
                batch(workers);
                let (done, sample) = measure(|| batch(jobs));
                (sample, done)
            }
            Executor::TokioSpawnBlocking => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .max_blocking_threads(workers)
                    .build()
                    .expect("building a tokio runtime");
                let batch = |count: usize| {
                    rt.block_on(async {
                        let handles: Vec<_> = (0..count)
                            .map(|_| tokio::task::spawn_blocking(move || workload.run()))
                            .collect();
                        completed(handles).await
                    })
                };
                batch(workers);
                let (done, sample) = measure(|| batch(jobs));
                (sample, done)
            }
            Executor::TokioAsyncSemaphore => {
                let Workload::Io(d) = workload else {
                    panic!(
                        "Executor::TokioAsyncSemaphore runs only I/O-bound jobs, got {workload:?}"
                    );
                };
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("building a tokio runtime");
                let semaphore = Arc::new(tokio::sync::Semaphore::new(workers));
                let batch = |count: usize| {
                    rt.block_on(async {
                        let handles: Vec<_> = (0..count)
                            .map(|_| {
                                let semaphore = Arc::clone(&semaphore);
                                tokio::spawn(async move {
                                    let _permit = semaphore.acquire_owned().await;
                                    tokio::time::sleep(d).await;
                                })
                            })
                            .collect();
                        completed(handles).await
                    })
                };
                batch(workers);
                let (done, sample) = measure(|| batch(jobs));
                (sample, done)
            }
        }
    }
}

/// Awaits every task and counts those that ran to completion (did not panic or get cancelled).
async fn completed<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> usize {
    let mut done = 0;
    for handle in handles {
        done += usize::from(handle.await.is_ok());
    }
    done
}

/// What to measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Pool sizes (worker counts) to try.
    pub sizes: Vec<usize>,
    /// Jobs per timed batch, I/O-bound.
    pub io_jobs: usize,
    /// How long one I/O-bound job sleeps.
    pub io_sleep: Duration,
    /// Jobs per timed batch, CPU-bound.
    pub cpu_jobs: usize,
    /// About how long one CPU-bound job should take on one core (the round count is calibrated).
    pub cpu_job: Duration,
    /// Timed runs per cell; the table shows the median.
    pub runs: usize,
}

impl Config {
    /// The full table: about 20 s in a release build.
    pub fn full(sizes: Vec<usize>) -> Self {
        Config {
            sizes,
            io_jobs: 64,
            io_sleep: Duration::from_millis(5),
            cpu_jobs: 128,
            cpu_job: Duration::from_millis(1),
            runs: 5,
        }
    }

    /// `--quick`: about 6 s in a release build.
    pub fn quick(sizes: Vec<usize>) -> Self {
        Config {
            sizes,
            io_jobs: 32,
            io_sleep: Duration::from_millis(5),
            cpu_jobs: 64,
            cpu_job: Duration::from_millis(1),
            runs: 3,
        }
    }

    /// Every (workload, executor, size) cell, in table order.
    fn cells(&self, calibration: &Calibration) -> Vec<(Workload, Executor, usize, usize)> {
        let io = Workload::Io(self.io_sleep);
        let cpu = Workload::Cpu(calibration.cpu_rounds);
        let mut cells = Vec::new();
        for (workload, jobs, executors) in [
            (
                io,
                self.io_jobs,
                &[
                    Executor::Pool,
                    Executor::Rayon,
                    Executor::TokioSpawnBlocking,
                    Executor::TokioAsyncSemaphore,
                ][..],
            ),
            (
                cpu,
                self.cpu_jobs,
                &[
                    Executor::Pool,
                    Executor::Rayon,
                    Executor::TokioSpawnBlocking,
                ][..],
            ),
        ] {
            for &executor in executors {
                for &size in &self.sizes {
                    cells.push((workload, executor, size, jobs));
                }
            }
        }
        cells
    }

    /// How many cells [`measure_table`] measures (the length of a progress bar).
    pub fn cell_count(&self) -> usize {
        self.sizes.len() * 7
    }
}

/// One job's duration measured alone, and the machine's core count: the inputs of the ideal column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// `std::thread::available_parallelism()`.
    pub cores: usize,
    /// How long one I/O-bound job really takes (a sleep overshoots by the timer slack and wake-up).
    pub io_job: Duration,
    /// The [`spin`] rounds that make one CPU-bound job last about [`Config::cpu_job`].
    pub cpu_rounds: u64,
    /// How long one CPU-bound job takes on one otherwise idle thread.
    pub cpu_job: Duration,
}

/// Measures one job of each kind alone (medians of 9), and picks the CPU job's round count.
pub fn calibrate(config: &Config) -> Calibration {
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let median_job = |workload: Workload| {
        let samples: Vec<Sample> = (0..9).map(|_| measure(|| workload.run()).1).collect();
        median(&samples).wall
    };
    let io_job = median_job(Workload::Io(config.io_sleep));
    let probe = 100_000;
    let per_round = median_job(Workload::Cpu(probe)).as_secs_f64() / probe as f64;
    let cpu_rounds = ((config.cpu_job.as_secs_f64() / per_round.max(1e-12)) as u64).max(1);
    let cpu_job = median_job(Workload::Cpu(cpu_rounds));
    Calibration {
        cores,
        io_job,
        cpu_rounds,
        cpu_job,
    }
}

/// One measured cell of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The jobs' kind.
    pub workload: Workload,
    /// Who ran them.
    pub executor: Executor,
    /// Worker threads (or permits, for the async row).
    pub workers: usize,
    /// Jobs in the timed batch.
    pub jobs: usize,
    /// Jobs that completed (equals `jobs`).
    pub completed: usize,
    /// The median timed run.
    pub sample: Sample,
    /// Little's-law ideal, jobs per second.
    pub ideal: f64,
}

impl Row {
    /// Measured jobs per second.
    pub fn per_second(&self) -> f64 {
        self.sample.per_second(self.jobs as u64)
    }
}

/// The ideal throughput: `jobs / (⌈jobs / concurrency⌉ · d)` with concurrency `workers` for I/O and
/// `min(workers, cores)` for CPU-bound jobs.
pub fn ideal_per_second(
    workload: Workload,
    workers: usize,
    jobs: usize,
    calibration: &Calibration,
) -> f64 {
    let (concurrency, d) = match workload {
        Workload::Io(_) => (workers, calibration.io_job),
        Workload::Cpu(_) => (workers.min(calibration.cores), calibration.cpu_job),
    };
    let waves = jobs.div_ceil(concurrency.max(1));
    jobs as f64 / (waves as f64 * d.as_secs_f64()).max(f64::MIN_POSITIVE)
}

/// Measures every cell (median of `config.runs`), calling `progress` with a label before each.
pub fn measure_table(
    config: &Config,
    calibration: &Calibration,
    mut progress: impl FnMut(&str),
) -> Vec<Row> {
    config
        .cells(calibration)
        .into_iter()
        .map(|(workload, executor, workers, jobs)| {
            progress(&format!(
                "{} · {} · n={workers}",
                workload.name(),
                executor.name()
            ));
            let mut completed = jobs;
            let samples: Vec<Sample> = (0..config.runs.max(1))
                .map(|_| {
                    let (sample, done) = executor.run(workload, workers, jobs);
                    completed = completed.min(done);
                    sample
                })
                .collect();
            let sample = median(&samples);
            let ideal = ideal_per_second(workload, workers, jobs, calibration);
            Row {
                workload,
                executor,
                workers,
                jobs,
                completed,
                sample,
                ideal,
            }
        })
        .collect()
}

/// A one-paragraph description of what was measured, for the lines above the table.
pub fn describe(config: &Config, calibration: &Calibration) -> String {
    format!(
        "{} cores; I/O job = sleep {:?} (really {:.2} ms), {} jobs a batch; CPU job = spin({}) ≈ {:.2} ms on one core, {} jobs a batch; median of {} run(s) each",
        calibration.cores,
        config.io_sleep,
        calibration.io_job.as_secs_f64() * 1e3,
        config.io_jobs,
        calibration.cpu_rounds,
        calibration.cpu_job.as_secs_f64() * 1e3,
        config.cpu_jobs,
        config.runs,
    )
}

/// The throughput table's name in the rows.
pub const POOL_SIZE: &str = "pool-size";
/// The Go pool's series (its column reads `Go pool (goroutines)`).
const GO_POOL: &str = "pool (goroutines)";
/// The ideal's series.
const IDEAL: &str = "ideal jobs/s";

/// The throughput table: one group per workload in `rows` (in order), one line per pool size, the
/// ideal and one column per executor, then the Go pool's column and `× Go`, the day3 Pool's jobs/s
/// over the Go pool's (above 1: the Pool is faster).
///
/// `go` is `go/bench`'s rows, run with the same sizes, jobs and spin rounds; when Go is not
/// installed they are skipped and the Go cells say `SKIPPED`. `GoRows::default()` (no rows, no
/// reason to skip) asks for no Go: the table then has the Rust columns only.
///
/// Each cell reads `jobs/s · efficiency`; the cores busy columns flag spinning workers that did
/// not run side by side (sleeping ones need no core). The Go cells measure the same work against
/// the same ideal (one job's duration is calibrated on the Rust side).
///
/// # Panics
/// When the Go program ran but printed no row for a size in `rows`, or ran another job count.
pub fn by_pool_size(rows: &[Row], go: &GoRows) -> Rows {
    let spec = TableSpec {
        group: Some("jobs".to_owned()),
        ideal: Some(IDEAL.to_owned()),
        ..TableSpec::grid(
            POOL_SIZE,
            "Throughput by pool size",
            "workers",
            Figure::Rate,
        )
    }
    .with_ratios(vec![Ratio::new(
        "× Go",
        Executor::Pool.name(),
        &format!("Go {GO_POOL}"),
    )]);
    let mut out = Vec::new();
    let mut done: Vec<(Workload, usize)> = Vec::new();
    for r in rows {
        let row = |series: &str, sample| {
            let row = Measured::new(POOL_SIZE, series, r.workers, r.jobs as u64, sample)
                .in_group(&r.workload.title());
            match r.workload {
                Workload::Io(_) => row.waiting(),
                Workload::Cpu(_) => row,
            }
        };
        if !done.contains(&(r.workload, r.workers)) {
            done.push((r.workload, r.workers));
            let ideal = Sample {
                wall: Duration::from_secs_f64(r.jobs as f64 / r.ideal),
                cpu: Duration::ZERO,
            };
            out.push(row(IDEAL, ideal));
            let rust = row(Executor::Pool.name(), r.sample);
            out.extend(go_twin(go, r.workload.go_case(), GO_POOL, &rust));
        }
        out.push(row(r.executor.name(), r.sample));
    }
    Rows::table(spec, out, go, &[GO_POOL])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use labkit::go::SKIPPED;

    use super::*;

    /// A made-up row: two jobs in `ms` milliseconds, one core busy.
    fn row(workload: Workload, executor: Executor, workers: usize, ms: u64) -> Row {
        let took = Duration::from_millis(ms);
        Row {
            workload,
            executor,
            workers,
            jobs: 2,
            completed: 2,
            sample: Sample {
                wall: took,
                cpu: took,
            },
            ideal: 1000.0,
        }
    }

    /// The grid of `rows`' one table.
    fn grid(rows: &Rows) -> String {
        rows.grid(rows.tables().next().expect("the table"))
    }

    #[test]
    fn one_line_per_workload_and_pool_size_with_the_go_pool_beside() {
        labkit::within(
            "one_line_per_workload_and_pool_size_with_the_go_pool_beside",
            Duration::from_secs(120),
            || {
                let (io, cpu) = (Workload::Io(Duration::from_millis(1)), Workload::Cpu(10));
                let mut rows = Vec::new();
                for workload in [io, cpu] {
                    for executor in [Executor::Pool, Executor::Rayon] {
                        rows.extend([1, 2].map(|n| row(workload, executor, n, 4)));
                    }
                }
                let args = "-sizes 1,2 -io-jobs 2 -io-sleep 1ms -cpu-jobs 2 -cpu-rounds 10 \
                            -throughput-runs 1 -jobs 10 -items 10 -chunk 5 -runs 1";
                let go = GoRows::bench(env!("CARGO_MANIFEST_DIR"), args.split_whitespace());
                let text = grid(&by_pool_size(&rows, &go));
                let header = concat!(
                    "| jobs | workers | ideal jobs/s | day3 Pool | rayon ThreadPool | ",
                    "Go pool (goroutines) | × Go |",
                );
                assert!(text.starts_with(header), "{text}");
                assert_eq!(
                    text.lines().count(),
                    2 + 4,
                    "one line per workload and size"
                );
                // 2 jobs in 4 ms against an ideal of 1 k jobs/s.
                for workload in [io, cpu] {
                    let line = format!(
                        "| {} | 1 | 1.0 k | 500.0 · 50% | 500.0 · 50% | ",
                        workload.title()
                    );
                    assert!(text.contains(&line), "{text}");
                }
                assert_eq!(text.contains(SKIPPED), go.skipped().is_some(), "{text}");
            },
        );
    }

    #[test]
    fn without_go_asked_for_only_the_rust_columns() {
        let (io, cpu) = (Workload::Io(Duration::from_millis(1)), Workload::Cpu(10));
        let rows: Vec<Row> = [io, cpu]
            .into_iter()
            .flat_map(|w| [1, 2].map(|n| row(w, Executor::Pool, n, 4)))
            .collect();
        let line = |w: Workload, n, last| {
            format!(
                "| {} | {n} | 1.0 k | 500.0 · 50% | 1.00{last} |\n",
                w.title()
            )
        };
        let want = [
            "| jobs | workers | ideal jobs/s | day3 Pool | cores busy, Rust (least) |\n".to_owned(),
            "|---:|---:|---:|---:|---:|\n".to_owned(),
            line(io, 1, ""),
            // Sleeping workers need no core: never flagged.
            line(io, 2, ""),
            line(cpu, 1, ""),
            // One core busy of two: spinning workers that did not overlap are flagged.
            line(cpu, 2, " ⚠ threads did not overlap: rerun"),
        ];
        let two_cores = thread::available_parallelism().map_or(1, usize::from) >= 2;
        let text = grid(&by_pool_size(&rows, &GoRows::default()));
        if two_cores {
            assert_eq!(text, want.concat());
        } else {
            assert!(text.starts_with(&want[..3].concat()), "{text}");
        }
    }

    #[test]
    fn a_missing_go_row_is_an_error_not_a_blank() {
        labkit::within(
            "a_missing_go_row_is_an_error_not_a_blank",
            Duration::from_secs(120),
            || {
                // The Go pool measured at 2 goroutines only; the Rust row is at 1 worker.
                let go = GoRows::from_output(r#"{"series":"io","lang":"go","threads":2,"ops":4,"wall_ns":1000000,"cpu_ns":10000}"#).expect("a Go row");
                let rows = [row(
                    Workload::Io(Duration::from_millis(1)),
                    Executor::Pool,
                    1,
                    4,
                )];
                let panic = std::panic::catch_unwind(|| by_pool_size(&rows, &go))
                    .expect_err("a Go row went missing without a panic");
                let message = panic.downcast_ref::<String>().map_or("", String::as_str);
                assert_eq!(message, "go/bench printed no row \"io\" on 1 goroutine(s)");
            },
        );
    }
}
