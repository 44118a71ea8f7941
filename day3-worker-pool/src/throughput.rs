//! The throughput table: jobs per second for each pool size, I/O-bound and CPU-bound, against an
//! ideal computed from Little's law, with rayon and tokio running the same jobs as comparison rows.
//!
//! Little's law for a pool: throughput = concurrency / latency. With `n` workers each busy for `d`
//! per job, at most `n / d` jobs finish per second. For an I/O-bound job (here a sleep) a worker
//! needs no core while it waits, so the concurrency is `n` and throughput grows with `n`. For a
//! CPU-bound job the concurrency is capped by the cores, `min(n, cores)`: extra workers only take
//! turns. The ideal column is `jobs / (⌈jobs / concurrency⌉ · d)`, with `d` one job's duration
//! measured alone on this machine; efficiency = measured / ideal.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

use day1_sync_atomic::measure::{Sample, Table, measure, median, si, spin};
use day2_context::Context;

use crate::pool::Pool;

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

    /// Measured / ideal.
    pub fn efficiency(&self) -> f64 {
        self.per_second() / self.ideal
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

/// The Markdown table of `rows`.
pub fn table(rows: &[Row]) -> Table {
    let mut t = Table::new([
        "jobs",
        "executor",
        "workers",
        "jobs/s",
        "ideal jobs/s",
        "efficiency",
        "cores busy",
    ]);
    for r in rows {
        t.row([
            r.workload.name().to_owned(),
            r.executor.name().to_owned(),
            r.workers.to_string(),
            si(r.per_second()),
            si(r.ideal),
            format!("{:.0}%", 100.0 * r.efficiency()),
            format!("{:.2}", r.sample.cores_busy()),
        ]);
    }
    t
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
