//! Go's own tests of the `context` package, ported where they apply.
//!
//! One `mod` per Go test, named after it; the source is `src/context/context_test.go` (and
//! `x_test.go`) in the Go tree. Go's `otherContext{c}` — a foreign `Context` implementation
//! wrapping `c`, which forces the slow propagation path — maps to a `with_value` link here, the
//! one kind of context that has no cancel scope of its own. Go's `quiescent`/`veryLongDuration`
//! become `PATIENCE`, a bound that only a failing test reaches; a test that waits on another
//! thread runs under `support::bounded`, which fails it after that bound.

mod support;

use std::time::{Duration, Instant};

use day2_context::{Context, ContextError, Key};
use support::{PATIENCE, bounded};

const SHORT: Duration = Duration::from_millis(50);

/// Go's `otherContext{c}`: a link with no scope of its own.
struct Other;
impl Key for Other {
    type Value = ();
}
fn other(ctx: &Context) -> Context {
    Context::with_value::<Other>(ctx, ())
}

/// Go's `select { case <-c.Done(): default: t.Errorf(…) }`: done without blocking.
/// `try_recv` on a live context's channel reports `Empty`, on a done one `Disconnected`.
fn done_now(ctx: &Context) -> bool {
    let disconnected = matches!(
        ctx.done().try_recv(),
        Err(crossbeam_channel::TryRecvError::Disconnected)
    );
    assert_eq!(disconnected, ctx.is_done(), "done() and is_done() agree");
    disconnected
}

/// Go's `testDeadline`: done within a generous bound, with `DeadlineExceeded`.
fn assert_deadline(ctx: &Context) {
    assert_eq!(
        ctx.wait_timeout(PATIENCE),
        Some(ContextError::DeadlineExceeded)
    );
    assert!(done_now(ctx));
}

/// Go: TestBackground.
mod background {
    use super::*;

