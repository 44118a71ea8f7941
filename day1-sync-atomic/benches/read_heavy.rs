//! Criterion: the 90 % read / 10 % write workload for every map, 1/2/4 threads, 1 000 and
//! 100 000 keys. One criterion iteration is one map operation (summed over threads).

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use day1_sync_atomic::map::ConcurrentMap;
use day1_sync_atomic::read_heavy::{ReadHeavyMap, key_stream, run_once};

/// mimalloc, for the Treiber stack's cross-thread frees: see `stack::s2_epoch`'s module docs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn contender<M: ReadHeavyMap>(c: &mut Criterion, key_space: u64, streams: &[Vec<u64>]) {
    let map = M::prefilled(key_space);
    let mut group = c.benchmark_group(format!("read_heavy_90_10/{key_space}_keys"));
    group.throughput(Throughput::Elements(1));
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for threads in [1, 2, 4] {
        group.bench_with_input(
            BenchmarkId::new(M::NAME, threads),
            &threads,
            |b, &threads| {
                b.iter_custom(|iters| {
                    let per_thread = (iters as usize).div_ceil(threads);
                    run_once(&map, &streams[..threads], per_thread).sample.wall
                });
            },
        );
    }
    group.finish();
}

fn read_heavy(c: &mut Criterion) {
    for key_space in [1_000, 100_000] {
        let streams: Vec<Vec<u64>> = (0..4).map(|t| key_stream(key_space, 0x5eed + t)).collect();
        contender::<Mutex<HashMap<u64, u64>>>(c, key_space, &streams);
        contender::<RwLock<HashMap<u64, u64>>>(c, key_space, &streams);
        contender::<ConcurrentMap<u64, u64>>(c, key_space, &streams);
        contender::<dashmap::DashMap<u64, u64>>(c, key_space, &streams);
        contender::<papaya::HashMap<u64, u64>>(c, key_space, &streams);
    }
}

fn main() {
    // What `criterion_group!`/`criterion_main!` expand to, minus an undocumented `pub fn`.
    let mut c = Criterion::default().configure_from_args();
    read_heavy(&mut c);
    c.final_summary();
}
