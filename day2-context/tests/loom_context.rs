//! Loom models of the cancel-tree protocol (`src/context/mod.rs`, invariants 2, 4 and 5).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=/work/targets/day2-context-loom
//! cargo test --release -p day2-context --test loom_context`.
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
/// deadlock, and when either `cancel` returns, the contexts below it are done.
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
