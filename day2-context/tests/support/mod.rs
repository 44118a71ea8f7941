//! The watchdog every test that can hang runs under, so a broken build fails instead of stalling.

use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// The bound for "this should happen promptly": only a failing test reaches it.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// The body's stack: Rust's default for spawned threads, set explicitly so that a test of stack
/// depth means the same whatever `RUST_MIN_STACK` says.
const STACK: usize = 2 << 20;

/// Runs `body` on a thread of its own and returns its result, re-raising its panic; fails the
/// test if the body is still running after `limit` (the hung thread is left behind).
pub(crate) fn bounded<R: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, result) = mpsc::channel();
    let thread = thread::Builder::new()
        .name("bounded test body".into())
        .stack_size(STACK)
        .spawn(move || {
            // The receiver is gone only if the watchdog already failed the test.
            let _ = done.send(body());
        })
        .expect("cannot spawn the test body's thread");
    match result.recv_timeout(limit) {
        Ok(value) => {
            thread
                .join()
                .expect("the body returned, so its thread did not panic");
            value
        }
        Err(RecvTimeoutError::Disconnected) => match thread.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => unreachable!("the body's thread ends by sending or by panicking"),
        },
        Err(RecvTimeoutError::Timeout) => panic!("still running after {limit:?}: hung"),
    }
}
