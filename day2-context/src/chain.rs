//! Checklist: `context.Background()` passed through a call chain of three functions.
//!
//! Go puts `ctx context.Context` first in every signature on the path of a request; Rust does the
//! same with `ctx: &Context` — a borrow, because a callee that only checks or waits has no reason
//! to own (or clone) the context. Only a callee that spawns work outliving the call clones it.

use crate::{Context, ContextError};

/// What each level of the chain saw, outermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// One line per function the context passed through.
    pub levels: Vec<String>,
}

/// Level 1: an entry point, as a request handler would be.
pub fn handle_request(ctx: &Context, user: &str) -> Result<Trace, ContextError> {
    let mut trace = load_profile(ctx, user)?;
    trace
        .levels
        .insert(0, format!("handle_request: err={:?}", ctx.err()));
    Ok(trace)
}

/// Level 2: a service call.
pub fn load_profile(ctx: &Context, user: &str) -> Result<Trace, ContextError> {
    let row = query_database(ctx, user)?;
    Ok(Trace {
        levels: vec![
            format!("load_profile: got {row:?}"),
            format!("query_database: {row}"),
        ],
    })
}

/// Level 3: the leaf that would block on I/O; it checks the context before doing the work.
pub fn query_database(ctx: &Context, user: &str) -> Result<String, ContextError> {
    // lab:begin day2/call-chain
    if let Some(err) = ctx.err() {
        return Err(err);
    }
    Ok(format!("row for {user} (deadline: {:?})", ctx.deadline()))
    // lab:end day2/call-chain
}
