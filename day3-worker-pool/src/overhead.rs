//! The cost of dispatch: trivial jobs one at a time, and tiny (~50 ns) jobs in chunks.
//!
//! A job crosses the pool's jobs queue and its results channel and may wake a sleeping thread,
//! which costs far more than a 50 ns job. Comparing the pool's two steps (the lesson's channels,
//! [`lesson_trivial`], and the fast step's queue) against rayon's `scope.spawn` (one boxed job per task) and the course's Go pool
//! (`go/bench`: the same two channel hops, between goroutines) shows what the pool pays per job;
//! [`pool_batched`] shows how chunking amortises it until a million tiny jobs beat a sequential
//! loop, in Rust and in Go. The criterion benches (`benches/dispatch.rs`) and
//! `examples/measure.rs` call these same functions.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use day2_context::Context;
use labkit::go::GoRows;
use labkit::rows::{Column, Figure, Lang, Row, Rows, Show, TableSpec, Versus, X, go_twin};
use labkit::{Sample, median_of, spin};
use rayon::prelude::*;

use crate::pool::p1_lesson as lesson;
use crate::pool::p2_fast::Pool;

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

/// `jobs` trivial jobs (the work function returns its input), queued by one `submit_all`, on `pool`;
/// returns the sum of the results. The pool stays open for the next call.
pub fn pool_trivial(pool: &mut Pool<u64, u64>, jobs: u64) -> u64 {
    let submitted = pool.submit_all(0..jobs);
    sum_results(pool, submitted.len())
}

/// [`pool_trivial`] with one [`Pool::submit`] per job, as Go's `for … { jobs <- job }` sends: the
/// queue's lock is taken once per job.
pub fn pool_trivial_each(pool: &mut Pool<u64, u64>, jobs: u64) -> u64 {
    for job in 0..jobs {
        pool.submit(job);
    }
    sum_results(
        pool,
        usize::try_from(jobs).expect("a job count that fits in memory"),
    )
}

/// Step 1's dispatch: `jobs` trivial jobs on the lesson's pool ([`lesson::Pool`]), one `submit`
/// each through bounded channels — Go's `runPool` (`go/bench`) as written, with channels that hold
/// the whole batch ([`lesson_pool`]). Returns the sum; the pool stays open for the next call.
pub fn lesson_trivial(pool: &mut lesson::Pool<u64, u64>, jobs: u64) -> u64 {
    for job in 0..jobs {
        pool.submit(job);
    }
    let n = usize::try_from(jobs).expect("a job count that fits in memory");
    let results = pool.results().iter().take(n);
    results
        .map(|o| o.result.unwrap_or(0))
        .fold(0, u64::wrapping_add)
}

/// A lesson pool of `threads` workers running trivial jobs, its channels holding `jobs` values,
/// for [`lesson_trivial`].
pub fn lesson_pool(threads: usize, jobs: u64) -> lesson::Pool<u64, u64> {
    let capacity = usize::try_from(jobs).expect("a job count that fits in memory");
    lesson::Pool::new(
        &Context::background(),
        threads,
        capacity,
        |_: &Context, x: u64| x,
    )
}

