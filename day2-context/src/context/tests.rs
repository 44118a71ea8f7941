//! Unit tests pinning the invariants listed at the top of `mod.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::*;

#[path = "../../tests/support/mod.rs"]
mod support;
use support::{PATIENCE, bounded};

const HOUR: Duration = Duration::from_secs(3600);
const SHORT: Duration = Duration::from_millis(20);

fn scope(ctx: &Context) -> Arc<Node> {
    ctx.inner.scope.to_arc().expect("a context with a scope")
}

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
fn parent_deadline_earlier_means_no_own_timer() {
    let (parent, _p) = Context::with_timeout(&Context::background(), Duration::from_secs(60));
    let (child, _c) = Context::with_timeout(&parent, Duration::from_secs(3600));
    assert_eq!(child.deadline(), parent.deadline());
    let scope = child.inner.scope.to_arc().expect("scope");
    assert!(!scope.has_timer());
}

#[test]
fn cancelled_future_wakes_once_and_deregisters_on_drop() {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));

    let mut dropped = ctx.cancelled();
    assert_eq!(poll(&mut dropped, &waker), Poll::Pending);
    let scope = ctx.inner.scope.to_arc().expect("scope");
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
fn past_deadline_is_done_at_once_without_a_timer() {
    let (ctx, _cancel) = Context::with_deadline(&Context::background(), Instant::now());
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    let scope = ctx.inner.scope.to_arc().expect("scope");
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

/// Starts a thread blocked in `ctx.wait_timeout(Duration::MAX)` — only a notify can end it — and
/// returns once it sleeps on the condvar of `ctx`'s scope (seen under the scope's lock).
fn blocked_waiter(ctx: &Context) -> JoinHandle<Option<ContextError>> {
    let waiter = {
        let ctx = ctx.clone();
        thread::spawn(move || ctx.wait_timeout(Duration::MAX))
    };
    while scope(ctx).blocked_count() == 0 {
        thread::yield_now();
    }
    waiter
}

#[test]
fn cancel_notifies_threads_blocked_without_a_deadline_down_the_tree() {
    bounded(PATIENCE, || {
        let (root, cancel) = Context::with_cancel(&Context::background());
        let (child, _c) = Context::with_cancel(&root);
        let (grandchild, _g) = Context::with_timeout(&child, HOUR);
        let waiters = [&root, &child, &grandchild].map(blocked_waiter);
        cancel.cancel();
        for waiter in waiters {
            assert_eq!(
                waiter.join().expect("no panic"),
                Some(ContextError::Canceled)
            );
        }
    });
}

/// The rest of invariant 1 is in the shared suite (`tests/steps.rs`, `invariants`).
#[test]
fn a_deadline_reaching_a_cancelled_scope_changes_nothing() {
    let (cancelled, cancel) = Context::with_timeout(&Context::background(), HOUR);
    cancel.cancel();
    scope(&cancelled).cancel(ContextError::DeadlineExceeded, None);
    assert_eq!(cancelled.err(), Some(ContextError::Canceled));
}

/// The timer's entry for `ctx`'s scope, checked to be there.
fn tracked(ctx: &Context) -> Weak<Node> {
    let scope = Arc::downgrade(&scope(ctx));
    assert!(timer::holds(&scope), "a timed scope has a timer entry");
    scope
}

#[test]
fn every_way_a_timed_scope_ends_removes_its_timer_entry() {
    let background = Context::background();
    let (parent, cancel_parent) = Context::with_cancel(&background);

    let (own, cancel_own) = Context::with_timeout(&parent, HOUR);
    let entry = tracked(&own);
    cancel_own.cancel();
    assert!(!timer::holds(&entry), "its own cancel");
    assert!(!scope(&own).has_timer());
    assert_eq!(own.err(), Some(ContextError::Canceled));

    let (child, _c) = Context::with_timeout(&parent, HOUR);
    let entry = tracked(&child);
    cancel_parent.cancel();
    assert!(!timer::holds(&entry), "its parent's cancel");

    let (abandoned, handle) = Context::with_timeout(&background, HOUR);
    let entry = tracked(&abandoned);
    drop((abandoned, handle));
    assert!(
        entry.upgrade().is_none() && !timer::holds(&entry),
        "dropped"
    );

    let (parent, handle) = Context::with_cancel(&background);
    let entry = tracked(&Context::with_timeout(&parent, HOUR).0);
    drop((parent, handle));
    assert!(
        entry.upgrade().is_none() && !timer::holds(&entry),
        "dropped with its never-cancelled parent"
    );

    bounded(PATIENCE, || {
        let (expiring, _cancel) = Context::with_timeout(&Context::background(), SHORT);
        let entry = tracked(&expiring);
        assert_eq!(
            expiring.wait_timeout(PATIENCE),
            Some(ContextError::DeadlineExceeded)
        );
        assert!(!timer::holds(&entry), "its deadline fired");
    });
}

#[test]
fn a_cancel_wakes_the_futures_of_every_descendant() {
    let (root, cancel) = Context::with_cancel(&Context::background());
    let (child, _c) = Context::with_cancel(&root);
    let (grandchild, _g) = Context::with_timeout(&child, HOUR);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut futures = [&root, &child, &grandchild].map(Context::cancelled);
    for fut in &mut futures {
        assert_eq!(poll(fut, &waker), Poll::Pending);
    }
    cancel.cancel();
    assert_eq!(counter.0.load(SeqCst), 3, "one wake per future");
    for fut in &mut futures {
        assert_eq!(poll(fut, &waker), Poll::Ready(ContextError::Canceled));
    }
}
