//! One test per item of Monday's checklist (`journal/checklist.md`, section `day1-sync-atomic`).

use std::ops::ControlFlow;
use std::sync::Barrier;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;

use day1_sync_atomic::atomic_counter::count_with_atomic;
use day1_sync_atomic::cache::Cache;
use day1_sync_atomic::counter::CounterKind;
use day1_sync_atomic::measured::maps;
use day1_sync_atomic::read_heavy::{ReadHeavyConfig, run_read_heavy};
use day1_sync_atomic::stack::Stack;
use day1_sync_atomic::stack::s1_leaky::LeakyStack;
use labkit::go::GoRows;
use labkit::si;

/// Use `sync.Map` for a concurrent cache: `Store`, `Load`, `LoadOrStore`, `Delete`, `Range`.
#[test]
fn sync_map_cache_store_load_load_or_store_delete_range() {
    let cache: Cache<u64, String> = Cache::new();
    let computed = AtomicI64::new(0);
    // Four threads ask for the same 100 keys; each value is computed at most once per racing miss,
    // and every caller sees one value per key.
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                barrier.wait();
                for k in 0..100 {
                    let v = cache.get_or_compute(k, |k| {
                        // Relaxed: a statistic read after the scope joins.
                        computed.fetch_add(1, Relaxed);
                        format!("v{k}")
                    });
                    assert_eq!(v, format!("v{k}"));
                }
            });
        }
    });
    let stats = cache.stats();
    assert_eq!(stats.hits + stats.misses, 400);
    assert_eq!(stats.misses, computed.load(Relaxed) as u64);
    assert_eq!(
        stats.misses - stats.lost_races,
        100,
        "exactly one stored value per key"
    );

    let m = cache.map();
    // Store (returns the replaced value, Go's Swap) and Load.
    assert_eq!(m.store(7, "seven".into()), Some("v7".into()));
    assert_eq!(m.load(&7).as_deref(), Some("seven"));
    assert_eq!(m.load(&1_000), None);
    // LoadOrStore: loaded=true keeps the old value; loaded=false stores the new one.
    assert_eq!(m.load_or_store(7, "x".into()), ("seven".into(), true));
    assert_eq!(m.load_or_store(1_000, "new".into()), ("new".into(), false));
    // Delete (Go's LoadAndDelete) and the cache's invalidate.
    assert_eq!(m.delete(&1_000).as_deref(), Some("new"));
    assert_eq!(m.delete(&1_000), None);
    assert_eq!(cache.invalidate(&7).as_deref(), Some("seven"));
    assert_eq!(cache.get_or_compute(7, |_| "again".into()), "again");
    // Range visits every entry once, and stops early on Break.
    let mut seen = Vec::new();
    let walked = m.range(|k, _| {
        seen.push(*k);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(walked, ControlFlow::Continue(()));
    seen.sort_unstable();
    assert_eq!(seen, (0..100).collect::<Vec<_>>());
    let mut visits = 0;
    assert_eq!(
        m.range(|_, _| {
            visits += 1;
            if visits == 10 {
                ControlFlow::Break(visits)
            } else {
                ControlFlow::Continue(())
            }
        }),
        ControlFlow::Break(10)
    );
    assert_eq!(m.len(), 100);
}

/// Benchmark `sync.Map` vs a `map` + `sync.RWMutex` for a read-heavy workload (90/10).
///
/// Checks the harness, not the speed: every contender runs at every cell, every read hits, the
/// read share is about 90 %, and the pivoted table (no Go asked for, as in the tour) has one row
/// per key space and thread count, one ops/s column per contender and the ratio
/// `ConcurrentMap × RwLock<HashMap>`.
#[test]
fn read_heavy_benchmark_runs_every_contender() {
    let cfg = ReadHeavyConfig {
        threads: vec![1, 2],
        key_spaces: vec![1_000],
        ops_per_thread: if cfg!(debug_assertions) {
            5_000
        } else {
            50_000
        },
        runs: 1,
    };
    let rows = run_read_heavy(&cfg);
    let names = [
        "Mutex<HashMap>",
        "RwLock<HashMap>",
        "ConcurrentMap (this crate)",
        "dashmap",
        "papaya",
    ];
    assert_eq!(rows.len(), names.len() * 2);
    for threads in [1, 2] {
        let at: Vec<_> = rows.iter().filter(|r| r.threads == threads).collect();
        assert_eq!(at.iter().map(|r| r.map).collect::<Vec<_>>(), names);
        for r in at {
            assert_eq!(
                r.median.ops(),
                (threads * cfg.ops_per_thread) as u64,
                "{}",
                r.map
            );
            assert_eq!(
                r.median.hits, r.median.reads,
                "{}: every key is present",
                r.map
            );
            let read_share = r.median.reads as f64 / r.median.ops() as f64;
            assert!(
                (0.85..0.95).contains(&read_share),
                "{}: read share {read_share}",
                r.map
            );
            assert!(r.ops_per_second() > 0.0);
        }
    }
    let measured = maps(&cfg, &rows, &GoRows::default());
    let table = measured.grid(measured.tables().next().expect("the maps' table"));
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let mut header = vec!["keys", "threads"];
    header.extend(names);
    header.extend([
        "ConcurrentMap × RwLock<HashMap>",
        "cores busy, Rust (least)",
    ]);
    assert_eq!(lines[0], header, "{table}");
    assert_eq!(
        lines.len(),
        2 + 2,
        "header, `---` line, one row per thread count: {table}"
    );
    for (line, threads) in lines[2..].iter().zip([1, 2]) {
        let at: Vec<_> = rows.iter().filter(|r| r.threads == threads).collect();
        let rate = |name: &str| {
            at.iter()
                .find(|r| r.map == name)
                .map_or(f64::NAN, |r| r.ops_per_second())
        };
        let mut want = vec!["1000".to_owned(), threads.to_string()];
        want.extend(names.map(|name| si(rate(name))));
        want.push(format!(
            "{:.2}",
            rate("ConcurrentMap (this crate)") / rate("RwLock<HashMap>")
        ));
        assert_eq!(line[..want.len()], want, "{table}");
        assert_eq!(line.len(), header.len(), "{table}");
    }
}

/// Use `sync/atomic`: increment a counter with `atomic.AddInt64`, load with `atomic.LoadInt64`.
#[test]
fn atomic_counter_add_and_load_is_exact() {
    const THREADS: usize = 4;
    // Enough work per thread that the threads overlap even when the machine is busy.
    const PER_THREAD: u64 = if cfg!(debug_assertions) {
        250_000
    } else {
        1_000_000
    };
    // The course's counter, the lab's exercise (`loom_counter` checks it under every
    // interleaving; this checks it at full size).
    let count = count_with_atomic(THREADS, PER_THREAD);
    assert_eq!(
        count,
        (THREADS as u64 * PER_THREAD) as i64,
        "{THREADS} threads × {PER_THREAD} increments: an increment was lost, or the count was \
         read before every thread was joined"
    );

    // The measured counter (`CounterKind::Atomic`): its threads start together at a barrier after a
    // warm-up, so on more than one core their increments overlap. A read-then-write increment
    // (`store(load() + 1)`) loses updates here; `fetch_add` never does.
    let (count, _) = CounterKind::Atomic.run(THREADS, PER_THREAD);
    assert_eq!(count, (THREADS as u64 * PER_THREAD) as i64);

    // Every counting strategy of the benchmark is exact too.
    for kind in CounterKind::ALL {
        assert_eq!(kind.run(3, 10_000).0, 30_000, "{}", kind.name());
    }
}

/// Implement a lock-free stack using `atomic.CompareAndSwapPointer` / `atomic.Pointer[T]`.
#[test]
fn lock_free_stack_push_pop_with_compare_exchange() {
    fn shared<T: Send + Sync>() {}
    // Send + Sync with an element that is Send but not Sync.
    shared::<Stack<std::cell::Cell<u8>>>();
    shared::<LeakyStack<std::cell::Cell<u8>>>();

    // LIFO order, single thread, both steps.
    let epoch = Stack::new();
    let leaky = LeakyStack::new();
    assert!(epoch.is_empty() && leaky.is_empty());
    for i in 0..10 {
        epoch.push(i);
        leaky.push(i);
    }
    assert!(!epoch.is_empty() && !leaky.is_empty());
    for i in (0..10).rev() {
        assert_eq!(epoch.pop(), Some(i));
        assert_eq!(leaky.pop(), Some(i));
    }
    assert_eq!(epoch.pop(), None);
    assert_eq!(leaky.pop(), None);

    // Concurrent: two pushers, two poppers; every element comes out exactly once.
    let n: u64 = if cfg!(debug_assertions) {
        20_000
    } else {
        200_000
    };
    let stack = Stack::new();
    let mut popped: Vec<u64> = thread::scope(|s| {
        for t in 0..2 {
            let stack = &stack;
            s.spawn(move || (t * n..(t + 1) * n).for_each(|v| stack.push(v)));
        }
        let poppers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut got = Vec::new();
                    while (got.len() as u64) < n {
                        if let Some(v) = stack.pop() {
                            got.push(v);
                        }
                    }
                    got
                })
            })
            .collect();
        poppers
            .into_iter()
            .flat_map(|p| p.join().expect("popper panicked"))
            .collect()
    });
    assert!(stack.is_empty());
    popped.sort_unstable();
    assert_eq!(popped, (0..2 * n).collect::<Vec<_>>());
}

