//! Async waiters' wakers are the executor's code, run by `Context`: cloned and dropped when a
//! `cancelled()` future is polled, woken by `cancel`. That code may panic or use the very context
//! that runs it; neither may deadlock a scope or stop the shared timer.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, RawWaker, RawWakerVTable, Wake, Waker};
use std::time::Duration;

use day2_context::{Cancelled, Context, ContextError};
use support::{PATIENCE, bounded};

fn poll(fut: &mut Cancelled, waker: &Waker) -> Poll<ContextError> {
    Pin::new(fut).poll(&mut TaskContext::from_waker(waker))
}

/// Reports each wake on a channel.
struct Reporting(Mutex<Sender<()>>);

impl Wake for Reporting {
    fn wake(self: Arc<Self>) {
        let _ = self.0.lock().expect("no panic under this lock").send(());
    }
}

/// A waker that reports each wake on the returned channel.
fn reporting() -> (Waker, Receiver<()>) {
    let (woke, woken) = mpsc::channel();
    (Waker::from(Arc::new(Reporting(Mutex::new(woke)))), woken)
}

/// Panics when woken.
struct Panicking;

impl Wake for Panicking {
    fn wake(self: Arc<Self>) {
        panic!("a waker that panics (on purpose, in a test)");
    }
}

/// Two pending `cancelled()` futures of `ctx`: one registered with a waker that panics, one with a
/// waker that reports on the returned channel.
fn a_panicking_and_a_reporting_waiter(ctx: &Context) -> ([Cancelled; 2], Receiver<()>) {
    let (reporting, woken) = reporting();
    let panicking = Waker::from(Arc::new(Panicking));
    let mut waiting = [ctx.cancelled(), ctx.cancelled()];
    assert_eq!(poll(&mut waiting[0], &panicking), Poll::Pending);
    assert_eq!(poll(&mut waiting[1], &reporting), Poll::Pending);
    (waiting, woken)
}

/// The bound of the tests whose waker panics on purpose: the panic hook prints the panic, with a
/// backtrace under `RUST_BACKTRACE`, before `cancel` goes on to the next waker, and symbolizing a
/// backtrace takes seconds under ThreadSanitizer.
const PANICKING: Duration = Duration::from_secs(60);

#[test]
fn a_panicking_waker_leaves_the_timer_running_and_the_other_wakers_woken() {
    bounded(PANICKING * 2, || {
        // Both wakers must be registered before the deadline: far more than two polls take, even
        // under Miri's virtual clock with other tests running beside this one.
        let (ctx, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(500));
        let (_waiting, woken) = a_panicking_and_a_reporting_waiter(&ctx);

        // The timer thread fires the deadline and wakes both, in either order.
        woken
            .recv_timeout(PANICKING)
            .expect("the other waker is woken although one panicked");
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));

        // The timer thread survived: a later deadline still fires.
        let (later, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(20));
        assert_eq!(
            later.wait_timeout(PANICKING),
            Some(ContextError::DeadlineExceeded)
        );
    });
}

#[test]
fn cancel_wakes_every_waker_then_raises_the_first_panic() {
    bounded(PANICKING, || {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (_waiting, woken) = a_panicking_and_a_reporting_waiter(&ctx);
        let raised = std::panic::catch_unwind(|| cancel.cancel());
        assert!(
            raised.is_err(),
            "the caller of cancel sees the waker's panic"
        );
        assert_eq!(woken.try_recv(), Ok(()), "the other waker was woken");
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
    });
}

/// A waker whose clone and drop use the scope it is registered with (each asks how many child
/// scopes it has, which takes the scope's lock), and whose wake is counted.
struct Reentrant {
    ctx: Context,
    wakes: AtomicUsize,
    reentries: AtomicUsize,
}

impl Reentrant {
    fn use_the_scope(&self) {
        assert_eq!(self.ctx.child_scopes(), 0);
        self.reentries.fetch_add(1, SeqCst);
    }

