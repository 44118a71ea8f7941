//! Criterion: push+pop rounds on the epoch Treiber stack, `std::sync::Mutex<Vec>` and
//! `parking_lot::Mutex<Vec>` from 1 and 2 threads. One iteration is one push and one pop.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use day1_sync_atomic::stack::throughput::StackKind;

fn stacks(c: &mut Criterion) {
    let mut group = c.benchmark_group("stack_push_pop");
    group.throughput(Throughput::Elements(1));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for kind in StackKind::ALL {
        for threads in [1, 2] {
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
    stacks(&mut c);
    c.final_summary();
}
