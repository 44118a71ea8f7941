//! Criterion: counting from 1, 2 and 4 threads with a `Mutex<i64>`, one `AtomicI64`, and
//! per-thread counters with and without cache padding. One iteration is one increment.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use day1_sync_atomic::counter::CounterKind;

fn counters(c: &mut Criterion) {
    let mut group = c.benchmark_group("counter");
    group.throughput(Throughput::Elements(1));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for kind in CounterKind::ALL {
        for threads in [1, 2, 4] {
            group.bench_with_input(
                BenchmarkId::new(kind.name(), threads),
                &threads,
                |b, &threads| {
                    b.iter_custom(|iters| kind.run(threads, iters.div_ceil(threads as u64)).1.wall);
                },
            );
        }
    }
    group.finish();
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    counters(&mut c);
    c.final_summary();
}
