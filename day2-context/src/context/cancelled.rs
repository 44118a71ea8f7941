//! The future behind `Context::cancelled()`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use super::ContextError;
use super::node::Node;

/// Completes with the context's error once it is done; never completes under `background()`.
///
/// Go's `<-ctx.Done()` in a `select`, for async code:
///
/// ```
/// use day2_context::{Context, ContextError};
/// # let rt = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
/// # rt.block_on(async {
/// let (ctx, cancel) = Context::with_cancel(&Context::background());
/// let work = std::future::pending::<()>(); // stands for I/O that never finishes
/// cancel.cancel();
/// let outcome = tokio::select! {
///     err = ctx.cancelled() => Err(err),
///     () = work => Ok(()),
/// };
/// assert_eq!(outcome, Err(ContextError::Canceled));
/// # });
/// ```
///
/// # Cancellation safety
///
/// Cancel safe. Being done is a state, not an event: dropping a `Cancelled` (as `select!` does to
/// the losing branch) only removes its waker, and a new `cancelled()` created later completes at
/// once if the context became done in between. Nothing is consumed, so no signal can be lost.
/// Polling again after completion yields the same error.
#[must_use = "futures do nothing unless polled"]
pub struct Cancelled {
    scope: Option<Arc<Node>>,
    /// Our key in the scope's waker set while registered.
    waiter: Option<u64>,
}

impl Cancelled {
    pub(super) fn new(scope: Option<Arc<Node>>) -> Cancelled {
        Cancelled {
            scope,
            waiter: None,
        }
    }
}

impl Future for Cancelled {
    type Output = ContextError;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<ContextError> {
        let this = self.get_mut();
        let Some(scope) = &this.scope else {
            return Poll::Pending; // background: never done, nothing to register with
        };
        if let Some(err) = scope.err() {
            // `cancel` drains the waker set in the critical section that stores the error.
            this.waiter = None;
            return Poll::Ready(err);
        }
        match scope.poll_waiter(&mut this.waiter, cx.waker()) {
            Some(err) => Poll::Ready(err),
            None => Poll::Pending,
        }
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        if let (Some(scope), Some(key)) = (&self.scope, self.waiter) {
            scope.remove_waiter(key);
        }
    }
}

impl fmt::Debug for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancelled")
            .field("err", &self.scope.as_ref().and_then(|scope| scope.err()))
            .field("registered", &self.waiter.is_some())
            .finish()
    }
}