/// The sum of the next `n` results of `pool` (a panicked job counts 0).
fn sum_results(pool: &Pool<u64, u64>, n: usize) -> u64 {
    pool.results()
        .iter()
        .take(n)
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

/// The median of `runs` runs of `run`, after one warm-up run that starts every thread.
fn warm_median(runs: usize, run: &mut Run<'_>) -> Sample {
    run();
    median_of(runs, || {
        std::hint::black_box(run());
    })
}

/// The dispatch table's name in the rows.
pub const DISPATCH: &str = "dispatch";
/// The tiny jobs' table's name in the rows.
pub const TINY_JOBS: &str = "tiny-jobs";

/// Per-job cost of `jobs` trivial jobs on `threads` threads: the pool's two steps against rayon's
/// `scope.spawn` and the course's Go pool (`go`: `go/bench`'s `dispatch` row, the same jobs through
/// a jobs and a results channel to as many goroutines), median of `runs` after a warm-up run: the
/// table's rows. `× Go` is the Go pool's time over the row's: above 1, the row is faster.
///
/// # Panics
/// When the Go program ran but printed no `dispatch` row of `jobs` jobs on `threads` goroutines.
pub fn dispatch_table(threads: usize, jobs: u64, runs: usize, go: &GoRows) -> Rows {
    let mut pool = Pool::new(&Context::background(), threads, |_: &Context, x: u64| x);
    let rayon = rayon_pool(threads);
    let mut pool_each = Pool::new(&Context::background(), threads, |_: &Context, x: u64| x);
    let mut lesson = lesson_pool(threads, jobs);
    let mut contenders: [(&str, Run<'_>); 4] = [
        (
            "lesson Pool (step 1), `submit` per job",
            Box::new(|| lesson_trivial(&mut lesson, jobs)),
        ),
        (
            "day3 Pool, `submit` per job",
            Box::new(|| pool_trivial_each(&mut pool_each, jobs)),
        ),
        (
            "day3 Pool, `submit_all` (64 jobs a lock)",
            Box::new(|| pool_trivial(&mut pool, jobs)),
        ),
        (
            "rayon scope.spawn",
            Box::new(|| rayon_scope_trivial(&rayon, jobs)),
        ),
    ];
    const GO_POOL: &str = "pool: jobs + results channels";
    let go_x = X::Name("Go pool".to_owned());
    let mut rows: Vec<Row> = contenders
        .iter_mut()
        // The workers mostly wait for jobs: cores busy is not flagged.
        .map(|(name, run)| {
            Row::new(DISPATCH, name, threads, jobs, warm_median(runs, run)).waiting()
        })
        .collect();
    let like = rows[0].clone().at(go_x.clone());
    rows.extend(go_twin(go, "dispatch", GO_POOL, &like));
    let spec = TableSpec::list(
        DISPATCH,
        &format!("Per-job dispatch overhead ({jobs} trivial jobs, median of {runs})"),
        vec![
            Column::new("trivial jobs", Show::Series),
            Column::figure("threads", Figure::Threads),
            Column::figure("ns/job", Figure::NsPerOp),
            Column::figure("jobs/s", Figure::Rate),
            Column::figure("cores busy", Figure::CoresBusy),
            Column::new("× Go", Show::Versus(Versus::at(Lang::Go, go_x))),
        ],
    )
    .with_intro("× Go = Go pool ns/job ÷ the row's ns/job (above 1: the row is faster).");
    Rows::table(spec, rows, go, &[GO_POOL])
}

/// `items` ~50 ns jobs: a sequential loop, the pool with chunks of `chunk_len`, and rayon's
/// `par_iter`, on `threads` threads (median of `runs` after a warm-up run); then the same in Go
/// (`go`: `go/bench`'s `tiny-sequential` and `tiny-chunks` rows, a for loop and the course's pool
/// fed chunks of the same length). `× sequential` is the for loop's time in the same language over
/// the row's; `× Go` is the time of the Go row doing the same work (the chunked Go pool for the
/// pool and `par_iter`) over the row's: above 1, the row is faster. The table's rows.
///
/// # Panics
/// When the Go program ran but printed no `tiny-*` row of `items` jobs.
pub fn tiny_jobs_table(
    threads: usize,
    items: u64,
    chunk_len: usize,
    runs: usize,
    go: &GoRows,
) -> Rows {
    let mut pool = Pool::batched(&Context::background(), threads, |_: &Context, i: u64| {
        tiny_job(i)
    });
    let rayon = rayon_pool(threads);
    let batched = format!("day3 Pool, chunks of {chunk_len}");
    // Each contender at its x: the loops at `sequential`, the parallel ones with Go's pool.
    let (sequential_x, parallel_x) = (
        X::Name("sequential".to_owned()),
        X::Name("parallel".to_owned()),
    );
    let mut contenders: [(&str, usize, Run<'_>, &X); 3] = [
        (
            "sequential loop",
            1,
            Box::new(|| sequential(items)),
            &sequential_x,
        ),
        (
            &batched,
            threads,
            Box::new(|| pool_batched(&mut pool, items, chunk_len)),
            &parallel_x,
        ),
        (
            "rayon par_iter",
            threads,
            Box::new(|| rayon_par_iter(&rayon, items)),
            &parallel_x,
        ),
    ];
    let mut rows: Vec<Row> = contenders
        .iter_mut()
        .map(|(name, n, run, x)| {
            Row::new(TINY_JOBS, name, *n, items, warm_median(runs, run)).at((*x).clone())
        })
        .collect();
    let go_chunks = format!("pool, chunks of {chunk_len}");
    let go_rows = [
        ("tiny-sequential", "for loop", &rows[0]),
        ("tiny-chunks", go_chunks.as_str(), &rows[1]),
    ]
    .map(|(case, series, like)| go_twin(go, case, series, like));
    rows.extend(go_rows.into_iter().flatten());
    let spec = TableSpec::list(
        TINY_JOBS,
        &format!(
            "{items} jobs of ~50 ns: batched submit against a sequential loop (median of {runs})"
        ),
        vec![
            Column::new("~50 ns jobs", Show::Series),
            Column::figure("threads", Figure::Threads),
            Column::figure("ms", Figure::WallMs),
            Column::figure("jobs/s", Figure::Rate),
            Column::new("× sequential", Show::Versus(Versus::own(sequential_x))),
            Column::new("× Go", Show::Versus(Versus::twin(Lang::Go))),
            Column::figure("cores busy", Figure::CoresBusy),
        ],
    )
    .with_intro(
        "× sequential = the same language's for loop's time ÷ the row's; × Go = the time of \
         the Go row doing the same work (the chunked Go pool for the pool and par_iter) ÷ \
         the row's.",
    );
    Rows::table(spec, rows, go, &["for loop", &go_chunks])
}

#[cfg(test)]
mod tests {
    use labkit::go::SKIPPED;

    use super::*;

    #[test]
    fn every_strategy_computes_the_same_sum() {
        labkit::within(
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
                let mut lesson = lesson_pool(2, 100);
                assert_eq!(lesson_trivial(&mut lesson, 100), (0..100).sum::<u64>());
                assert_eq!(lesson_trivial(&mut lesson, 10), (0..10).sum::<u64>());

                let expected = sequential(1000);
                let mut batched = Pool::batched(&ctx, 2, |_: &Context, i: u64| tiny_job(i));
                assert_eq!(pool_batched(&mut batched, 1000, 64), expected);
                assert_eq!(rayon_par_iter(&rayon, 1000), expected);
            },
        );
    }

    /// Runs `go/bench` with the sizes the tables below are given (Go rows are skipped, not faked,
    /// where `go` is not installed).
    fn go_rows() -> GoRows {
        let args = "-sizes 1 -io-jobs 1 -io-sleep 1ms -cpu-jobs 1 -cpu-rounds 10 \
                    -throughput-runs 1 -threads 2 -jobs 100 -items 1000 -chunk 100 -runs 1";
        GoRows::bench(env!("CARGO_MANIFEST_DIR"), args.split_whitespace())
    }

    #[test]
    fn tables_have_a_row_per_contender_rust_and_go() {
        labkit::within(
            "tables_have_a_row_per_contender_rust_and_go",
            std::time::Duration::from_secs(120),
            || {
                let go = go_rows();
                let dispatch = dispatch_table(2, 100, 1, &go);
                let tiny = tiny_jobs_table(2, 1000, 100, 1, &go);
                let ran = usize::from(go.skipped().is_none());
                assert_eq!(dispatch.rows(DISPATCH).count(), 4 + ran);
                assert_eq!(tiny.rows(TINY_JOBS).count(), 3 + 2 * ran);
                let (dispatch, tiny) = (dispatch.markdown(), tiny.markdown());
                if ran == 1 {
                    assert!(dispatch.contains("| Go pool: jobs + results channels | 2 |"));
                    assert!(tiny.contains("| Go pool, chunks of 100 | 2 |"));
                }
                // Every Go cell is a figure when Go ran, and says SKIPPED when it is not installed.
                let skipped = go.skipped().is_some();
                assert_eq!(dispatch.contains(SKIPPED), skipped, "{dispatch}");
                assert_eq!(tiny.contains(SKIPPED), skipped, "{tiny}");
            },
        );
    }
}
