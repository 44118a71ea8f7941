//! The shared suite: every test here runs against both steps of day 2's `Context` — step 1,
//! `day2_context::lesson` (the day's exercises), and step 2, `day2_context::context` (the fast one
//! the week uses) — as `steps::lesson::<group>::<test>` and `steps::fast::<group>::<test>` (see
//! `tests/step/mod.rs`). The hostile cases (deep chains, 100 000 timed contexts) are in
//! `tests/hostile.rs`, which runs alone because it reads process-wide counters.
//!
//! Go's own tests of the `context` package, ported where they apply: one `mod` per Go test, named
//! after it; the source is `src/context/context_test.go` (and `x_test.go`) in the Go tree. Go's
//! `otherContext{c}` — a foreign `Context` implementation wrapping `c`, which forces the slow
//! propagation path — maps to a `with_value` link here, the one kind of context that has no cancel
//! scope of its own. Go's `quiescent`/`veryLongDuration` become `PATIENCE`, a bound that only a
//! failing test reaches; every test runs under `support::bounded` (`step::bounded`), which fails
//! it after a bound, so a wrong solution that deadlocks is reported instead of hanging the run. The invariants of both steps' module docs follow, in `invariants`.

mod step;
mod support;

use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use day2_context::{ContextError, Key};
use step::{Cancel, Step, each_step};
use support::{PATIENCE, bounded};

each_step! {
    bounded:
    background { background_is_never_done }
    with_cancel { cancel_reaches_the_context_an_other_link_and_a_child }
    parent_finishes_child { cancelling_the_parent_finishes_and_unregisters_every_child }
    child_finishes_first { a_cancelled_child_leaves_its_parent_live_and_unregisters }
    deadline {
        with_deadline_fires,
        a_later_deadline_under_an_other_link_fires_at_the_parent_deadline,
        a_deadline_in_the_past_is_done_at_once,
    }
    timeout { with_timeout_fires_directly_and_under_an_other_link }
    canceled_timeout { cancelling_a_timed_context_reports_canceled }
    values { values_are_found_up_the_chain_and_shadowed_by_inner_bindings }
    with_cancel_canceled_parent { a_child_of_a_done_parent_is_born_done_with_its_error }
    simultaneous_cancels { cancelling_a_whole_tree_from_many_threads_at_once_finishes }
    interlocked_cancels { a_thread_cancelling_the_child_when_the_parent_is_done }
    layers { layers_cancel, layers_timeout }
    cancel_removes { cancel_removes_the_child_from_its_parent }
    invariants {
        child_cancel_unregisters_and_leaves_parent_alone,
        cancel_reaches_grandchild_through_a_dropped_intermediate,
        value_child_registers_with_the_nearest_scope,
        done_created_after_cancel_is_born_disconnected,
        the_first_error_wins,
        a_cancel_returns_only_once_its_subtree_is_done,
        duration_max_adds_no_deadline,
        a_thread_selecting_on_done_exits_when_cancelled,
        a_child_born_past_its_deadline_leaves_its_parent,
    }
}

const SHORT: Duration = Duration::from_millis(50);

/// Go's `otherContext{c}`: a link with no scope of its own.
struct Other;
impl Key for Other {
    type Value = ();
}
fn other<C: Step>(ctx: &C) -> C {
    C::with_value::<Other>(ctx, ())
}

/// Go's `select { case <-c.Done(): default: t.Errorf(…) }`: done without blocking.
/// `try_recv` on a live context's channel reports `Empty`, on a done one `Disconnected`.
fn done_now<C: Step>(ctx: &C) -> bool {
    let disconnected = matches!(
        ctx.done().try_recv(),
        Err(crossbeam_channel::TryRecvError::Disconnected)
    );
    assert_eq!(disconnected, ctx.is_done(), "done() and is_done() agree");
    disconnected
}

/// Blocks until `ctx` is done (its error) or `limit` has passed (`None`), on `done()` alone.
fn wait<C: Step>(ctx: &C, limit: Duration) -> Option<ContextError> {
    match ctx.done().recv_timeout(limit) {
        Err(RecvTimeoutError::Disconnected) => {
            let err = ctx.err();
            assert!(err.is_some(), "done() fired, so err() is set");
            err
        }
        Err(RecvTimeoutError::Timeout) => None,
    }
}

