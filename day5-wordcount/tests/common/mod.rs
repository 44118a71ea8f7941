//! Bounds for tests that could hang: a broken build fails instead of stalling CI.

use std::process::{Child, Output, Stdio};
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

/// How long a test waits on work it started (a run on another thread, a child process):
/// [`BOUND`], or less when a lab command runs the tests ([`labkit::watchdog::patience`]), so that
/// a learner's code that hangs is reported as soon as code under [`within`] would be.
#[allow(
    dead_code,
    reason = "`tests/counting.rs` waits on nothing but `within`"
)]
pub(crate) fn patience() -> Duration {
    labkit::watchdog::patience(BOUND)
}

/// Waits for `child` and collects its output; kills it and fails the test after [`patience`].
#[allow(dead_code, reason = "`tests/counting.rs` runs no child process")]
pub(crate) fn output_within(child: Child) -> Output {
    let pid = child.id();
    let (done_tx, done_rx) = bounded::<()>(1);
    let bound = patience();
    let watchdog = thread::spawn(move || {
        if done_rx.recv_timeout(bound) == Err(RecvTimeoutError::Timeout) {
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
        "the child ran longer than {bound:?} and was killed: a hang"
    );
    out
}

/// Peak resident memory of a child, from `wait4` (Linux starts a child's count at its parent's
/// peak, so this is an upper bound; the test process itself stays far below the limit).
#[allow(dead_code, reason = "`tests/cli.rs`, `tests/steps.rs` only")]
pub(crate) fn peak_rss_mib(cmd: &mut std::process::Command) -> (i32, u64) {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let (status, rss) = within(move || {
        let _child = child; // never waited on through `Child`: `wait4` reaps it
        let mut status = 0;
        // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our child, not reaped yet; `status` and `usage` are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(r, pid, "wait4");
        (status, usage.ru_maxrss as u64 / 1024)
    });
    assert!(libc::WIFEXITED(status), "status {status}");
    (libc::WEXITSTATUS(status), rss)
}

/// The peak RSS bound of the bounded-memory test: 100 MiB, or 8× that under ThreadSanitizer
/// (`cargo xtask race` sets `TSAN_OPTIONS`), whose shadow memory multiplies a process's memory by
/// 5–10×. Unbounded growth still fails: it took 1.3 GiB on 200 MB of `0xFF`.
#[allow(dead_code, reason = "`tests/cli.rs`, `tests/steps.rs` only")]
pub(crate) fn rss_limit_mib() -> u64 {
    if std::env::var_os("TSAN_OPTIONS").is_some() {
        800
    } else {
        100
    }
}
