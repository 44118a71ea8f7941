//! Runs Monday's experiments with short narration: the concurrent map and cache, the 90/10
//! benchmark, atomic counters, and the two Treiber stacks. `--quick` shortens every measurement.

use std::ops::ControlFlow;
use std::thread;

use clap::Parser;
use day1_sync_atomic::atomic_counter;
use day1_sync_atomic::cache::Cache;
use day1_sync_atomic::counter::{CounterConfig, run_counters};
use day1_sync_atomic::measured;
use day1_sync_atomic::read_heavy::{ReadHeavyConfig, run_read_heavy};
use day1_sync_atomic::stack::Stack;
use day1_sync_atomic::stack::s1_leaky::LeakyStack;
use day1_sync_atomic::stack::throughput::{StackConfig, run_stacks};
use labkit::go::GoRows;
use labkit::rows::Rows;

/// mimalloc, for the Treiber stack's cross-thread frees: see `stack::s2_epoch`'s module docs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Steps of the Collatz sequence from `n` down to 1: a computation worth caching.
fn collatz_steps(mut n: u64) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

/// Monday of week 6: sync.Map, sync/atomic and a lock-free stack, narrated and measured.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Shorter measurements (a few seconds in release; what `cargo xtask tour` runs).
    #[arg(long)]
    quick: bool,
}

fn main() {
    let Args { quick } = Args::parse();

    println!("# Monday: sync.Map, sync/atomic, a lock-free stack\n");

    println!("## 1. sync.Map → ConcurrentMap, and a cache on top\n");
    let cache = Cache::new();
    thread::scope(|s| {
        for t in 0..4u64 {
            let cache = &cache;
            // Four threads walk overlapping ranges, so most lookups hit what another thread stored.
            s.spawn(move || {
                for n in 1 + t * 500..=3_000 + t * 500 {
                    cache.get_or_compute(n, |&n| collatz_steps(n));
                }
            });
        }
    });
    let stats = cache.stats();
    println!(
        "4 threads asked for 12 000 Collatz lengths over 4 500 distinct numbers: {} hits, {} misses, \
         {} computed twice because two threads missed at once (LoadOrStore kept the first).",
        stats.hits, stats.misses, stats.lost_races
    );
    let longest = cache.map().range(|n, steps| {
        if *steps > 180 {
            ControlFlow::Break((*n, *steps))
        } else {
            ControlFlow::Continue(())
        }
    });
    println!("range with early stop: first entry over 180 steps found: {longest:?}");
    println!(
        "delete(27) → {:?}; load(27) → {:?}\n",
        cache.invalidate(&27),
        cache.map().load(&27)
    );

    println!("## 2. 90 % reads / 10 % writes (Go: sync.Map vs map + RWMutex)\n");
    println!(
        "The key streams are precomputed; workers warm up in their own threads and start on a"
    );
    println!(
        "barrier. Compare the `ConcurrentMap × RwLock<HashMap>` column (its rate over the lock's:"
    );
    println!(
        "above 1 is faster) at 2 threads, and check that *cores busy* is near 2. The tour runs no"
    );
    println!(
        "Go; `cargo run --release -p day1-sync-atomic --example day1-measure` adds Go's columns.\n"
    );
    let cfg = if quick {
        ReadHeavyConfig::quick()
    } else {
        ReadHeavyConfig::full()
    };
    // No Go asked for: the day's tables with the Rust columns alone.
    let no_go = GoRows::default();
    println!(
        "{}",
        grid(&measured::maps(&cfg, &run_read_heavy(&cfg), &no_go))
    );

    println!("## 3. sync/atomic → AtomicI64\n");
    let count = atomic_counter::count_with_atomic(4, 250_000);
    println!("4 threads × 250 000 fetch_add(1, Relaxed), then load: {count} (exactly 1 000 000).");
    println!(
        "One shared counter's cache line ping-pongs between cores; per-thread padded ones do not:\n"
    );
    let cfg = if quick {
        CounterConfig::quick()
    } else {
        CounterConfig::full()
    };
    println!(
        "{}",
        grid(&measured::counters(&cfg, &run_counters(&cfg), &no_go))
    );

    println!("## 4. A lock-free (Treiber) stack\n");
    let leaky = LeakyStack::new();
    for i in 0..100_000u64 {
        leaky.push(i);
        leaky.pop();
    }
    println!(
        "Step 1 (s1_leaky): 100 000 push+pop rounds, and every popped node ({} bytes) is still",
        LeakyStack::<u64>::NODE_BYTES
    );
    println!(
        "allocated — {} KiB — because pop cannot know whether another thread still reads it.",
        100_000 * LeakyStack::<u64>::NODE_BYTES / 1024
    );
    drop(leaky);
    let stack = Stack::new();
    let popped: u64 = thread::scope(|s| {
        let workers: Vec<_> = (0..2u64)
            .map(|t| {
                let stack = &stack;
                s.spawn(move || {
                    let mut sum = 0;
                    for i in 0..100_000 {
                        stack.push(t * 100_000 + i);
                        sum += stack.pop().expect("this thread's push precedes its pop");
                    }
                    sum
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("stack worker panicked"))
            .sum()
    });
    println!(
        "Step 2 (s2_epoch): 2 threads × 100 000 rounds; popped values sum to {popped} (expected {}),",
        (0..200_000u64).sum::<u64>()
    );
    println!("and popped nodes are freed by crossbeam-epoch once no pinned thread can see them.\n");
    let cfg = if quick {
        StackConfig::quick()
    } else {
        StackConfig::full()
    };
    println!(
        "{}",
        grid(&measured::stacks(&cfg, &run_stacks(&cfg), &no_go))
    );

    println!("## 5. -race\n");
    println!(
        "`cargo xtask race` runs these tests under ThreadSanitizer, `cargo xtask miri` runs the"
    );
    println!(
        "stacks' and the map's under Miri, and `tests/loom_stack.rs` checks every interleaving of"
    );
    println!(
        "both stacks with loom — the epoch one with crossbeam-epoch on loom too (`cargo xtask loom`)."
    );
}

/// The grids of `rows`' tables (the tour's: no Go asked for, so the Rust columns alone).
fn grid(rows: &Rows) -> String {
    rows.tables().map(|t| rows.grid(t)).collect()
}
