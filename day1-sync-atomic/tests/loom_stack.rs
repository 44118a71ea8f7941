//! Loom model of the Treiber stack's CAS protocol (`stack::s1_leaky`, built on the crate's
//! `sync` shim): every interleaving of 2–3 threads pushing and popping is explored; every
//! element is popped exactly once, dropped exactly once, and no node leaks (loom tracks them).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day1-sync-atomic --test loom_stack`
#![cfg(loom)]

use day1_sync_atomic::stack::s1_leaky::LeakyStack;
use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::Relaxed;
use loom::thread;

/// An element that counts its drops in a loom atomic, so a double drop or a leak is visible.
struct Counted {
    value: u32,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        // Relaxed: the total is read only after every thread was joined.
        self.drops.fetch_add(1, Relaxed);
    }
}

fn counted(value: u32, drops: &Arc<AtomicUsize>) -> Counted {
    Counted {
        value,
        drops: drops.clone(),
    }
}

/// Two threads each push one element and pop one: both pops succeed (each thread's own push
/// precedes its pop), and together they return both elements.
#[test]
fn two_threads_push_then_pop() {
    loom::model(|| {
        let stack = Arc::new(LeakyStack::new());
        let drops = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|t| {
                let (stack, drops) = (stack.clone(), drops.clone());
                thread::spawn(move || {
                    stack.push(counted(t, &drops));
                    stack.pop().expect("this thread pushed first").value
                })
            })
            .collect();
        let mut got: Vec<u32> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
        assert!(stack.is_empty());
        drop(stack);
        // Relaxed: every thread has been joined.
        assert_eq!(drops.load(Relaxed), 2, "each element dropped exactly once");
    });
}

/// Two pushers and one popper racing: whatever the popper gets is never duplicated or lost —
/// the popped elements plus what is left on the stack are exactly {1, 2, 3}, and dropping the
/// stack drops the rest exactly once.
#[test]
fn two_pushers_one_popper_conserve_elements() {
    loom::model(|| {
        let stack = Arc::new(LeakyStack::new());
        let drops = Arc::new(AtomicUsize::new(0));
        let pushers: Vec<_> = [&[1, 2][..], &[3]]
            .into_iter()
            .map(|values| {
                let (stack, drops) = (stack.clone(), drops.clone());
                thread::spawn(move || {
                    for &v in values {
                        stack.push(counted(v, &drops));
                    }
                })
            })
            .collect();
        let popper = {
            let stack = stack.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                for _ in 0..2 {
                    if let Some(c) = stack.pop() {
                        got.push(c.value);
                    }
                }
                got
            })
        };
        for p in pushers {
            p.join().unwrap();
        }
        let mut all = popper.join().unwrap();
        while let Some(c) = stack.pop() {
            all.push(c.value);
        }
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3]);
        // Relaxed: every thread has been joined.
        assert_eq!(drops.load(Relaxed), 3, "popped elements dropped once each");
    });
}

/// Elements left on the stack are dropped by the stack's `Drop`, exactly once, and pushes from
/// one thread come out in LIFO order even while another thread pops.
#[test]
fn drop_frees_what_is_left() {
    loom::model(|| {
        let stack = Arc::new(LeakyStack::new());
        let drops = Arc::new(AtomicUsize::new(0));
        let pusher = {
            let (stack, drops) = (stack.clone(), drops.clone());
            thread::spawn(move || {
                stack.push(counted(1, &drops));
                stack.push(counted(2, &drops));
            })
        };
        let popped = stack.pop().map(|c| c.value);
        pusher.join().unwrap();
        // Whatever we popped (nothing, 1 before 2 was pushed, or 2), the rest is still LIFO.
        let rest: Vec<u32> = std::iter::from_fn(|| stack.pop().map(|c| c.value))
            .take(1)
            .collect();
        match popped {
            None => assert_eq!(rest, [2]),
            Some(1) => assert_eq!(rest, [2]),
            Some(2) => assert_eq!(rest, [1]),
            Some(other) => panic!("popped {other}, which was never pushed"),
        }
        drop(stack);
        // Relaxed: every thread has been joined.
        assert_eq!(
            drops.load(Relaxed),
            2,
            "Drop released the element left behind"
        );
    });
}
