//! The bound every test that can hang runs under, so a broken build fails instead of stalling.

use std::time::Duration;

/// The bound for "this should happen promptly": only a failing test reaches it.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `body` under the workspace's watchdog ([`labkit::within`]): on a thread of its own with a
/// 2 MiB stack, its panic re-raised, the test failed if it is still running after `limit`.
pub(crate) fn bounded<R: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    labkit::within("the test body", limit, body)
}
