//! Bounds for tests that could hang: a broken build fails instead of stalling CI.

use std::process::{Child, Output};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, bounded};

/// How long any one test step may take; a healthy one needs a fraction of it.
pub(crate) const BOUND: Duration = Duration::from_secs(60);

/// Runs `f` under the workspace's watchdog ([`labkit::within`]) with [`BOUND`]: on its own
/// thread, its panic re-raised, the test failed if `f` is still running then (a hang).
pub(crate) fn within<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    labkit::within("the test step", BOUND, f)
}

/// Waits for `child` and collects its output; kills it and fails the test after [`BOUND`].
#[allow(dead_code, reason = "`tests/counting.rs` runs no child process")]
pub(crate) fn output_within(child: Child) -> Output {
    let pid = child.id();
    let (done_tx, done_rx) = bounded::<()>(1);
    let watchdog = thread::spawn(move || {
        if done_rx.recv_timeout(BOUND) == Err(RecvTimeoutError::Timeout) {
            // SAFETY: `kill` takes two integers and has no memory-safety preconditions; `pid` is
            // our child, which the waiting thread has not reaped (it is still blocked in `wait`).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            return true;
        }
        false
    });
    let out = child.wait_with_output().expect("wait for the child");
    drop(done_tx);
    assert!(
        !watchdog.join().expect("the watchdog does not panic"),
        "the child ran longer than {BOUND:?} and was killed: a hang"
    );
    out
}
