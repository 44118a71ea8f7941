//! The same cancel tree and timeout with this crate's `Context` and with tokio-util's
//! `CancellationToken` + `tokio::time`, showing they behave alike. Each test runs under the
//! watchdog: a broken cancel fails it instead of leaving it waiting for an hour-long sleep.

mod support;

use std::time::Duration;

use day2_context::tokio_side::{self, Member};
use day2_context::{Context, ContextError};
use support::{PATIENCE, bounded};
use tokio_util::sync::CancellationToken;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn the_same_tree_cancels_the_same_members() {
    bounded(PATIENCE * 2, || {
        let expected = [
            (Member::Root, [true, true, true, true]),
            (Member::Child, [false, true, true, false]),
            (Member::Grandchild, [false, false, true, false]),
            (Member::Sibling, [false, false, false, true]),
        ];
        for (which, done) in expected {
            assert_eq!(
                tokio_side::tree_with_context(which),
                done,
                "Context, cancel {which:?}"
            );
            assert_eq!(
                tokio_side::tree_with_token(which),
                done,
                "token, cancel {which:?}"
            );
        }
    });
}

#[test]
fn the_same_timeout_gives_the_same_outcome() {
    bounded(PATIENCE * 2, || {
        let long = Duration::from_secs(3600);
        let short = Duration::from_millis(30);
        runtime().block_on(async {
            let (ctx, cancel) = Context::with_cancel(&Context::background());
            let token = CancellationToken::new();

            // Work shorter than the limit finishes.
            assert_eq!(
                tokio_side::work_with_context(&ctx, Duration::ZERO, long).await,
                Ok(())
            );
            assert_eq!(
                tokio_side::work_with_tokio(&token, Duration::ZERO, long).await,
                Ok(())
            );

            // Work longer than the limit is cut off by the deadline.
            let deadline = Err(ContextError::DeadlineExceeded);
            assert_eq!(
                tokio_side::work_with_context(&ctx, long, short).await,
                deadline
            );
            assert_eq!(
                tokio_side::work_with_tokio(&token, long, short).await,
                deadline
            );

            // A cancelled parent stops the work at once, whatever the limit.
            cancel.cancel();
            token.cancel();
            let canceled = Err(ContextError::Canceled);
            assert_eq!(
                tokio_side::work_with_context(&ctx, long, long).await,
                canceled
            );
            assert_eq!(
                tokio_side::work_with_tokio(&token, long, long).await,
                canceled
            );
        });
    });
}

#[test]
fn a_parent_cancelled_while_waiting_wakes_both() {
    bounded(PATIENCE * 2, || {
        runtime().block_on(async {
            let (ctx, cancel) = Context::with_cancel(&Context::background());
            let token = CancellationToken::new();
            let long = Duration::from_secs(3600);
            let (by_ctx, by_token, ()) = tokio::join!(
                tokio_side::work_with_context(&ctx, long, long),
                tokio_side::work_with_tokio(&token, long, long),
                async {
                    // Cancel from another thread once both are waiting (a yield lets them register).
                    tokio::task::yield_now().await;
                    let (cancel, token) = (cancel.clone(), token.clone());
                    std::thread::spawn(move || {
                        cancel.cancel();
                        token.cancel();
                    })
                    .join()
                    .expect("no panic");
                },
            );
            assert_eq!(by_ctx, Err(ContextError::Canceled));
            assert_eq!(by_token, Err(ContextError::Canceled));
        });
    });
}
