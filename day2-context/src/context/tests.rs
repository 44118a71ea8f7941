//! Unit tests pinning the invariants listed at the top of `mod.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use super::*;

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll(fut: &mut Cancelled, waker: &Waker) -> Poll<ContextError> {
    Pin::new(fut).poll(&mut TaskContext::from_waker(waker))
}

#[test]
fn context_is_send_sync_clone_debug() {
    fn assert_traits<T: Send + Sync + Clone + fmt::Debug + 'static>() {}
    assert_traits::<Context>();
    assert_traits::<CancelHandle>();
    fn assert_send_unpin<T: Send + Sync + Unpin>() {}
    assert_send_unpin::<Cancelled>();
}

#[test]
fn cancel_reaches_grandchild_through_a_dropped_intermediate() {
    let (parent, cancel) = Context::with_cancel(&Context::background());
    let grandchild = {
        let (child, _child_cancel) = Context::with_cancel(&parent);
        Context::with_cancel(&child).0
    }; // the intermediate context and its handle are gone
    cancel.cancel();
    assert_eq!(grandchild.err(), Some(ContextError::Canceled));
    assert!(grandchild.done().try_recv().is_err());
    assert!(grandchild.done().is_empty());
}

#[test]
fn child_cancel_unregisters_and_leaves_parent_alone() {
    let (parent, _cancel) = Context::with_cancel(&Context::background());
    let (child, child_cancel) = Context::with_cancel(&parent);
    assert_eq!(parent.child_scopes(), 1);
    child_cancel.cancel();
    assert_eq!(parent.child_scopes(), 0);
    assert_eq!(parent.err(), None);
    assert_eq!(child.err(), Some(ContextError::Canceled));
}

#[test]
fn value_child_registers_with_the_nearest_scope() {
    struct K;
    impl Key for K {
        type Value = u8;
    }
    let (parent, cancel) = Context::with_cancel(&Context::background());
    let valued = Context::with_value::<K>(&parent, 1);
    let (child, _) = Context::with_cancel(&valued);
    assert_eq!(parent.child_scopes(), 1);
    cancel.cancel();
    assert_eq!(valued.err(), Some(ContextError::Canceled));
    assert_eq!(child.err(), Some(ContextError::Canceled));
    assert_eq!(child.value::<K>(), Some(&1));
}

#[test]
fn timer_entry_is_removed_on_cancel() {
    // Other tests in this binary use the timer concurrently, so this looks at our own entry only;
    // tests/leak.rs checks the timer's global count in a binary of its own.
    let (ctx, cancel) = Context::with_timeout(&Context::background(), Duration::from_secs(3600));
    let scope = ctx
        .inner
        .scope
        .clone()
        .expect("a timed context has a scope");
    assert!(scope.has_timer());
    cancel.cancel();
    assert!(!scope.has_timer());
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
}

#[test]
fn parent_deadline_earlier_means_no_own_timer() {
    let (parent, _p) = Context::with_timeout(&Context::background(), Duration::from_secs(60));
    let (child, _c) = Context::with_timeout(&parent, Duration::from_secs(3600));
    assert_eq!(child.deadline(), parent.deadline());
    let scope = child.inner.scope.clone().expect("scope");
    assert!(!scope.has_timer());
}

#[test]
fn cancelled_future_wakes_once_and_deregisters_on_drop() {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));

    let mut dropped = ctx.cancelled();
    assert_eq!(poll(&mut dropped, &waker), Poll::Pending);
    let scope = ctx.inner.scope.clone().expect("scope");
    assert_eq!(scope.waker_count(), 1);
    drop(dropped);
    assert_eq!(scope.waker_count(), 0, "drop removes the waker");

    let mut fut = ctx.cancelled();
    assert_eq!(poll(&mut fut, &waker), Poll::Pending);
    assert_eq!(poll(&mut fut, &waker), Poll::Pending); // re-poll keeps one registration
    assert_eq!(scope.waker_count(), 1);
    cancel.cancel();
    assert_eq!(counter.0.load(SeqCst), 1);
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(ContextError::Canceled));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(ContextError::Canceled));
}

#[test]
fn background_never_completes() {
    let bg = Context::background();
    let waker = Waker::from(Arc::new(CountingWaker(AtomicUsize::new(0))));
    assert_eq!(poll(&mut bg.cancelled(), &waker), Poll::Pending);
    assert_eq!(bg.err(), None);
    assert_eq!(bg.deadline(), None);
    assert!(bg.done().try_recv().is_err() && !bg.is_done());
    assert_eq!(bg.wait_timeout(Duration::from_millis(1)), None);
}

#[test]
fn done_created_after_cancel_is_born_disconnected() {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    cancel.cancel();
    assert_eq!(
        ctx.done().recv_timeout(Duration::from_secs(5)),
        Err(crossbeam_channel::RecvTimeoutError::Disconnected)
    );
}

#[test]
fn duration_max_saturates() {
    let (ctx, cancel) = Context::with_timeout(&Context::background(), Duration::MAX);
    assert_eq!(ctx.deadline(), None);
    assert_eq!(ctx.wait_timeout(Duration::ZERO), None);
    cancel.cancel();
    assert_eq!(
        ctx.wait_timeout(Duration::MAX),
        Some(ContextError::Canceled)
    );
}

#[test]
fn past_deadline_is_done_at_once_without_a_timer() {
    let (ctx, _cancel) = Context::with_deadline(&Context::background(), Instant::now());
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    let scope = ctx.inner.scope.clone().expect("scope");
    assert!(!scope.has_timer());
}

#[test]
fn error_messages_match_go() {
    assert_eq!(ContextError::Canceled.to_string(), "context canceled");
    assert_eq!(
        ContextError::DeadlineExceeded.to_string(),
        "context deadline exceeded"
    );
}

#[test]
fn very_long_value_chain_drops_without_overflow() {
    struct Depth;
    impl Key for Depth {
        type Value = u32;
    }
    let mut ctx = Context::background();
    for i in 0..200_000 {
        ctx = Context::with_value::<Depth>(&ctx, i);
    }
    assert_eq!(ctx.value::<Depth>(), Some(&199_999));
    drop(ctx); // would overflow the stack with a recursive drop
}
