//! The small version of Monday: threads count with an atomic and fill a locked map together.
//! Its Go twin is `main.go` in this folder (`go run ./small` in `day1-sync-atomic/go`); both print
//! exactly the same lines.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Mutex;
use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;

fn main() {
    const WORKERS: u64 = 4;
    const PER_WORKER: u64 = 1000;
    const KEYS: u64 = 100;

    let ops = AtomicI64::new(0); // every operation, counted with fetch_add
    let first_stores = AtomicI64::new(0); // insertions that found their key missing
    let squares = Mutex::new(HashMap::new()); // n → n*n; the lock owns the map

    thread::scope(|s| {
        for w in 0..WORKERS {
            let (ops, first_stores, squares) = (&ops, &first_stores, &squares);
            s.spawn(move || {
                for i in 0..PER_WORKER {
                    let n = (w + i) % KEYS; // the threads ask for the same keys
                    if let Entry::Vacant(slot) = squares.lock().unwrap().entry(n) {
                        slot.insert(n * n);
                        // Relaxed: a count publishes nothing; the scope's join orders it before
                        // the loads below.
                        first_stores.fetch_add(1, Relaxed);
                    }
                    // Relaxed: as above.
                    ops.fetch_add(1, Relaxed);
                }
            });
        }
    }); // the scope joins every thread: all their writes are visible from here on

    let squares = squares.into_inner().unwrap();
    let (count, sum) = (squares.len(), squares.values().sum::<u64>());
    // Relaxed: after the join (see above).
    let (total, first) = (ops.load(Relaxed), first_stores.load(Relaxed));
    println!("operations: {total}");
    println!(
        "first stores: {first} (the other {} found the key already there)",
        total - first
    );
    println!("keys: {count}, sum of values: {sum}");
}
