//! The leak test: 100 000 timed contexts created and cancelled leave nothing behind — no child
//! registrations, no timer entries, no scopes, no threads.
//!
//! It runs alone in this binary because it reads process-wide counters.

use std::time::Duration;

use day2_context::{Context, leak};

#[test]
fn hundred_thousand_timed_contexts_leave_nothing_behind() {
    let (parent, stop) = Context::with_cancel(&Context::background());
    // Start the shared timer thread first, so the thread count is compared with it running.
    let (_warm, warm_cancel) = Context::with_timeout(&parent, Duration::from_secs(3600));
    warm_cancel.cancel();

    let n = 100_000;
    let churn = leak::churn(&parent, n, Duration::from_secs(3600));

    assert_eq!(churn.before.children, 0);
    assert_eq!(churn.peak.children, n, "every live context is registered");
    assert_eq!(churn.peak.timer_entries, churn.before.timer_entries + n);
    assert_eq!(
        churn.after.children, 0,
        "cancel unregisters from the parent"
    );
    assert_eq!(
        churn.after.timer_entries, churn.before.timer_entries,
        "cancel removes the timer"
    );
    assert_eq!(
        churn.after.live_scopes, churn.before.live_scopes,
        "every scope was freed"
    );
    assert_eq!(
        churn.peak.threads, churn.before.threads,
        "no thread per context"
    );
    assert_eq!(churn.after.threads, churn.before.threads);
    stop.cancel();
}
