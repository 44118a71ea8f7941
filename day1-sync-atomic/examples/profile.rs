//! CPU profile of day 1's hot paths: the concurrent map under a read-heavy mix and the epoch
//! stack's push / pop, each on every core at once.
//!
//! ```text
//! cargo xtask profile day1-sync-atomic [-- map|stack]
//! ```
//!
//! Go: `go test -bench . -cpuprofile cpu.out` over the same benchmarks, then `go tool pprof`.

use labkit::profile as sampler;

use std::hint::black_box;
use std::thread;

use day1_sync_atomic::map::ConcurrentMap;
use day1_sync_atomic::stack::Stack;

/// Operations per thread per round.
const OPS: u64 = 200_000;
/// Keys of the map: a working set that fits the cache, so the profile shows locking, not misses.
const KEYS: u64 = 4096;

/// The 90 % read / 10 % write mix of the read-heavy benchmark on `map`, from thread `t`.
fn map_round(map: &ConcurrentMap<u64, u64>, t: u64) {
    for i in 0..OPS {
        let key = (i * 0x9E37_79B9 + t) % KEYS;
        if i % 10 == 0 {
            map.store(key, i);
        } else {
            black_box(map.load(&key));
        }
    }
}

/// Pushes and pops on the shared `stack`, from every thread.
fn stack_round(stack: &Stack<u64>) {
    for i in 0..OPS {
        stack.push(i);
        black_box(stack.pop());
    }
}

fn main() -> std::io::Result<()> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "both".into());
    let (map_on, stack_on) = match which.as_str() {
        "map" => (true, false),
        "stack" => (false, true),
        "both" => (true, true),
        other => {
            return Err(std::io::Error::other(format!(
                "{other:?}: profile `map`, `stack` or (default) `both`"
            )));
        }
    };
    let threads = thread::available_parallelism().map_or(2, usize::from) as u64;
    let map = ConcurrentMap::new();
    for k in 0..KEYS {
        map.store(k, k);
    }
    let stack = Stack::new();
    let what = format!("day 1 ({which}) on {threads} threads");
    sampler::profile(&what, || {
        thread::scope(|s| {
            for t in 0..threads {
                let (map, stack) = (&map, &stack);
                s.spawn(move || {
                    if map_on {
                        map_round(map, t);
                    }
                    if stack_on {
                        stack_round(stack);
                    }
                });
            }
        });
    })
}
