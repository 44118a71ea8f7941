//! The bound for tests that could hang: the body runs on a thread of its own, and the test fails
//! with a message naming what hung if the body has not returned within its bound. Every day's
//! tests use this one watchdog.

use std::panic::resume_unwind;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::thread;
use std::time::Duration;

/// Set by `cargo xtask lab check` for the tests it runs (on a debug build, where a stub or the
/// learner's code may hang).
pub const LAB_CHECK: &str = "LAB_CHECK";

/// Set by the lab step that proves a classic mistake caught (`cargo xtask lab prove`, also under
/// ThreadSanitizer): it selects the mistake compiled in.
pub const LAB_MISTAKE: &str = "LAB_MISTAKE";

/// The bound when a lab command runs the tests ([`LAB_CHECK`] or [`LAB_MISTAKE`] set): a hang
/// shows as well after this as after a test's full bound, and the learner is waiting. It leaves
/// room for ThreadSanitizer on a busy machine. `cargo xtask lab check` quotes it.
pub const LAB_PATIENCE: Duration = Duration::from_secs(10);

/// The body's stack: Rust's default for spawned threads, set explicitly so that a test of stack
/// depth means the same whatever `RUST_MIN_STACK` says.
const STACK: usize = 2 << 20;

/// How long a test may wait on work that could hang, given its own `bound`: `bound`, or at most
/// [`LAB_PATIENCE`] when a lab command runs the tests ([`LAB_CHECK`] or [`LAB_MISTAKE`] set).
/// [`within`] applies it; a test that waits some other way (on a child process, on a timed
/// receive) applies it itself, so a learner's hang is reported as soon as either way.
pub fn patience(bound: Duration) -> Duration {
    let lab = [LAB_CHECK, LAB_MISTAKE]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    if lab { bound.min(LAB_PATIENCE) } else { bound }
}

/// Runs `body` on a new thread and returns what it returns, or fails the test: with the body's
/// own panic (re-raised, so `#[should_panic]` still sees its message), or with "`what` did not
/// finish within `bound`" if it is still running then. Under a lab command the bound is at most
/// [`LAB_PATIENCE`]. A body that hangs is left behind on its thread; the test process ends it.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(labkit::within("a sum", Duration::from_secs(60), || 2 + 2), 4);
/// ```
///
/// # Panics
/// With the body's panic, or when the body is still running after the bound.
pub fn within<R: Send + 'static>(
    what: &str,
    bound: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let bound = patience(bound);
    // Never sent on: the body's thread drops it when the body returns or unwinds.
    let (finished, watch) = sync_channel::<()>(0);
    let runner = thread::Builder::new()
        .name(format!("watchdog: {what}"))
        .stack_size(STACK)
        .spawn(move || {
            let _finished = finished;
            body()
        })
        .expect("watchdog: cannot spawn the test body's thread");
    match watch.recv_timeout(bound) {
        Err(RecvTimeoutError::Timeout) => panic!("{what} did not finish within {bound:?}"),
        Ok(()) | Err(RecvTimeoutError::Disconnected) => runner
            .join()
            .unwrap_or_else(|payload| resume_unwind(payload)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_hang_fails_naming_what_hung() {
        let (_keep, never) = mpsc::channel::<()>();
        let outcome = std::panic::catch_unwind(|| {
            within("a lost wake-up", Duration::from_millis(50), move || {
                let _ = never.recv();
            });
        });
        let payload = outcome.expect_err("the watchdog let a hang pass");
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(
            message.starts_with("a lost wake-up did not finish within"),
            "{message}"
        );
    }

    #[test]
    #[should_panic(expected = "the body's own message")]
    fn the_body_s_panic_is_re_raised() {
        within("a panicking body", Duration::from_secs(60), || {
            panic!("the body's own message")
        });
    }
}
