//! Loom models of the cancel-tree protocol (`src/context/mod.rs`, invariants 2, 4 and 5) and of
//! what `cancel` publishes.
//!
//! Run: `cargo xtask loom`, or by hand `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3
//! CARGO_TARGET_DIR=<a loom target dir> cargo test --release -p day2-context --test loom_context`.
//! Under loom the scope's lock, condvar and error flag are loom's; `done()` (a crossbeam channel)
//! and deadlines in the future (the timer thread) are outside the models.
#![cfg(loom)]

use std::time::Duration;

use day2_context::{Context, ContextError};
use loom::thread;

/// Invariant 4: a child created while its parent is being cancelled is either found by the
/// cancel or born done — it never stays live under a done parent.
#[test]
fn cancel_races_child_creation() {
    loom::model(|| {
        let (parent, cancel) = Context::with_cancel(&Context::background());
        let creator = {
            let parent = parent.clone();
            thread::spawn(move || Context::with_cancel(&parent).0)
        };
        cancel.cancel();
        let child = creator.join().expect("no panic");
        assert_eq!(child.err(), Some(ContextError::Canceled));
        assert_eq!(parent.child_scopes(), 0);
    });
}

/// Invariant 5: a waiter that checks, then sleeps, is always woken by a concurrent cancel — both
/// the blocking `wait_timeout` and the async `cancelled()` future.
#[test]
fn cancel_races_waiter() {
    loom::model(|| {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let blocking = {
            let ctx = ctx.clone();
            thread::spawn(move || ctx.wait_timeout(Duration::MAX))
        };
        let future = {
            let ctx = ctx.clone();
            thread::spawn(move || loom::future::block_on(ctx.cancelled()))
        };
        cancel.cancel();
        assert_eq!(
            blocking.join().expect("no panic"),
            Some(ContextError::Canceled)
        );
        assert_eq!(future.join().expect("no panic"), ContextError::Canceled);
    });
}

/// Invariant 2 and the lock order: cancelling a parent and its child at the same time cannot
/// deadlock, and when either `cancel` returns, the contexts below it are done — also when the
/// child's `cancel` finds it already marked by the parent's walk, which it must then wait for.
#[test]
fn concurrent_cancels_of_a_tree() {
    loom::model(|| {
        let (root, cancel_root) = Context::with_cancel(&Context::background());
        let (child, cancel_child) = Context::with_cancel(&root);
        let (grandchild, _keep) = Context::with_cancel(&child);
        let other = {
            let grandchild = grandchild.clone();
            thread::spawn(move || {
                cancel_child.cancel();
                assert!(
                    grandchild.is_done(),
                    "child's cancel returned with the grandchild live"
                );
            })
        };
        cancel_root.cancel();
        assert!(child.is_done() && grandchild.is_done());
        other.join().expect("no panic");
        assert_eq!(root.child_scopes(), 0);
        assert_eq!(child.child_scopes(), 0);
    });
}

/// Go's "a close happens before a receive that sees it": whatever a thread wrote before `cancel`
/// is visible to a thread that sees the context done — through `err()` on the cancelled scope and
/// on a descendant the cancel's walk reached. The write is to a plain (loom-tracked) cell, so a
/// read that is not ordered after it is a data race, which loom reports in every interleaving
/// that has one. (Weakening the Release store in `Node::mark` or the Acquire load in `Node::err`
/// makes it one.)
#[test]
fn cancel_publishes_the_writes_before_it() {
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;

    loom::model(|| {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (child, _keep) = Context::with_cancel(&ctx);
        let data = Arc::new(UnsafeCell::new(0));
        let reader = {
            let data = Arc::clone(&data);
            thread::spawn(move || {
                for seen in [&ctx, &child] {
                    if seen.err().is_some() {
                        // SAFETY: the only other access is the write below, made before `cancel`;
                        // this read comes after seeing the cancel, so it is ordered after the
                        // write if `cancel` publishes it — the property under test (loom
                        // reports the race otherwise).
                        let value = data.with(|value| unsafe { *value });
                        assert_eq!(
                            value, 42,
                            "done, but the write before cancel is not visible"
                        );
                    }
                }
            })
        };
        // SAFETY: see the read above.
        data.with_mut(|value| unsafe { *value = 42 });
        cancel.cancel();
        reader.join().expect("no panic");
    });
}
