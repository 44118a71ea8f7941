//! Side by side: the same cancel tree and the same timeout with the ecosystem's pieces,
//! `tokio_util::sync::CancellationToken` (the tree) and `tokio::time::timeout` (the deadline).
//!
//! A token carries cancellation only: no error value, no deadline, no values. The deadline becomes
//! a `timeout` around the work, and the reason a task stopped is whichever of the two fired.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::{Context, ContextError};

/// A node of the demo tree: `root → child → grandchild`, and `root → sibling`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// The root.
    Root,
    /// The root's first child.
    Child,
    /// The child's child.
    Grandchild,
    /// The root's second child.
    Sibling,
}

/// Builds the tree with [`Context`], cancels `which`, and returns which of
/// `[root, child, grandchild, sibling]` are done.
pub fn tree_with_context(which: Member) -> [bool; 4] {
    let (root, root_cancel) = Context::with_cancel(&Context::background());
    let (child, child_cancel) = Context::with_cancel(&root);
    let (grandchild, grandchild_cancel) = Context::with_cancel(&child);
    let (sibling, sibling_cancel) = Context::with_cancel(&root);
    match which {
        Member::Root => root_cancel.cancel(),
        Member::Child => child_cancel.cancel(),
        Member::Grandchild => grandchild_cancel.cancel(),
        Member::Sibling => sibling_cancel.cancel(),
    }
    let done = [
        root.is_done(),
        child.is_done(),
        grandchild.is_done(),
        sibling.is_done(),
    ];
    root_cancel.cancel(); // Go's `defer cancel()`: release the whole tree
    done
}

/// The same tree with `CancellationToken::child_token`.
pub fn tree_with_token(which: Member) -> [bool; 4] {
    let root = CancellationToken::new();
    let child = root.child_token();
    let grandchild = child.child_token();
    let sibling = root.child_token();
    match which {
        Member::Root => root.cancel(),
        Member::Child => child.cancel(),
        Member::Grandchild => grandchild.cancel(),
        Member::Sibling => sibling.cancel(),
    }
    let done = [
        root.is_cancelled(),
        child.is_cancelled(),
        grandchild.is_cancelled(),
        sibling.is_cancelled(),
    ];
    root.cancel();
    done
}

/// Runs `work` (a sleep) under a `limit`, the `Context` way: `with_timeout` and a `select!` on
/// `cancelled()`. Returns `Ok` if the work finished first.
///
/// # Cancellation safety
///
/// Dropping the future abandons the work and, through the drop guard, cancels its timed scope.
pub async fn work_with_context(
    parent: &Context,
    work: Duration,
    limit: Duration,
) -> Result<(), ContextError> {
    let (ctx, cancel) = Context::with_timeout(parent, limit);
    let _cancel_on_exit = cancel.drop_guard();
    tokio::select! {
        err = ctx.cancelled() => Err(err),
        () = tokio::time::sleep(work) => Ok(()),
    }
}

/// The same with the ecosystem: a child token for the tree, `tokio::time::timeout` for the limit.
/// The outcome is mapped onto [`ContextError`] so the two can be compared.
///
/// # Cancellation safety
///
/// Dropping the future abandons the work and, through the drop guard, cancels its child token.
pub async fn work_with_tokio(
    parent: &CancellationToken,
    work: Duration,
    limit: Duration,
) -> Result<(), ContextError> {
    let token = parent.child_token();
    let _cancel_on_exit = token.clone().drop_guard();
    match tokio::time::timeout(limit, token.run_until_cancelled(tokio::time::sleep(work))).await {
        Err(_elapsed) => Err(ContextError::DeadlineExceeded),
        Ok(None) => Err(ContextError::Canceled),
        Ok(Some(())) => Ok(()),
    }
}
