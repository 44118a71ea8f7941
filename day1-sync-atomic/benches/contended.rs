//! Criterion: the contended experiments, one iteration per operation, timed by the experiment's
//! own threads (`iter_custom`: workers warm up and start together, the wall time is returned).
//!
//! - `counter`: counting from 1, 2 and 4 threads with a `Mutex<i64>`, one `AtomicI64`, and
//!   per-thread counters with and without cache padding. One iteration is one increment.
//! - `stack_push_pop`: push+pop rounds on the epoch Treiber stack, `std::sync::Mutex<Vec>` and
//!   `parking_lot::Mutex<Vec>` from 1 and 2 threads. One iteration is one push and one pop.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use day1_sync_atomic::counter::CounterKind;
use day1_sync_atomic::stack::throughput::StackKind;

/// mimalloc, for the Treiber stack's cross-thread frees: see `stack::s2_epoch`'s module docs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One criterion group: every contender at every thread count; `wall(kind, threads, per_thread)`
/// runs `per_thread` operations on each of `threads` threads and returns the wall time.
fn group<K: Copy>(
    c: &mut Criterion,
    name: &str,
    kinds: &[K],
    threads: &[usize],
    label: impl Fn(K) -> &'static str,
    wall: impl Fn(K, usize, u64) -> Duration,
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for &kind in kinds {
        for &n in threads {
            group.bench_with_input(BenchmarkId::new(label(kind), n), &n, |b, &n| {
                b.iter_custom(|iters| wall(kind, n, iters.div_ceil(n as u64)));
            });
        }
    }
    group.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    group(
        &mut c,
        "counter",
        &CounterKind::ALL,
        &[1, 2, 4],
        CounterKind::name,
        |k, n, per| k.run(n, per).1.wall,
    );
    group(
        &mut c,
        "stack_push_pop",
        &StackKind::ALL,
        &[1, 2],
        StackKind::name,
        |k, n, per| k.run(n, per).1.wall,
    );
    c.final_summary();
}