/// Every public type of `std::sync`, `std::sync::mpsc` and `std::sync::atomic` on stable Rust
/// (1.88 to 1.95). Unstable ones (`ReentrantLock`, `Exclusive`, `mpmc`, the mapped guards, the
/// generic `Atomic<T>`) are left out; add them here when they stabilize.
const STD_SYNC_TYPES: &[&str] = &[
    // std::sync
    "Arc",
    "Weak",
    "Mutex",
    "MutexGuard",
    "RwLock",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Condvar",
    "WaitTimeoutResult",
    "Barrier",
    "BarrierWaitResult",
    "Once",
    "OnceState",
    "OnceLock",
    "LazyLock",
    "PoisonError",
    "TryLockError",
    "LockResult",
    "TryLockResult",
    // std::sync::mpsc
    "Sender",
    "SyncSender",
    "Receiver",
    "Iter",
    "TryIter",
    "IntoIter",
    "SendError",
    "TrySendError",
    "RecvError",
    "TryRecvError",
    "RecvTimeoutError",
    // std::sync::atomic
    "AtomicBool",
    "AtomicI8",
    "AtomicI16",
    "AtomicI32",
    "AtomicI64",
    "AtomicIsize",
    "AtomicU8",
    "AtomicU16",
    "AtomicU32",
    "AtomicU64",
    "AtomicUsize",
    "AtomicPtr",
    "Ordering",
];

/// Read the `sync` package docs — skim every exported type: the journal's tour names them all.
#[test]
fn std_sync_tour_names_every_public_type() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../journal/day1-sync-atomic.md"
    );
    let page = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let start = page
        .find("### The std::sync tour")
        .expect("the journal has a std::sync tour heading");
    let body = &page[start + "### The std::sync tour".len()..];
    let section = &body[..body.find("\n#").unwrap_or(body.len())];
    let names_word = |name: &str| {
        section.match_indices(name).any(|(i, _)| {
            let before = section[..i].chars().next_back();
            let after = section[i + name.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
    };
    let missing: Vec<&str> = STD_SYNC_TYPES
        .iter()
        .copied()
        .filter(|n| !names_word(n))
        .collect();
    assert!(
        missing.is_empty(),
        "the std::sync tour does not mention: {missing:?}"
    );
    let lines = section
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .count();
    assert!(
        lines >= 20,
        "one line per type (or group): found {lines} list lines"
    );
}
