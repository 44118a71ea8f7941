//! A bound for tests that could hang: the body runs on its own thread, and the test fails with a
//! message naming what hung if the body has not returned within the patience. Days 3 and 4 share
//! this file (day 4's tests include it by path).

use std::panic::resume_unwind;
use std::thread;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, bounded};

/// The patience when a lab command runs the tests: `cargo xtask lab check` (with `LAB_CHECK` set,
/// on a debug build where a stub or the learner's code may hang), or the lab step proving a classic
/// mistake caught (`LAB_MISTAKE` set, also under ThreadSanitizer). A hang shows as well after this
/// as after the full patience, which leaves room for ThreadSanitizer on a busy machine.
const LAB_PATIENCE: Duration = Duration::from_secs(10);

/// Runs `body` on a new thread and returns what it returns, or fails the test: with the body's
/// own panic (re-raised, so `#[should_panic]` still sees its message), or with "`what` did not
/// finish within `patience`" if it is still running then. A body that hangs is left behind on
/// its thread; the test process ends it.
pub(crate) fn within<R: Send + 'static>(
    what: &str,
    patience: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let lab = ["LAB_CHECK", "LAB_MISTAKE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let patience = if lab {
        patience.min(LAB_PATIENCE)
    } else {
        patience
    };
    // Never sent on: the body's thread drops it when the body returns or unwinds.
    let (finished, watch) = bounded::<()>(0);
    let runner = thread::Builder::new()
        .name(format!("watchdog: {what}"))
        .spawn(move || {
            let _finished = finished;
            body()
        })
        .expect("watchdog: cannot spawn the test body's thread");
    match watch.recv_timeout(patience) {
        Err(RecvTimeoutError::Timeout) => panic!("{what} did not finish within {patience:?}"),
        Ok(()) | Err(RecvTimeoutError::Disconnected) => runner
            .join()
            .unwrap_or_else(|payload| resume_unwind(payload)),
    }
}
