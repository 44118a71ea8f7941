//! Per-job dispatch cost, and batched submit for tiny jobs (`cargo bench -p day3-worker-pool`).
//!
//! - `dispatch/trivial`: jobs that do nothing — the pool fed by `submit_all` (which queues up to
//!   `SUBMIT_GROUP` jobs under one lock) and by one `submit` call per job, the lesson's pool (its
//!   bounded channels, one `submit` per job), against rayon's `scope.spawn`. Criterion's elements/s is the inverse of the per-job overhead.
//! - `tiny_jobs`: a million ~50 ns jobs — a sequential loop, the pool with chunked submit, and
//!   rayon's `par_iter`, all on 2 threads. Target: batched ≥ 1.5× the sequential loop on 2 cores.
//!
//! In a debug build (`cargo test --benches` runs each body once) the inputs shrink 100×.

// `criterion_group!` generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use day2_context::Context;
use day3_worker_pool::Pool;
use day3_worker_pool::overhead::{
    lesson_pool, lesson_trivial, pool_batched, pool_trivial, pool_trivial_each, rayon_par_iter,
    rayon_scope_trivial, sequential, tiny_job,
};

const SHRINK: u64 = if cfg!(debug_assertions) { 100 } else { 1 };
const TRIVIAL_JOBS: u64 = 10_000 / SHRINK;
const TINY_JOBS: u64 = 1_000_000 / SHRINK;
const CHUNK: usize = 16 * 1024;
const THREADS: usize = 2;

fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("building a rayon pool")
}

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch/trivial");
    group.throughput(Throughput::Elements(TRIVIAL_JOBS));
    let mut pool = Pool::new(&Context::background(), THREADS, |_: &Context, x: u64| x);
    group.bench_function("day3 Pool submit_all", |b| {
        b.iter(|| pool_trivial(&mut pool, black_box(TRIVIAL_JOBS)));
    });
    group.bench_function("day3 Pool submit loop", |b| {
        b.iter(|| pool_trivial_each(&mut pool, black_box(TRIVIAL_JOBS)));
    });
    let mut lesson = lesson_pool(THREADS, TRIVIAL_JOBS);
    group.bench_function("lesson Pool submit loop", |b| {
        b.iter(|| lesson_trivial(&mut lesson, black_box(TRIVIAL_JOBS)));
    });
    let rayon = rayon_pool();
    group.bench_function("rayon scope.spawn", |b| {
        b.iter(|| rayon_scope_trivial(&rayon, black_box(TRIVIAL_JOBS)));
    });
    group.finish();
}

fn tiny_jobs(c: &mut Criterion) {
    let mut group = c.benchmark_group("tiny_jobs");
    group.throughput(Throughput::Elements(TINY_JOBS));
    group.bench_function("sequential loop", |b| {
        b.iter(|| sequential(black_box(TINY_JOBS)));
    });
    let mut pool = Pool::batched(&Context::background(), THREADS, |_: &Context, i: u64| {
        tiny_job(i)
    });
    group.bench_function("day3 Pool batched", |b| {
        b.iter(|| pool_batched(&mut pool, black_box(TINY_JOBS), CHUNK));
    });
    let rayon = rayon_pool();
    group.bench_function("rayon par_iter", |b| {
        b.iter(|| rayon_par_iter(&rayon, black_box(TINY_JOBS)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = dispatch, tiny_jobs
}
criterion_main!(benches);