/// Go's `testDeadline`: done within a generous bound, with `DeadlineExceeded`.
fn assert_deadline<C: Step>(ctx: &C) {
    assert_eq!(wait(ctx, PATIENCE), Some(ContextError::DeadlineExceeded));
    assert!(done_now(ctx));
}

/// Go: TestBackground.
mod background {
    use super::*;

    pub(crate) fn background_is_never_done<C: Step>() {
        let c = C::background();
        assert!(!c.is_done());
        assert_eq!(c.err(), None);
        assert_eq!(c.deadline(), None);
        assert!(matches!(
            c.done().try_recv(),
            Err(crossbeam_channel::TryRecvError::Empty)
        ));
    }
}

/// Go: TestWithCancel.
mod with_cancel {
    use super::*;

    pub(crate) fn cancel_reaches_the_context_an_other_link_and_a_child<C: Step>() {
        let (c1, cancel) = C::with_cancel(&C::background());
        let o = other(&c1);
        let (c2, _cancel2) = C::with_cancel(&o);
        let contexts = [&c1, &o, &c2];
        for c in contexts {
            assert!(!c.is_done() && c.err().is_none());
        }
        cancel.cancel();
        for c in contexts {
            assert!(done_now(c), "{c:?}");
            assert_eq!(c.err(), Some(ContextError::Canceled));
        }
    }
}

/// Go: TestParentFinishesChild.
mod parent_finishes_child {
    use super::*;

    pub(crate) fn cancelling_the_parent_finishes_and_unregisters_every_child<C: Step>() {
        let (parent, cancel) = C::with_cancel(&C::background());
        let (cancel_child, _c) = C::with_cancel(&parent);
        let (timer_child, _t) = C::with_timeout(&parent, Duration::from_secs(3600));
        let value_child = other(&parent);
        let (grandchild, _g) = C::with_cancel(&value_child);
        // Go checks `len(pc.children)`: the value link registers nothing itself, its child does.
        assert_eq!(parent.child_scopes(), 3);

        cancel.cancel();
        for c in [
            &parent,
            &cancel_child,
            &timer_child,
            &value_child,
            &grandchild,
        ] {
            assert!(done_now(c), "{c:?}");
            assert_eq!(c.err(), Some(ContextError::Canceled));
        }
        assert_eq!(parent.child_scopes(), 0);
    }
}

/// Go: TestChildFinishesFirst.
mod child_finishes_first {
    use super::*;

    pub(crate) fn a_cancelled_child_leaves_its_parent_live_and_unregisters<C: Step>() {
        let (cancelable, stop) = C::with_cancel(&C::background());
        // Background has no scope to register with (Go checks `len(children)` only for the
        // cancelable parent).
        for (parent, registered) in [(C::background(), 0), (cancelable, 1)] {
            let (child, cancel_child) = C::with_cancel(&parent);
            assert_eq!(parent.child_scopes(), registered);
            cancel_child.cancel();
            assert!(done_now(&child));
            assert_eq!(child.err(), Some(ContextError::Canceled));
            assert!(!parent.is_done());
            assert_eq!(parent.child_scopes(), 0);
        }
        stop.cancel();
    }
}

/// Go: TestDeadline.
mod deadline {
    use super::*;

    pub(crate) fn with_deadline_fires<C: Step>() {
        let (c, _cancel) = C::with_deadline(&C::background(), Instant::now() + SHORT);
        assert_deadline(&c);
    }

    pub(crate) fn a_later_deadline_under_an_other_link_fires_at_the_parent_deadline<C: Step>() {
        let (c, _cancel) = C::with_deadline(&C::background(), Instant::now() + SHORT);
        let o = other(&c);
        let (c, _cancel2) = C::with_deadline(&o, Instant::now() + Duration::from_secs(3600));
        assert_eq!(c.deadline(), o.deadline());
        assert_deadline(&c);
    }

