//! Loom model of the hand-written `WaitGroup` (`src/wait_group.rs`): `wait` returns only after
//! every token is dropped, and sees everything the token holders did first.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day3-worker-pool --test loom_wait_group`
#![cfg(loom)]

use day3_worker_pool::WaitGroup;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;

/// Go's `wg.Add(1); go f(); … wg.Wait()` with two workers. The workers' writes are Relaxed, so only
/// the WaitGroup's lock can make them visible to the waiter: loom would find a run where `wait`
/// returned early or without the happens-before edge.
#[test]
fn wait_sees_every_workers_writes() {
    loom::model(|| {
        let wg = WaitGroup::new();
        let done = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (token, done) = (wg.clone(), Arc::clone(&done));
                thread::spawn(move || {
                    done.fetch_add(1, Relaxed);
                    drop(token); // Go: wg.Done()
                })
            })
            .collect();
        wg.wait();
        assert_eq!(done.load(Relaxed), 2);
        for w in workers {
            w.join().unwrap();
        }
    });
}

/// The waiter on its own thread, a token cloned from another token, dropped last by main.
#[test]
fn wait_on_another_thread_waits_for_a_token_cloned_from_a_token() {
    loom::model(|| {
        let wg = WaitGroup::new();
        let first = wg.clone();
        let second = first.clone();
        let flag = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let flag = Arc::clone(&flag);
            thread::spawn(move || {
                wg.wait();
                flag.load(Relaxed)
            })
        };
        drop(first);
        flag.store(7, Relaxed);
        drop(second);
        assert_eq!(waiter.join().unwrap(), 7);
    });
}
