//! The cost of dispatch: trivial jobs one at a time, and tiny (~50 ns) jobs in chunks.
//!
//! A job crosses two channels and may wake a sleeping thread, which costs far more than a 50 ns
//! job. Comparing against rayon's `scope.spawn` (one boxed job per task) shows what the pool pays
//! per job; [`pool_batched`] shows how chunking amortises it until a million tiny jobs beat a
//! sequential loop. The criterion benches (`benches/dispatch.rs`) and `examples/measure.rs` call
//! these same functions.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use day1_sync_atomic::measure::{Sample, Table, median_of, si, spin};
use day2_context::Context;
use rayon::prelude::*;

use crate::pool::Pool;

/// [`spin`] rounds that make [`tiny_job`] last about 50 ns in a release build on this machine
/// (a SplitMix64 round is about 4 ns here: day 4's 400-round items take about 1.7 µs).
pub const TINY_ROUNDS: u64 = 12;

/// A ~50 ns CPU-bound job.
pub fn tiny_job(i: u64) -> u64 {
    spin(i, TINY_ROUNDS)
}

/// The baseline: `items` tiny jobs in a plain loop on the caller's thread.
pub fn sequential(items: u64) -> u64 {
    (0..items).map(tiny_job).fold(0, u64::wrapping_add)
}

/// `jobs` trivial jobs (the work function returns its input), one job per submit, on `pool`;
/// returns the sum of the results. The pool stays open for the next call.
pub fn pool_trivial(pool: &mut Pool<u64, u64>, jobs: u64) -> u64 {
    let submitted = pool.submit_all(0..jobs);
    pool.results()
        .iter()
        .take(submitted.len())
        .map(|o| o.result.unwrap_or(0))
        .fold(0, u64::wrapping_add)
}

/// `jobs` trivial jobs, one `scope.spawn` each, on a rayon pool; returns the sum.
pub fn rayon_scope_trivial(pool: &rayon::ThreadPool, jobs: u64) -> u64 {
    let sum = AtomicU64::new(0);
    pool.scope(|s| {
        for job in 0..jobs {
            let sum = &sum;
            // Relaxed: only the total matters; the scope's join publishes it to the load below.
            s.spawn(move |_| {
                sum.fetch_add(job, Relaxed);
            });
        }
    });
    sum.load(Relaxed)
}

/// `items` tiny jobs submitted in chunks of `chunk_len` to a batched pool; returns the sum.
pub fn pool_batched(pool: &mut Pool<Vec<u64>, Vec<u64>>, items: u64, chunk_len: usize) -> u64 {
    let chunks = pool.submit_chunks(0..items, chunk_len);
    pool.results()
        .iter()
        .take(chunks.len())
        .flat_map(|o| o.result.unwrap_or_default())
        .fold(0, u64::wrapping_add)
}

/// `items` tiny jobs with rayon's `par_iter` on `pool`; returns the sum.
pub fn rayon_par_iter(pool: &rayon::ThreadPool, items: u64) -> u64 {
    pool.install(|| {
        (0..items)
            .into_par_iter()
            .map(tiny_job)
            .reduce(|| 0, u64::wrapping_add)
    })
}

/// One contender of a table: runs the whole batch, returns its checksum.
type Run<'a> = Box<dyn FnMut() -> u64 + 'a>;

fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("building a rayon thread pool")
}