    pub(crate) fn a_deadline_in_the_past_is_done_at_once<C: Step>() {
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        let (c, _cancel) = C::with_deadline(&C::background(), past);
        assert!(done_now(&c));
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
    }
}

/// Go: TestTimeout.
mod timeout {
    use super::*;

    pub(crate) fn with_timeout_fires_directly_and_under_an_other_link<C: Step>() {
        let (c, _cancel) = C::with_timeout(&C::background(), SHORT);
        assert_deadline(&c);

        let (c, _cancel) = C::with_timeout(&C::background(), SHORT);
        let o = other(&c);
        let (c, _cancel2) = C::with_timeout(&o, Duration::from_secs(3600));
        assert_deadline(&c);
    }
}

/// Go: TestCanceledTimeout.
mod canceled_timeout {
    use super::*;

    pub(crate) fn cancelling_a_timed_context_reports_canceled<C: Step>() {
        // Go uses 1 s and 2 s; hours here, so the cancel wins even on a stalled machine.
        let (c, _c1) = C::with_timeout(&C::background(), Duration::from_secs(3600));
        let o = other(&c);
        let (c, cancel) = C::with_timeout(&o, Duration::from_secs(7200));
        cancel.cancel();
        assert_eq!(wait(&c, PATIENCE), Some(ContextError::Canceled));
        assert!(done_now(&c));
    }
}

/// Go: TestValues.
mod values {
    use super::*;

    struct K1;
    impl Key for K1 {
        type Value = &'static str;
    }
    struct K2;
    impl Key for K2 {
        type Value = &'static str;
    }
    struct K3;
    impl Key for K3 {
        type Value = &'static str;
    }

    fn check<C: Step>(c: &C, v1: Option<&str>, v2: Option<&str>, v3: Option<&str>) {
        assert_eq!(c.value::<K1>().copied(), v1, "{c:?}");
        assert_eq!(c.value::<K2>().copied(), v2, "{c:?}");
        assert_eq!(c.value::<K3>().copied(), v3, "{c:?}");
    }

    pub(crate) fn values_are_found_up_the_chain_and_shadowed_by_inner_bindings<C: Step>() {
        let c0 = C::background();
        check(&c0, None, None, None);
        let c1 = C::with_value::<K1>(&c0, "c1k1");
        check(&c1, Some("c1k1"), None, None);
        let c2 = C::with_value::<K2>(&c1, "c2k2");
        check(&c2, Some("c1k1"), Some("c2k2"), None);
        let c3 = C::with_value::<K3>(&c2, "c3k3");
        check(&c3, Some("c1k1"), Some("c2k2"), Some("c3k3"));
        let c4 = C::with_value::<K1>(&c3, "c4k1");
        check(&c4, Some("c4k1"), Some("c2k2"), Some("c3k3"));

        let o0 = other(&C::background());
        check(&o0, None, None, None);
        let o1 = other(&C::with_value::<K1>(&C::background(), "c1k1"));
        check(&o1, Some("c1k1"), None, None);
        let o2 = C::with_value::<K2>(&o1, "o2k2");
        check(&o2, Some("c1k1"), Some("o2k2"), None);
        let o3 = other(&c4);
        check(&o3, Some("c4k1"), Some("c2k2"), Some("c3k3"));
        let o4 = C::with_value::<K3>(&o3, "o4k3");
        check(&o4, Some("c4k1"), Some("c2k2"), Some("o4k3"));
        // The parents never see their children's bindings.
        check(&c3, Some("c1k1"), Some("c2k2"), Some("c3k3"));
    }
}

/// Go: TestWithCancelCanceledParent.
mod with_cancel_canceled_parent {
    use super::*;

    pub(crate) fn a_child_of_a_done_parent_is_born_done_with_its_error<C: Step>() {
        let (parent, cancel) = C::with_cancel(&C::background());
        cancel.cancel();
        let (c, _) = C::with_cancel(&parent);
        assert!(done_now(&c));
        assert_eq!(c.err(), Some(ContextError::Canceled));

        let (expired, _) = C::with_timeout(&C::background(), Duration::ZERO);
        let (c, _) = C::with_cancel(&other(&expired));
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(expired.child_scopes(), 0);
    }
}

