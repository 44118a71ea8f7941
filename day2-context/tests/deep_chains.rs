//! Chains of scopes far deeper than any stack could recurse: cancelling the root by hand, the
//! root's deadline firing on the timer thread, and dropping the chain uncancelled all run in
//! constant stack. A recursive walk overflows at about 10 000 levels on a 2 MiB stack (release)
//! and aborts the whole process, which is how these tests fail.
//!
//! The bodies run one at a time (they compare the process-wide count of live scopes) on a thread
//! with a known 2 MiB stack (`support::bounded`).

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Wake, Waker};
use std::time::Duration;

use day2_context::{Context, ContextError, introspect};
use support::{PATIENCE, bounded};

const DEPTH: usize = 200_000;

/// One deep chain at a time: the scope counts stay exact and the peak memory stays one chain's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `body` alone, bounded, and checks that every scope it made was freed.
fn alone(body: impl FnOnce() + Send + 'static) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let before = introspect::live_scopes();
    bounded(PATIENCE * 3, body);
    assert_eq!(introspect::live_scopes(), before, "every scope was freed");
}

/// `DEPTH` nested `with_cancel` scopes under `root`; returns the innermost. The handles are
/// dropped: each scope stays alive through its parent's child set.
fn chain_under(root: &Context) -> Context {
    let mut ctx = root.clone();
    for _ in 0..DEPTH {
        ctx = Context::with_cancel(&ctx).0;
    }
    ctx
}

#[test]
fn cancelling_the_root_of_a_200_000_deep_chain() {
    alone(|| {
        let (root, cancel) = Context::with_cancel(&Context::background());
        let leaf = chain_under(&root);
        assert_eq!(leaf.err(), None);
        cancel.cancel();
        assert_eq!(leaf.err(), Some(ContextError::Canceled));
        assert_eq!(root.child_scopes(), 0);
    });
}

/// A waker that holds the timer thread: woken, it reports that it is running, then blocks until
/// the gate is opened (or its opener is gone).
struct Gate {
    entered: Mutex<Sender<()>>,
    open: Mutex<Receiver<()>>,
}

impl Wake for Gate {
    fn wake(self: Arc<Self>) {
        let _ = self.entered.lock().map(|entered| entered.send(()));
        let _ = self.open.lock().map(|open| open.recv());
    }
}

#[test]
fn the_deadline_of_a_200_000_deep_chain_fires_on_the_timer_thread() {
    alone(|| {
        // Hold the timer thread in a waker while the chain is built under a root whose deadline
        // passes meanwhile: the timer then walks the whole chain, however slow the build.
        let (entered, is_entered) = mpsc::channel();
        let (opener, open) = mpsc::channel();
        let gate = Waker::from(Arc::new(Gate {
            entered: Mutex::new(entered),
            open: Mutex::new(open),
        }));
        // A scope that expires on the timer thread with the gate registered (a deadline that
        // passed before the registration is retried with a longer one).
        let mut after = Duration::from_millis(10);
        let _holder = loop {
            let (holder, handle) = Context::with_timeout(&Context::background(), after);
            let mut held = holder.cancelled();
            let polled = Pin::new(&mut held).poll(&mut TaskContext::from_waker(&gate));
            if polled.is_pending() {
                break (holder, handle, held);
            }
            after *= 2;
        };
        is_entered
            .recv_timeout(PATIENCE)
            .expect("the timer thread runs the gate");

        let (root, _cancel) =
            Context::with_timeout(&Context::background(), Duration::from_millis(1));
        let leaf = chain_under(&root);
        assert_eq!(leaf.err(), None, "the timer thread is held");
        drop(opener);
        assert_eq!(
            leaf.wait_timeout(PATIENCE),
            Some(ContextError::DeadlineExceeded)
        );
        assert_eq!(root.child_scopes(), 0);
    });
}

#[test]
fn dropping_a_200_000_deep_chain_uncancelled() {
    alone(|| {
        let (root, cancel) = Context::with_cancel(&Context::background());
        let leaf = chain_under(&root);
        assert_eq!(root.child_scopes(), 1);
        drop(leaf);
        // The root's scope still owns the chain; the last of these two drops frees it.
        drop(root);
        drop(cancel);
    });
}
