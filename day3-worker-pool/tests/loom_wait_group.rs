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

/// Two waiters (Go allows any number of goroutines in `wg.Wait()`), and a worker whose token is the
/// last one. When the count reaches 0 every waiter must wake: a `notify_one` wakes one and leaves
/// the other asleep forever, which loom reports as a deadlock. The shim's `Condvar` wakes each
/// waiter's first wait spuriously, as std's may: a wait guarded by `if` instead of `while` returns
/// while the worker still holds its token, and the assertion below sees its write missing.
#[test]
fn two_waiters_both_wake_once_every_token_is_dropped() {
    loom::model(|| {
        let wg = WaitGroup::new();
        let worker_token = wg.clone();
        let second_waiter = wg.clone();
        let done = Arc::new(AtomicUsize::new(0));
        let worker = {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                done.store(1, Relaxed);
                drop(worker_token); // Go: wg.Done()
            })
        };
        let waiter = {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                second_waiter.wait();
                done.load(Relaxed)
            })
        };
        wg.wait();
        assert_eq!(
            done.load(Relaxed),
            1,
            "the first waiter returned from wait() before the worker dropped its token \
             (a wake-up taken for `count == 0` without checking the count again?)"
        );
        assert_eq!(
            waiter.join().unwrap(),
            1,
            "the second waiter returned from wait() before the worker dropped its token \
             (a wake-up taken for `count == 0` without checking the count again?)"
        );
        worker.join().unwrap();
    });
}
