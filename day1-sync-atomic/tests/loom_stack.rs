//! Loom models of both Treiber stacks: every interleaving of two or three threads pushing and
//! popping is explored; every element is popped exactly once and dropped exactly once.
//!
//! Each model is written once, for any stack, and run on:
//!
//! - `stack::s1_leaky`, built on the crate's `sync` shim (loom's atomics and cells under
//!   `--cfg loom`): loom also checks that no node leaks and that every read of a node's cells is
//!   ordered after the write that published it;
//! - `stack::s2_epoch`, the stack the crate ships, unchanged: under `--cfg crossbeam_loom`
//!   crossbeam-epoch builds on loom itself (its atomics, thread-locals and collector), so the
//!   models explore the stack's own orderings together with the pinning and deferred frees.
//!
//! Run (release, own target dir):
//! `RUSTFLAGS="--cfg loom --cfg crossbeam_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p
//! day1-sync-atomic --test loom_stack --target-dir target/loom`. Without `--cfg crossbeam_loom`
//! only the step-1 models run.
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

/// What a model needs of a stack; both stacks have exactly these methods.
trait ModelStack: Send + Sync + 'static {
    fn new() -> Self;
    fn push(&self, value: Counted);
    fn pop(&self) -> Option<Counted>;
    fn is_empty(&self) -> bool;
}

/// Implements [`ModelStack`] by calling the stack's own inherent methods.
macro_rules! model_stack {
    ($stack:ty) => {
        impl ModelStack for $stack {
            fn new() -> Self {
                <$stack>::new()
            }
            fn push(&self, value: Counted) {
                <$stack>::push(self, value);
            }
            fn pop(&self) -> Option<Counted> {
                <$stack>::pop(self)
            }
            fn is_empty(&self) -> bool {
                <$stack>::is_empty(self)
            }
        }
    };
}

model_stack!(LeakyStack<Counted>);
#[cfg(crossbeam_loom)]
model_stack!(day1_sync_atomic::stack::Stack<Counted>);

/// Two threads each push one element and pop one: both pops succeed (each thread's own push
/// precedes its pop), together they return both elements, and each is dropped exactly once.
fn two_threads_push_then_pop<S: ModelStack>() {
    let stack = Arc::new(S::new());
    let drops = Arc::new(AtomicUsize::new(0));
    let other = {
        let (stack, drops) = (stack.clone(), drops.clone());
        thread::spawn(move || {
            stack.push(counted(1, &drops));
            stack.pop().expect("this thread pushed first").value
        })
    };
    stack.push(counted(0, &drops));
    let mine = stack.pop().expect("this thread pushed first").value;
    let mut got = [mine, other.join().unwrap()];
    got.sort_unstable();
    assert_eq!(got, [0, 1]);
    assert!(stack.is_empty());
    drop(stack);
    // Relaxed: the other thread has been joined.
    assert_eq!(drops.load(Relaxed), 2, "each element dropped exactly once");
}

/// Two pushers and one popper racing: whatever the popper gets is never duplicated or lost —
/// the popped elements plus what is left on the stack are exactly {1, 2, 3}, and dropping the
/// stack drops the rest exactly once.
fn two_pushers_one_popper_conserve_elements<S: ModelStack>() {
    let stack = Arc::new(S::new());
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
    let mut all = Vec::new();
    for _ in 0..2 {
        if let Some(c) = stack.pop() {
            all.push(c.value);
        }
    }
    for p in pushers {
        p.join().unwrap();
    }
    while let Some(c) = stack.pop() {
        all.push(c.value);
    }
    all.sort_unstable();
    assert_eq!(all, [1, 2, 3]);
    // Relaxed: every thread has been joined.
    assert_eq!(drops.load(Relaxed), 3, "popped elements dropped once each");
}

/// One thread pushes 1 then 2 while another pops once: whatever the pop saw (nothing, 1 before 2
/// was pushed, or 2), the rest comes out in LIFO order, and the stack's `Drop` drops what is left
/// exactly once.
fn pop_during_pushes_keeps_lifo_and_drop_frees_the_rest<S: ModelStack>() {
    let stack = Arc::new(S::new());
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
    let top = stack.pop().map(|c| c.value);
    match popped {
        None | Some(1) => assert_eq!(top, Some(2)),
        Some(2) => assert_eq!(top, Some(1)),
        Some(other) => panic!("popped {other}, which was never pushed"),
    }
    // One element is still on the stack unless the first pop took 1: `Drop` must release it.
    drop(stack);
    // Relaxed: the pusher has been joined.
    assert_eq!(drops.load(Relaxed), 2, "each element dropped exactly once");
}

/// A pop whose compare-exchange fails while two other threads push: the stack starts with 0, one
/// thread pushes 1 and another pushes 2 while this thread pops once. The pop's retry must use the
/// head its failed compare-exchange read (Acquire on failure) — a pop that reloads `head` with a
/// Relaxed load after the failure can see the second push's node without the edge that makes its
/// fields visible, and loom reports the read of `next` racing with the push that wrote it. Every
/// element comes out exactly once, whatever the interleaving.
fn pop_retries_while_two_threads_push<S: ModelStack>() {
    let stack = Arc::new(S::new());
    let drops = Arc::new(AtomicUsize::new(0));
    stack.push(counted(0, &drops));
    let pushers: Vec<_> = [1, 2]
        .into_iter()
        .map(|v| {
            let (stack, drops) = (stack.clone(), drops.clone());
            thread::spawn(move || stack.push(counted(v, &drops)))
        })
        .collect();
    let mut all: Vec<u32> = stack.pop().map(|c| c.value).into_iter().collect();
    for p in pushers {
        p.join().unwrap();
    }
    while let Some(c) = stack.pop() {
        all.push(c.value);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        [0, 1, 2],
        "every pushed element is popped exactly once"
    );
    // Relaxed: every thread has been joined.
    assert_eq!(drops.load(Relaxed), 3, "each element dropped exactly once");
}

/// Step 1, the CAS protocol on the `sync` shim.
mod s1_leaky {
    use super::*;

    #[test]
    fn two_threads_push_then_pop() {
        loom::model(super::two_threads_push_then_pop::<LeakyStack<Counted>>);
    }

    #[test]
    fn two_pushers_one_popper_conserve_elements() {
        loom::model(super::two_pushers_one_popper_conserve_elements::<LeakyStack<Counted>>);
    }

    #[test]
    fn pop_during_pushes_keeps_lifo_and_drop_frees_the_rest() {
        loom::model(
            super::pop_during_pushes_keeps_lifo_and_drop_frees_the_rest::<LeakyStack<Counted>>,
        );
    }

    #[test]
    fn pop_retries_while_two_threads_push() {
        loom::model(super::pop_retries_while_two_threads_push::<LeakyStack<Counted>>);
    }
}

/// Step 2, the shipped stack, with crossbeam-epoch on loom.
#[cfg(crossbeam_loom)]
mod s2_epoch {
    use super::*;
    use day1_sync_atomic::stack::Stack;

    #[test]
    fn two_threads_push_then_pop() {
        loom::model(super::two_threads_push_then_pop::<Stack<Counted>>);
    }

    #[test]
    fn pop_during_pushes_keeps_lifo_and_drop_frees_the_rest() {
        loom::model(super::pop_during_pushes_keeps_lifo_and_drop_frees_the_rest::<Stack<Counted>>);
    }
}