/// Go: TestSimultaneousCancels.
mod simultaneous_cancels {
    use super::*;
    use std::sync::Barrier;

    pub(crate) fn cancelling_a_whole_tree_from_many_threads_at_once_finishes<C: Step>() {
        bounded(PATIENCE * 2, || {
            let (root, cancel_root) = C::with_cancel(&C::background());
            // A tree three levels deep, fan-out 4: every context with its handle.
            let mut all = vec![(root.clone(), cancel_root)];
            let mut level = vec![root];
            for _ in 0..3 {
                let mut next = Vec::new();
                for parent in &level {
                    for _ in 0..4 {
                        let (c, h) = C::with_cancel(parent);
                        next.push(c.clone());
                        all.push((c, h));
                    }
                }
                level = next;
            }
            let barrier = Barrier::new(all.len());
            std::thread::scope(|s| {
                for (_, handle) in &all {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        handle.cancel();
                    });
                }
            });
            for (c, _) in &all {
                assert!(done_now(c));
                assert_eq!(c.err(), Some(ContextError::Canceled));
                assert_eq!(c.child_scopes(), 0);
            }
        });
    }
}

/// Go: TestInterlockedCancels.
mod interlocked_cancels {
    use super::*;

    pub(crate) fn a_thread_cancelling_the_child_when_the_parent_is_done<C: Step>() {
        bounded(PATIENCE * 2, || {
            let (parent, cancel_parent) = C::with_cancel(&C::background());
            let (child, cancel_child) = C::with_cancel(&parent);
            std::thread::scope(|s| {
                s.spawn(|| {
                    let _ = parent.done().recv();
                    cancel_child.cancel();
                });
                cancel_parent.cancel();
            });
            assert_eq!(wait(&child, PATIENCE), Some(ContextError::Canceled));
        });
    }
}

/// Go: TestLayersCancel and TestLayersTimeout (Go builds random layers from a seed; here the
/// layers are written out, every kind at every depth).
mod layers {
    use super::*;

    struct Layer;
    impl Key for Layer {
        type Value = usize;
    }

    /// value, cancel, timeout, value, cancel, timeout, …: returns each layer's context and the
    /// handle of the first cancel layer (depth 1).
    fn layers<C: Step>(first_timeout: Duration) -> (Vec<C>, C::Cancel) {
        let mut ctx = C::background();
        let mut contexts = Vec::new();
        let mut first_cancel = None;
        for depth in 0..9 {
            ctx = match depth % 3 {
                0 => C::with_value::<Layer>(&ctx, depth),
                1 => {
                    let (c, h) = C::with_cancel(&ctx);
                    first_cancel.get_or_insert(h);
                    c
                }
                _ => {
                    let timeout = if depth == 2 {
                        first_timeout
                    } else {
                        Duration::from_secs(3600)
                    };
                    C::with_timeout(&ctx, timeout).0
                }
            };
            contexts.push(ctx.clone());
        }
        (contexts, first_cancel.expect("depth 1 is a cancel layer"))
    }

    fn check_values<C: Step>(contexts: &[C]) {
        for (depth, c) in contexts.iter().enumerate() {
            assert_eq!(c.value::<Layer>(), Some(&(depth / 3 * 3)));
        }
    }

    pub(crate) fn layers_cancel<C: Step>() {
        let (contexts, cancel) = layers::<C>(Duration::from_secs(3600));
        check_values(&contexts);
        assert!(!contexts[0].is_done() && contexts.iter().skip(1).all(|c| !c.is_done()));
        cancel.cancel();
        assert!(
            !contexts[0].is_done(),
            "the value layer above the cancel stays live"
        );
        for c in &contexts[1..] {
            assert!(done_now(c));
            assert_eq!(c.err(), Some(ContextError::Canceled));
        }
        check_values(&contexts);
    }

