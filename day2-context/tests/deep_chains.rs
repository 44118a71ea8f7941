//! Step 2 only: the deadline of a chain far deeper than any stack could recurse fires on the timer
//! thread, in constant stack. (Cancelling and dropping deep chains are in the shared suite,
//! `tests/hostile.rs`.) The test holds the timer thread with a waker of a `cancelled()` future,
//! which step 1 does not have; and step 1's timer thread runs its recursive `cancel`, which a chain
//! this deep overflows (`src/lesson.rs`, "Limits"). A recursive walk overflows at about 10 000
//! levels on a 2 MiB stack (release) and aborts the whole process, which is how this test fails.
//!
//! The body runs on a thread with a known 2 MiB stack (`support::bounded`).

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

/// Runs `body` bounded, and checks that every scope it made was freed (the binary's only test, so
/// the process-wide count is its own).
fn alone(body: impl FnOnce() + Send + 'static) {
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