    fn waker(probe: &Arc<Reentrant>) -> Waker {
        let raw = RawWaker::new(Arc::into_raw(Arc::clone(probe)).cast(), &VTABLE);
        // SAFETY: `VTABLE`'s functions treat the data pointer as what it is, an `Arc<Reentrant>`
        // from `Arc::into_raw` that the waker owns one count of; they are thread-safe (`Reentrant`
        // is `Send + Sync`).
        unsafe { Waker::from_raw(raw) }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The probe behind a waker's data pointer, without taking over the waker's count.
///
/// # Safety
///
/// `data` comes from `Reentrant::waker` or `clone` and its count is still owned by a live waker.
unsafe fn probe<'a>(data: *const ()) -> &'a Reentrant {
    // SAFETY: per this function's contract, `data` points to a live `Reentrant` in an `Arc`.
    unsafe { &*data.cast::<Reentrant>() }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned owns a count, so the probe is alive.
    let probe = unsafe { probe(data) };
    probe.use_the_scope();
    // SAFETY: `data` is from `Arc::into_raw` and its count is alive; the new waker owns the new one.
    unsafe { Arc::increment_strong_count(data.cast::<Reentrant>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker, whose count is alive until `drop_waker` releases it.
    unsafe { wake_by_ref(data) };
    // SAFETY: as above; this releases the consumed waker's count.
    unsafe { drop_waker(data) };
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the waker being woken owns a count, so the probe is alive.
    unsafe { probe(data) }.wakes.fetch_add(1, SeqCst);
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker being dropped owns a count, so the probe is alive until the line below.
    unsafe { probe(data) }.use_the_scope();
    // SAFETY: `data` is from `Arc::into_raw`; this gives back the dropped waker's count.
    drop(unsafe { Arc::from_raw(data.cast::<Reentrant>()) });
}

#[test]
fn a_waker_whose_clone_and_drop_use_the_scope_does_not_deadlock() {
    bounded(PATIENCE, || {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let probe = |ctx: &Context| {
            Arc::new(Reentrant {
                ctx: ctx.clone(),
                wakes: AtomicUsize::new(0),
                reentries: AtomicUsize::new(0),
            })
        };
        let (a, b) = (probe(&ctx), probe(&ctx));
        let (waker_a, waker_b) = (Reentrant::waker(&a), Reentrant::waker(&b));
        let mut fut = ctx.cancelled();
        // Registering clones the waker; polling again with another waker replaces the first
        // (drops it); polling with the same one keeps it (no clone).
        assert_eq!(poll(&mut fut, &waker_a), Poll::Pending);
        assert_eq!(a.reentries.load(SeqCst), 1, "one clone");
        assert_eq!(poll(&mut fut, &waker_b), Poll::Pending);
        assert_eq!(
            a.reentries.load(SeqCst),
            2,
            "the registered clone was dropped"
        );
        assert_eq!(poll(&mut fut, &waker_b), Poll::Pending);
        assert_eq!(
            b.reentries.load(SeqCst),
            1,
            "the same waker is not cloned again"
        );
        cancel.cancel();
        assert_eq!((a.wakes.load(SeqCst), b.wakes.load(SeqCst)), (0, 1));
        assert_eq!(
            poll(&mut fut, &waker_b),
            Poll::Ready(ContextError::Canceled)
        );
        drop((waker_a, waker_b));
        assert_eq!(Arc::strong_count(&a), 1, "every clone of a was dropped");
        assert_eq!(Arc::strong_count(&b), 1, "every clone of b was dropped");
    });
}

/// Holds a registered `cancelled()` future of the same scope: dropping the last waker drops the
/// future, which unregisters itself from the scope — a future holding a guard for it, as an
/// executor's task does.
struct Holder {
    _held: Mutex<Cancelled>,
}

impl Wake for Holder {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn a_replaced_waker_whose_drop_drops_a_future_of_the_same_scope() {
    bounded(PATIENCE, || {
        let (ctx, cancel) = Context::with_cancel(&Context::background());
        let (reporting, woken) = reporting();
        let mut held = ctx.cancelled();
        assert_eq!(poll(&mut held, &reporting), Poll::Pending);
        let holder = Waker::from(Arc::new(Holder {
            _held: Mutex::new(held),
        }));

        let mut fut = ctx.cancelled();
        assert_eq!(poll(&mut fut, &holder), Poll::Pending);
        drop(holder); // the registered clone now owns the held future
        assert_eq!(poll(&mut fut, &reporting), Poll::Pending); // replaces (drops) it
        cancel.cancel();
        assert_eq!(woken.try_recv(), Ok(()), "fut's waker");
        assert!(
            woken.try_recv().is_err(),
            "the held future unregistered when dropped"
        );
    });
}