    pub(crate) fn layers_timeout<C: Step>() {
        let (contexts, cancel) = layers::<C>(SHORT);
        check_values(&contexts);
        assert_deadline(&contexts[8]);
        assert!(
            !contexts[1].is_done(),
            "the cancel layer above the timeout stays live"
        );
        for c in &contexts[2..] {
            assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
        }
        cancel.cancel();
        assert_eq!(
            contexts[8].err(),
            Some(ContextError::DeadlineExceeded),
            "first error wins"
        );
        assert_eq!(contexts[1].err(), Some(ContextError::Canceled));
    }
}

/// Go: TestCancelRemoves.
mod cancel_removes {
    use super::*;

    pub(crate) fn cancel_removes_the_child_from_its_parent<C: Step>() {
        let (root, stop) = C::with_cancel(&C::background());
        assert_eq!(root.child_scopes(), 0);
        let (_c, cancel) = C::with_cancel(&root);
        assert_eq!(root.child_scopes(), 1);
        cancel.cancel();
        assert_eq!(root.child_scopes(), 0);

        let (_c, cancel) = C::with_timeout(&root, Duration::from_secs(3600));
        assert_eq!(root.child_scopes(), 1);
        cancel.cancel();
        assert_eq!(root.child_scopes(), 0);
        stop.cancel();
    }
}

/// The invariants stated at the top of both steps (`src/lesson.rs`, `src/context/mod.rs`).
mod invariants {
    use super::*;
    use std::thread;

    const HOUR: Duration = Duration::from_secs(3600);

    /// Cancellation flows down only: a child's cancel leaves its parent, and the parent live.
    pub(crate) fn child_cancel_unregisters_and_leaves_parent_alone<C: Step>() {
        let (parent, _cancel) = C::with_cancel(&C::background());
        let (child, child_cancel) = C::with_cancel(&parent);
        assert_eq!(parent.child_scopes(), 1);
        child_cancel.cancel();
        assert_eq!(parent.child_scopes(), 0);
        assert_eq!(parent.err(), None);
        assert_eq!(child.err(), Some(ContextError::Canceled));
    }

    /// A parent owns its live children: a scope whose context and handle are gone still passes
    /// its parent's cancel on.
    pub(crate) fn cancel_reaches_grandchild_through_a_dropped_intermediate<C: Step>() {
        let (parent, cancel) = C::with_cancel(&C::background());
        let grandchild = {
            let (child, _child_cancel) = C::with_cancel(&parent);
            C::with_cancel(&child).0
        }; // the intermediate context and its handle are gone
        cancel.cancel();
        assert_eq!(grandchild.err(), Some(ContextError::Canceled));
        assert!(done_now(&grandchild));
    }

    /// A `with_value` link has no scope: a scope derived below it registers with the nearest one.
    pub(crate) fn value_child_registers_with_the_nearest_scope<C: Step>() {
        struct K;
        impl Key for K {
            type Value = u8;
        }
        let (parent, cancel) = C::with_cancel(&C::background());
        let valued = C::with_value::<K>(&parent, 1);
        let (child, _) = C::with_cancel(&valued);
        assert_eq!(parent.child_scopes(), 1);
        cancel.cancel();
        assert_eq!(valued.err(), Some(ContextError::Canceled));
        assert_eq!(child.err(), Some(ContextError::Canceled));
        assert_eq!(child.value::<K>(), Some(&1));
    }

    /// A `done()` first asked for after the cancel is born closed (Go's `closedchan`).
    pub(crate) fn done_created_after_cancel_is_born_disconnected<C: Step>() {
        let (ctx, cancel) = C::with_cancel(&C::background());
        cancel.cancel();
        assert_eq!(
            ctx.done().recv_timeout(PATIENCE),
            Err(RecvTimeoutError::Disconnected)
        );
    }

    /// Invariant 1: the first error wins, whichever way the second comes.
    pub(crate) fn the_first_error_wins<C: Step>() {
        // A deadline already passed: done with DeadlineExceeded at once; a cancel changes nothing.
        let (timed, cancel) = C::with_deadline(&C::background(), Instant::now());
        assert_eq!(timed.err(), Some(ContextError::DeadlineExceeded));
        cancel.cancel();
        assert_eq!(timed.err(), Some(ContextError::DeadlineExceeded));
        // Its child is born with its error and keeps it too.
        let (child, cancel_child) = C::with_cancel(&timed);
        cancel_child.cancel();
        assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
        // A scope cancelled by its own handle keeps `Canceled` when its parent is cancelled.
        let (parent, cancel_parent) = C::with_cancel(&C::background());
        let (child, cancel_child) = C::with_timeout(&parent, HOUR);
        cancel_child.cancel();
        cancel_parent.cancel();
        assert_eq!(child.err(), Some(ContextError::Canceled));
    }

