//! Week 6, Tuesday: Go's `context` package, built for Rust threads and async code, and set beside
//! the ecosystem's pieces.
//!
//! Rust has no `context` package. The ecosystem splits Go's one interface three ways: a cancel
//! tree (`tokio_util::sync::CancellationToken`), deadlines (`tokio::time::timeout`), and values
//! (plain parameters, or a web framework's request extensions). This crate builds one
//! [`Context`] with Go's semantics so that the week's later days — the worker pool, the pipeline,
//! the word counter — can cancel plain threads with it; [`tokio_side`] shows the same tree and
//! timeout the tokio way.
//!
//! # Go → this crate → tokio / tokio-util
//!
//! | Go                                      | this crate                                        | tokio / tokio-util                                  |
//! |-----------------------------------------|---------------------------------------------------|-----------------------------------------------------|
//! | `context.Background()`                  | [`Context::background()`]                         | `CancellationToken::new()` (never cancelled by itself) |
//! | `ctx, cancel := context.WithCancel(p)`  | `let (ctx, cancel) = Context::with_cancel(&p)`    | `let child = parent.child_token()`                  |
//! | `cancel()`                              | [`CancelHandle::cancel`]                          | `child.cancel()`                                    |
//! | `defer cancel()`                        | `let _g = cancel.drop_guard()` ([`CancelGuard`])  | `let _g = child.clone().drop_guard()`               |
//! | `context.WithTimeout(p, d)`             | [`Context::with_timeout`]`(&p, d)`                | `tokio::time::timeout(d, fut)` around the work      |
//! | `context.WithDeadline(p, t)`            | [`Context::with_deadline`]`(&p, t)`               | `tokio::time::timeout_at(t, fut)`                   |
//! | `ctx.Deadline()`                        | [`Context::deadline`]                             | — (the deadline lives in the `Timeout` future)      |
//! | `<-ctx.Done()` in a `select`            | `recv(ctx.done())` in `crossbeam_channel::select!` | `child.cancelled()` in `tokio::select!`            |
//! | `<-ctx.Done()` in async code            | `ctx.cancelled()` in `tokio::select!`             | `child.cancelled()`                                 |
//! | `ctx.Err()`                             | [`Context::err`] → `Option<ContextError>`         | `child.is_cancelled()` / `Err(Elapsed)`             |
//! | `context.Canceled` / `DeadlineExceeded` | [`ContextError::Canceled`] / [`ContextError::DeadlineExceeded`] | `is_cancelled()` / `tokio::time::error::Elapsed` |
//! | `context.WithValue(p, key, v)`          | [`Context::with_value`]`::<K>(&p, v)`, `K: Key`   | a parameter, or `http::Extensions` in axum          |
//! | `ctx.Value(key).(T)`                    | [`Context::value`]`::<K>()` → `Option<&K::Value>` | `Extension<T>` extractor                            |
//! | `go test -race`                         | `cargo xtask race` (ThreadSanitizer), loom models, `cargo xtask miri` | same                            |
//!
//! # Modules, by checklist item
//!
//! - [`lesson`] — step 1, the `Context` a Go programmer writes: Go's `context.go` in safe Rust (a
//!   mutex, a done channel, a map of children, a recursive cancel, one timer thread). The day's
//!   first five exercises are cut from it.
//! - [`context`] — step 2, the fast `Context` the week's other days use: the same API and tests,
//!   plus `cancelled()` futures and blocking waits, any depth in constant stack. Its module docs
//!   state the invariants and the lock order, and what each optimisation buys, measured.
//! - [`chain`] — `Background()` passed through a call chain of three functions.
//! - [`worker`] — `with_cancel` stopping a long-running thread that exits via `done()`.
//! - `http` (feature `demo`) — `with_timeout` aborting a real HTTP request; a request ID through
//!   real axum middleware and handlers.
//! - [`deadline`] — `with_deadline` (absolute) compared with `with_timeout` (relative).
//! - [`values`] — typed keys, and the anti-pattern of mutable state in a context value next to the
//!   right design.
//! - `tokio_side` (feature `demo`) — the same tree and timeout with `CancellationToken` and
//!   `tokio::time`.
//! - [`leak`] — 100 000 timed contexts created and cancelled: what is left afterwards.
//!
//! The `demo` feature (on by default) adds tokio, axum and reqwest for the demos; the week's other
//! crates depend on this one with `default-features = false` and get the thread-side `Context`
//! alone (its only dependency is `crossbeam-channel`).

pub mod chain;
pub mod context;
pub mod deadline;
#[cfg(all(feature = "demo", not(loom)))]
pub mod http;
pub mod leak;
pub mod lesson;
mod sync;
#[cfg(all(feature = "demo", not(loom)))]
pub mod tokio_side;
pub mod values;
#[cfg(not(loom))]
pub mod worker;

pub use context::{
    CancelGuard, CancelHandle, Cancelled, Context, ContextError, Key, Never, introspect,
};