/// Per-job cost of `jobs` trivial jobs on `threads` threads: the pool against rayon's `scope.spawn`
/// (median of `runs`, after one warm-up run that starts every thread).
pub fn dispatch_table(threads: usize, jobs: u64, runs: usize) -> Table {
    let mut pool = Pool::new(&Context::background(), threads, |_: &Context, x: u64| x);
    let rayon = rayon_pool(threads);
    let mut contenders: [(&str, Run<'_>); 2] = [
        (
            "day3 Pool, one submit per job",
            Box::new(|| pool_trivial(&mut pool, jobs)),
        ),
        (
            "rayon scope.spawn",
            Box::new(|| rayon_scope_trivial(&rayon, jobs)),
        ),
    ];
    let mut t = Table::new(["trivial jobs", "threads", "ns/job", "jobs/s", "cores busy"]);
    for (name, run) in &mut contenders {
        run();
        let sample = median_of(runs, || {
            std::hint::black_box(run());
        });
        t.row([
            (*name).to_owned(),
            threads.to_string(),
            format!("{:.0}", sample.wall.as_secs_f64() * 1e9 / jobs as f64),
            si(sample.per_second(jobs)),
            format!("{:.2}", sample.cores_busy()),
        ]);
    }
    t
}

/// `items` ~50 ns jobs: a sequential loop, the pool with chunks of `chunk_len`, and rayon's
/// `par_iter`, on `threads` threads (median of `runs` after a warm-up run).
pub fn tiny_jobs_table(threads: usize, items: u64, chunk_len: usize, runs: usize) -> Table {
    let mut pool = Pool::batched(&Context::background(), threads, |_: &Context, i: u64| {
        tiny_job(i)
    });
    let rayon = rayon_pool(threads);
    let batched = format!("day3 Pool, chunks of {chunk_len}");
    let mut contenders: [(&str, usize, Run<'_>); 3] = [
        ("sequential loop", 1, Box::new(|| sequential(items))),
        (
            &batched,
            threads,
            Box::new(|| pool_batched(&mut pool, items, chunk_len)),
        ),
        (
            "rayon par_iter",
            threads,
            Box::new(|| rayon_par_iter(&rayon, items)),
        ),
    ];
    let mut t = Table::new([
        "~50 ns jobs",
        "threads",
        "ms",
        "jobs/s",
        "vs sequential",
        "cores busy",
    ]);
    let mut baseline: Option<Sample> = None;
    for (name, n, run) in &mut contenders {
        run();
        let sample = median_of(runs, || {
            std::hint::black_box(run());
        });
        let base = *baseline.get_or_insert(sample);
        t.row([
            (*name).to_owned(),
            n.to_string(),
            format!("{:.1}", sample.wall.as_secs_f64() * 1e3),
            si(sample.per_second(items)),
            format!(
                "{:.2}×",
                base.wall.as_secs_f64() / sample.wall.as_secs_f64()
            ),
            format!("{:.2}", sample.cores_busy()),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_computes_the_same_sum() {
        crate::watchdog::within(
            "every_strategy_computes_the_same_sum",
            std::time::Duration::from_secs(60),
            || {
                let ctx = Context::background();
                let rayon = rayon::ThreadPoolBuilder::new()
                    .num_threads(2)
                    .build()
                    .unwrap();
                let mut trivial = Pool::new(&ctx, 2, |_: &Context, x: u64| x);
                assert_eq!(pool_trivial(&mut trivial, 100), (0..100).sum::<u64>());
                assert_eq!(
                    pool_trivial(&mut trivial, 10),
                    (0..10).sum::<u64>(),
                    "the pool is reusable"
                );
                assert_eq!(rayon_scope_trivial(&rayon, 100), (0..100).sum::<u64>());

                let expected = sequential(1000);
                let mut batched = Pool::batched(&ctx, 2, |_: &Context, i: u64| tiny_job(i));
                assert_eq!(pool_batched(&mut batched, 1000, 64), expected);
                assert_eq!(rayon_par_iter(&rayon, 1000), expected);
            },
        );
    }

    #[test]
    fn tables_have_a_row_per_contender() {
        crate::watchdog::within(
            "tables_have_a_row_per_contender",
            std::time::Duration::from_secs(60),
            || {
                assert_eq!(dispatch_table(2, 100, 1).len(), 2);
                assert_eq!(tiny_jobs_table(2, 1000, 100, 1).len(), 3);
            },
        );
    }
}