    /// Invariant 2: when a `cancel` returns, every context below it is done — also when an
    /// ancestor's cancel reached its scope first and is still walking the subtree. (Step 2's loom
    /// model `concurrent_cancels_of_a_tree` checks the same for every interleaving.)
    pub(crate) fn a_cancel_returns_only_once_its_subtree_is_done<C: Step>() {
        bounded(PATIENCE * 2, || {
            for _ in 0..100 {
                let (root, cancel_root) = C::with_cancel(&C::background());
                let (child, cancel_child) = C::with_cancel(&root);
                // A wide subtree, so the root's walk is still on it when the child's cancel runs.
                let leaves: Vec<C> = (0..256).map(|_| C::with_cancel(&child).0).collect();
                thread::scope(|s| {
                    s.spawn(|| {
                        // Once the root's walk has marked the child, the child's own cancel finds
                        // it done: it must still not return before the walk is over.
                        while !child.is_done() {
                            thread::yield_now();
                        }
                        cancel_child.cancel();
                        let live = leaves.iter().filter(|leaf| !leaf.is_done()).count();
                        assert_eq!(live, 0, "the child's cancel returned with leaves live");
                    });
                    cancel_root.cancel();
                });
                assert_eq!(root.child_scopes(), 0);
                assert_eq!(child.child_scopes(), 0);
            }
        });
    }

    /// A timeout too large for an `Instant` adds no deadline instead of panicking.
    pub(crate) fn duration_max_adds_no_deadline<C: Step>() {
        let (ctx, cancel) = C::with_timeout(&C::background(), Duration::MAX);
        assert_eq!(ctx.deadline(), None);
        assert_eq!(wait(&ctx, Duration::ZERO), None);
        cancel.cancel();
        assert_eq!(wait(&ctx, PATIENCE), Some(ContextError::Canceled));
    }

    /// The day's pattern: a thread serving jobs in a `select!` with `recv(ctx.done())`, stopped
    /// by its parent's cancel while its jobs channel stays open.
    pub(crate) fn a_thread_selecting_on_done_exits_when_cancelled<C: Step>() {
        bounded(PATIENCE * 2, || {
            let (ctx, cancel) = C::with_cancel(&C::background());
            let (jobs, work) = crossbeam_channel::bounded::<u64>(0);
            let worker = thread::spawn(move || {
                let mut sum = 0;
                loop {
                    crossbeam_channel::select! {
                        recv(ctx.done()) -> _ => return (sum, ctx.err()),
                        recv(work) -> job => sum += job.expect("the sender outlives the worker"),
                    }
                }
            });
            for job in 1..=10 {
                jobs.send(job).expect("the worker is running");
            }
            cancel.cancel();
            let (sum, err) = worker.join().expect("no panic");
            assert_eq!((sum, err), (55, Some(ContextError::Canceled)));
            drop(jobs);
        });
    }

    /// A scope born past its deadline is done at once — and, like any cancelled scope, leaves
    /// its parent's `children`.
    pub(crate) fn a_child_born_past_its_deadline_leaves_its_parent<C: Step>() {
        let (parent, stop) = C::with_cancel(&C::background());
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        let (child, _cancel) = C::with_deadline(&parent, past);
        assert_eq!(
            child.err(),
            Some(ContextError::DeadlineExceeded),
            "a deadline already passed: the child is done at once, with DeadlineExceeded"
        );
        assert_eq!(
            parent.child_scopes(),
            0,
            "the expired child is still registered in its parent's children: a scope cancelled \
             because its deadline passed must leave its parent (cancel it with \
             remove_from_parent = true), or a long-lived parent keeps it forever"
        );
        stop.cancel();
    }
}