    #[test]
    fn background_is_never_done() {
        let c = Context::background();
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

    #[test]
    fn cancel_reaches_the_context_an_other_link_and_a_child() {
        let (c1, cancel) = Context::with_cancel(&Context::background());
        let o = other(&c1);
        let (c2, _cancel2) = Context::with_cancel(&o);
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

    #[test]
    fn cancelling_the_parent_finishes_and_unregisters_every_child() {
        let (parent, cancel) = Context::with_cancel(&Context::background());
        let (cancel_child, _c) = Context::with_cancel(&parent);
        let (timer_child, _t) = Context::with_timeout(&parent, Duration::from_secs(3600));
        let value_child = other(&parent);
        let (grandchild, _g) = Context::with_cancel(&value_child);
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

    #[test]
    fn a_cancelled_child_leaves_its_parent_live_and_unregisters() {
        let (cancelable, stop) = Context::with_cancel(&Context::background());
        // Background has no scope to register with (Go checks `len(children)` only for the
        // cancelable parent).
        for (parent, registered) in [(Context::background(), 0), (cancelable, 1)] {
            let (child, cancel_child) = Context::with_cancel(&parent);
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

    #[test]
    fn with_deadline_fires() {
        let (c, _cancel) = Context::with_deadline(&Context::background(), Instant::now() + SHORT);
        assert_deadline(&c);
    }

    #[test]
    fn a_later_deadline_under_an_other_link_fires_at_the_parent_deadline() {
        let (c, _cancel) = Context::with_deadline(&Context::background(), Instant::now() + SHORT);
        let o = other(&c);
        let (c, _cancel2) = Context::with_deadline(&o, Instant::now() + Duration::from_secs(3600));
        assert_eq!(c.deadline(), o.deadline());
        assert_deadline(&c);
    }

    #[test]
    fn a_deadline_in_the_past_is_done_at_once() {
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        let (c, _cancel) = Context::with_deadline(&Context::background(), past);
        assert!(done_now(&c));
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
    }
}

/// Go: TestTimeout.
mod timeout {
    use super::*;

    #[test]
    fn with_timeout_fires_directly_and_under_an_other_link() {
        let (c, _cancel) = Context::with_timeout(&Context::background(), SHORT);
        assert_deadline(&c);

        let (c, _cancel) = Context::with_timeout(&Context::background(), SHORT);
        let o = other(&c);
        let (c, _cancel2) = Context::with_timeout(&o, Duration::from_secs(3600));
        assert_deadline(&c);
    }
}

/// Go: TestCanceledTimeout.
mod canceled_timeout {
    use super::*;

    #[test]
    fn cancelling_a_timed_context_reports_canceled() {
        // Go uses 1 s and 2 s; hours here, so the cancel wins even on a stalled machine.
        let (c, _c1) = Context::with_timeout(&Context::background(), Duration::from_secs(3600));
        let o = other(&c);
        let (c, cancel) = Context::with_timeout(&o, Duration::from_secs(7200));
        cancel.cancel();
        assert_eq!(c.wait_timeout(PATIENCE), Some(ContextError::Canceled));
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

    fn check(c: &Context, v1: Option<&str>, v2: Option<&str>, v3: Option<&str>) {
        assert_eq!(c.value::<K1>().copied(), v1, "{c:?}");
        assert_eq!(c.value::<K2>().copied(), v2, "{c:?}");
        assert_eq!(c.value::<K3>().copied(), v3, "{c:?}");
    }

    #[test]
    fn values_are_found_up_the_chain_and_shadowed_by_inner_bindings() {
        let c0 = Context::background();
        check(&c0, None, None, None);
        let c1 = Context::with_value::<K1>(&c0, "c1k1");
        check(&c1, Some("c1k1"), None, None);
        let c2 = Context::with_value::<K2>(&c1, "c2k2");
        check(&c2, Some("c1k1"), Some("c2k2"), None);
        let c3 = Context::with_value::<K3>(&c2, "c3k3");
        check(&c3, Some("c1k1"), Some("c2k2"), Some("c3k3"));
        let c4 = Context::with_value::<K1>(&c3, "c4k1");
        check(&c4, Some("c4k1"), Some("c2k2"), Some("c3k3"));

        let o0 = other(&Context::background());
        check(&o0, None, None, None);
        let o1 = other(&Context::with_value::<K1>(&Context::background(), "c1k1"));
        check(&o1, Some("c1k1"), None, None);
        let o2 = Context::with_value::<K2>(&o1, "o2k2");
        check(&o2, Some("c1k1"), Some("o2k2"), None);
        let o3 = other(&c4);
        check(&o3, Some("c4k1"), Some("c2k2"), Some("c3k3"));
        let o4 = Context::with_value::<K3>(&o3, "o4k3");
        check(&o4, Some("c4k1"), Some("c2k2"), Some("o4k3"));
        // The parents never see their children's bindings.
        check(&c3, Some("c1k1"), Some("c2k2"), Some("c3k3"));
    }
}

/// Go: TestWithCancelCanceledParent.
mod with_cancel_canceled_parent {
    use super::*;

    #[test]
    fn a_child_of_a_done_parent_is_born_done_with_its_error() {
        let (parent, cancel) = Context::with_cancel(&Context::background());
        cancel.cancel();
        let (c, _) = Context::with_cancel(&parent);
        assert!(done_now(&c));
        assert_eq!(c.err(), Some(ContextError::Canceled));

        let (expired, _) = Context::with_timeout(&Context::background(), Duration::ZERO);
        let (c, _) = Context::with_cancel(&other(&expired));
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(expired.child_scopes(), 0);
    }
}

/// Go: TestSimultaneousCancels.
mod simultaneous_cancels {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn cancelling_a_whole_tree_from_many_threads_at_once_finishes() {
        bounded(PATIENCE * 2, || {
            let (root, cancel_root) = Context::with_cancel(&Context::background());
            // A tree three levels deep, fan-out 4: every context with its handle.
            let mut all = vec![(root.clone(), cancel_root)];
            let mut level = vec![root];
            for _ in 0..3 {
                let mut next = Vec::new();
                for parent in &level {
                    for _ in 0..4 {
                        let (c, h) = Context::with_cancel(parent);
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

    #[test]
    fn a_thread_cancelling_the_child_when_the_parent_is_done() {
        bounded(PATIENCE * 2, || {
            let (parent, cancel_parent) = Context::with_cancel(&Context::background());
            let (child, cancel_child) = Context::with_cancel(&parent);
            std::thread::scope(|s| {
                s.spawn(|| {
                    let _ = parent.done().recv();
                    cancel_child.cancel();
                });
                cancel_parent.cancel();
            });
            assert_eq!(child.wait_timeout(PATIENCE), Some(ContextError::Canceled));
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
    fn layers(first_timeout: Duration) -> (Vec<Context>, day2_context::CancelHandle) {
        let mut ctx = Context::background();
        let mut contexts = Vec::new();
        let mut first_cancel = None;
        for depth in 0..9 {
            ctx = match depth % 3 {
                0 => Context::with_value::<Layer>(&ctx, depth),
                1 => {
                    let (c, h) = Context::with_cancel(&ctx);
                    first_cancel.get_or_insert(h);
                    c
                }
                _ => {
                    let timeout = if depth == 2 {
                        first_timeout
                    } else {
                        Duration::from_secs(3600)
                    };
                    Context::with_timeout(&ctx, timeout).0
                }
            };
            contexts.push(ctx.clone());
        }
        (contexts, first_cancel.expect("depth 1 is a cancel layer"))
    }

    fn check_values(contexts: &[Context]) {
        for (depth, c) in contexts.iter().enumerate() {
            assert_eq!(c.value::<Layer>(), Some(&(depth / 3 * 3)));
        }
    }

    #[test]
    fn layers_cancel() {
        let (contexts, cancel) = layers(Duration::from_secs(3600));
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

    #[test]
    fn layers_timeout() {
        let (contexts, cancel) = layers(SHORT);
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

    #[test]
    fn cancel_removes_the_child_from_its_parent() {
        let (root, stop) = Context::with_cancel(&Context::background());
        assert_eq!(root.child_scopes(), 0);
        let (_c, cancel) = Context::with_cancel(&root);
        assert_eq!(root.child_scopes(), 1);
        cancel.cancel();
        assert_eq!(root.child_scopes(), 0);

        let (_c, cancel) = Context::with_timeout(&root, Duration::from_secs(3600));
        assert_eq!(root.child_scopes(), 1);
        cancel.cancel();
        assert_eq!(root.child_scopes(), 0);
        stop.cancel();
    }
}
