//! Criterion benches for day 4: the CPU-bound comparison (sequential, rayon, thread pipeline,
//! tokio pipeline), the trivial stage with and without batching, and channel capacity.
//!
//! Targets (read them off `cargo bench -p day4-pipeline`, on 2 cores):
//! - `cpu_bound/pipeline_fan_out` ≥ 1.8× `cpu_bound/sequential`, within 15% of `cpu_bound/rayon_par_iter`;
//! - `trivial_three_stage/batch_64` ≥ 10× cheaper per item than `trivial_three_stage/unbatched`.
//!
//! `cargo test --benches` runs each body once (criterion's test mode) in a few seconds.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use day4_pipeline::compare::{
    Job, Shape, rayon_par_bridge, rayon_par_iter, sequential, thread_pipeline, tokio_pipeline,
    tokio_runtime, trivial_batched, trivial_unbatched,
};
use day4_pipeline::report::{BATCH, CAPACITIES, CPU_BATCH, cores};
use tokio_util::sync::CancellationToken;

const JOB: Job = Job {
    items: 20_000,
    rounds: 400,
};
const TRIVIAL_ITEMS: u64 = 100_000;

fn cpu_bound(c: &mut Criterion) {
    let w = cores();
    let shape = Shape {
        workers: w,
        capacity: 64,
        batch: CPU_BATCH,
    };
    let rt = tokio_runtime(w);
    let mut g = c.benchmark_group("cpu_bound");
    g.throughput(Throughput::Elements(JOB.items))
        .sample_size(10);
    g.bench_function("sequential", |b| b.iter(|| sequential(black_box(JOB))));
    g.bench_function("rayon_par_iter", |b| {
        b.iter(|| rayon_par_iter(black_box(JOB)));
    });
    g.bench_function("rayon_par_bridge", |b| {
        b.iter(|| rayon_par_bridge(black_box(JOB)));
    });
    g.bench_function("pipeline_fan_out", |b| {
        b.iter(|| thread_pipeline(black_box(JOB), shape).unwrap());
    });
    g.bench_function("tokio_pipeline", |b| {
        b.iter(|| {
            rt.block_on(tokio_pipeline(
                black_box(JOB),
                shape,
                CancellationToken::new(),
            ))
            .unwrap()
        });
    });
    g.finish();
}

fn trivial_three_stage(c: &mut Criterion) {
    let mut g = c.benchmark_group("trivial_three_stage");
    g.throughput(Throughput::Elements(TRIVIAL_ITEMS))
        .sample_size(10);
    g.bench_function("unbatched", |b| {
        b.iter(|| trivial_unbatched(black_box(TRIVIAL_ITEMS), 64).unwrap());
    });
    g.bench_function("batch_64", |b| {
        b.iter(|| trivial_batched(black_box(TRIVIAL_ITEMS), 64, BATCH).unwrap());
    });
    g.finish();
}

fn capacity(c: &mut Criterion) {
    let mut g = c.benchmark_group("capacity");
    g.sample_size(10);
    for cap in CAPACITIES {
        // Below 64 every unbatched item is a thread wake-up: fewer items, same per-item figure.
        let n = if cap < 64 {
            TRIVIAL_ITEMS / 20
        } else {
            TRIVIAL_ITEMS
        };
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("unbatched", cap), &cap, |b, &cap| {
            b.iter(|| trivial_unbatched(black_box(n), cap).unwrap());
        });
        g.throughput(Throughput::Elements(TRIVIAL_ITEMS));
        g.bench_with_input(BenchmarkId::new("batch_64", cap), &cap, |b, &cap| {
            b.iter(|| trivial_batched(black_box(TRIVIAL_ITEMS), cap, BATCH).unwrap());
        });
    }
    g.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    cpu_bound(&mut c);
    trivial_three_stage(&mut c);
    capacity(&mut c);
    c.final_summary();
}
