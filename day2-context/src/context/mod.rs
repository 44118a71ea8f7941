//! `Context`: Go's `context.Context` for threads and async code alike.
//!
//! A `Context` is a counted pointer (`shared.rs`: an `Arc` without weak references) to one
//! immutable link of a chain (background → scopes and values), so cloning is a reference-count
//! increment and handing `&Context` down a call chain costs nothing. A link holds its parent's link;
//! a `with_value` link is one allocation with its value in it, like Go's `valueCtx`.
//! Cancellation lives in *scopes* (`node.rs`), one per `with_cancel` / `with_timeout` /
//! `with_deadline`, owned by its link; a `with_value` link borrows its parent's scope. Scopes form a
//! tree: a parent owns its live children (strong); a child reaches its parent through its link
//! (which holds the parent's), or, for the timer's cancel of a scope with a deadline of its own,
//! weakly; the shared timer (`timer.rs`) knows a scope weakly.
//!
//! # Invariants
//!
//! 1. A scope's error goes from `None` to `Some(e)` once and never changes again; it is written
//!    only under the scope's lock (the first error wins, `cancel` is idempotent).
//! 2. When `cancel` returns, the scope and every descendant are done: errors set, `done()`
//!    channels disconnected, blocked waiters notified. The canceller holds the lock of the scope
//!    it was called on (the walk's *root*) for the whole walk, and visits the descendants from a
//!    work list, one lock at a time, so any depth costs constant stack. Each descendant it marks
//!    records the root; a second, concurrent `cancel` that finds a scope already done takes that
//!    root's lock once before returning, so it too returns only after the walk is over. (Async
//!    wakers are woken just after the locks are released.)
//! 3. A live child is in its parent's child set; a done scope is in no child set — `cancel`
//!    removes it from its parent, and a parent's cancel takes all its children out. So a
//!    long-lived parent holds only live children, however many have come and gone.
//! 4. A child registers with its parent under the parent's lock, after checking the parent's
//!    error under that same lock: either the parent's later cancel finds the child in its set, or
//!    the child is born done with the parent's error. There is no third case (the loom model
//!    `loom_context::cancel_races_child_creation` checks this).
//! 5. A waiter (blocking or async) checks the error and registers itself under the scope's lock;
//!    `cancel` sets the error and signals every registered waiter under that lock. No wake-up is
//!    lost (`loom_context::cancel_races_waiter`).
//! 6. A scope has a timer entry only while it is live and its own deadline is earlier than its
//!    parent's; `cancel` (and dropping an abandoned scope) removes the entry.
//! 7. A child's deadline is never later than its parent's: `with_deadline` takes the minimum.
//!
//! # Lock order
//!
//! An ancestor's lock before a descendant's (only `cancel` nests them: the walk's root, then one
//! descendant at a time); any scope's lock before the timer's; the timer thread holds no lock
//! while it cancels. `cancel` takes the parent's lock to remove itself, and a walk's root lock to
//! wait for it, only after releasing its own. No user code runs under a scope's lock: wakers are
//! cloned, dropped and woken with it released.
//!
//! Dropping a never-cancelled subtree is a loop too (`Node`'s `Drop`), as is dropping a long
//! chain of `Context` links (`Inner`'s `Drop`).
//!
//! # Under loom
//!
//! With `--cfg loom` the scope's lock, condvar and error flag come from loom (`crate::sync`), so the
//! models check this file's protocol. `done()` (a crossbeam channel) does not exist under loom, and
//! deadlines in the future are not modelled (the timer thread is a real thread).

mod cancelled;
mod live;
mod node;
mod shared;
mod timer;

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

pub use cancelled::Cancelled;
use node::{Node, ScopeRef};
use shared::{Counted, Shared};

/// The uninhabited message type of [`Context::done`]: nothing is ever sent, the channel only
/// disconnects. Go's `<-chan struct{}` that is only ever closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Never {}

/// Why a context is done: Go's `context.Canceled` and `context.DeadlineExceeded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// A [`CancelHandle::cancel`] call (on this context or an ancestor) came first.
    Canceled,
    /// The deadline (this context's or an ancestor's) passed first.
    DeadlineExceeded,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}

/// A key for [`Context::with_value`]: the key *is* the type, so two keys never collide, and the
/// value's type is fixed by the key (Go's "unexported key type" advice, enforced by the compiler).
///
/// ```
/// use day2_context::{Context, Key};
/// struct RequestId;
/// impl Key for RequestId {
///     type Value = u64;
/// }
/// let ctx = Context::with_value::<RequestId>(&Context::background(), 42);
/// assert_eq!(ctx.value::<RequestId>(), Some(&42));
/// ```
pub trait Key: 'static {
    /// The type of the value bound to this key.
    type Value: Send + Sync + 'static;
}

/// Go's `context.Context`: a cancellation signal, an optional deadline and request-scoped values,
/// passed explicitly (`&Context`) down a call chain.
///
/// Cloning is cheap (one reference-count increment); a clone is the same context. Queries never
/// block; waiting is [`done`](Context::done) (for `crossbeam_channel::select!`),
/// [`wait_timeout`](Context::wait_timeout) (a blocking thread) or [`cancelled`](Context::cancelled)
/// (a future).
#[derive(Clone)]
pub struct Context {
    inner: Shared<Link>,
}

/// A link as `Context` holds it: the bound value's type erased.
type Link = Inner<dyn Any + Send + Sync>;

/// One link of a chain, in one allocation with its count (`Shared`) and, for `with_value`, its
/// value (`V`); the other links hold `()` there.
struct Inner<V: ?Sized> {
    /// The count of `Shared` handles to this link: its `Context`s and `CancelHandle`s.
    count: AtomicUsize,
    /// The link this one was derived from; `None` only for `background()`.
    parent: Option<Context>,
    /// The nearest cancel scope: our own for `with_cancel`/`with_timeout`/`with_deadline`, the
    /// parent's (borrowed) for `with_value`, none (never done) under a bare `background()`.
    scope: ScopeRef,
    deadline: Option<Instant>,
    /// The `TypeId` of the key `value` is bound to; `None` on a link that binds nothing (`value`
    /// is `()` there).
    key: Option<TypeId>,
    /// The key's type name, for `Debug`.
    key_name: &'static str,
    value: V,
}

impl<V: ?Sized> Counted for Inner<V> {
    fn count(&self) -> &AtomicUsize {
        &self.count
    }
}

impl<V: ?Sized> Drop for Inner<V> {
    /// Unlinks the chain iteratively, so dropping a context at the end of a very long chain cannot
    /// overflow the stack through nested drops.
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(ctx) = next {
            next = Shared::into_inner_with(ctx.inner, |inner| inner.parent.take()).flatten();
        }
    }
}

/// Cancels the context returned with it (and every context derived from that one).
///
/// Go's `CancelFunc`. Calling [`cancel`](CancelHandle::cancel) more than once is harmless. Dropping
/// the handle does **not** cancel: like Go, a scope that is never cancelled stays registered with
/// its parent until the parent is done, so call `cancel` when the work is finished (Go's `defer
/// cancel()`). Like Go's `CancelFunc`, which holds its context, a handle keeps its context's chain
/// (and the values bound on it) alive.
#[derive(Clone)]
pub struct CancelHandle {
    /// The context's link, which owns the scope and holds the parent's link, whose scope this one
    /// is registered with.
    link: Shared<Link>,
}

// A handle only cancels: it never hands out the bound values its link keeps alive (the only part
// of a link without these traits), so a panic cannot leave it observing broken state.
impl std::panic::UnwindSafe for CancelHandle {}
impl std::panic::RefUnwindSafe for CancelHandle {}

impl CancelHandle {
    /// Cancels the context with [`ContextError::Canceled`] unless it is already done, and every
    /// descendant with it; when this returns they are all done. Never touches the parent.
    pub fn cancel(&self) {
        let link = &self.link;
        let ScopeRef::Own(scope) = &link.scope else {
            unreachable!("a CancelHandle is made only by `derive_scope`, whose link owns its scope")
        };
        match &link.parent {
            Some(parent) => {
                parent
                    .inner
                    .scope
                    .with_arc(|registry| scope.cancel(ContextError::Canceled, registry));
            }
            None => scope.cancel(ContextError::Canceled, None),
        }
    }
}

impl CancelHandle {
    /// Wraps the handle so that dropping the guard cancels: Go's `defer cancel()`, and
    /// tokio-util's `CancellationToken::drop_guard`.
    pub fn drop_guard(self) -> CancelGuard {
        CancelGuard(self)
    }
}

/// Cancels its context when dropped; made by [`CancelHandle::drop_guard`].
#[derive(Debug)]
#[must_use = "dropping the guard cancels at once"]
pub struct CancelGuard(CancelHandle);

impl Drop for CancelGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("err", &self.link.scope.get().and_then(Node::err))
            .finish()
    }
}

impl Context {
    /// Go's `context.Background()`: never done, no deadline, no values — the root of every tree.
    pub fn background() -> Context {
        let [ctx] = Context::link(Inner {
            count: AtomicUsize::new(0),
            parent: None,
            scope: ScopeRef::None,
            deadline: None,
            key: None,
            key_name: "",
            value: (),
        });
        ctx
    }

    /// `N` handles to a new link holding `inner`.
    fn link<V: Any + Send + Sync, const N: usize>(inner: Inner<V>) -> [Context; N] {
        let boxed: Box<Link> = Box::new(inner);
        Shared::new(boxed).map(|inner| Context { inner })
    }

    /// Go's `context.WithCancel`: a child that is done when `handle.cancel()` is called or when
    /// `parent` is done, whichever comes first. If `parent` is already done, so is the child.
    pub fn with_cancel(parent: &Context) -> (Context, CancelHandle) {
        parent.derive_scope(None, parent.inner.deadline)
    }

    /// Go's `context.WithTimeout`: `with_deadline(parent, now + timeout)`. A timeout too large to
    /// represent as an `Instant` (such as `Duration::MAX`) adds no deadline of its own — the child
    /// is then a `with_cancel` child — instead of panicking.
    pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelHandle) {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => Context::with_deadline(parent, deadline),
            None => Context::with_cancel(parent),
        }
    }

    /// Go's `context.WithDeadline`: a child that is also done, with
    /// [`ContextError::DeadlineExceeded`], at `deadline`. The child's deadline is the earlier of
    /// `deadline` and the parent's; a deadline at or before now makes the child done at once.
    pub fn with_deadline(parent: &Context, deadline: Instant) -> (Context, CancelHandle) {
        // lab:begin day2/deadline-inheritance
        match parent.inner.deadline {
            // The parent ends first anyway: no timer of our own (Go does the same).
            Some(earlier) if earlier < deadline => parent.derive_scope(None, Some(earlier)),
            _ => parent.derive_scope(Some(deadline), Some(deadline)),
        }
        // lab:end day2/deadline-inheritance
    }

    fn derive_scope(
        &self,
        timer: Option<Instant>,
        deadline: Option<Instant>,
    ) -> (Context, CancelHandle) {
        let scope = Node::new_child(&self.inner.scope, timer);
        // One allocation, two handles: the context and its cancel handle.
        let [ctx, handle] = Context::link(Inner {
            count: AtomicUsize::new(0),
            parent: Some(self.clone()),
            scope: ScopeRef::Own(scope),
            deadline,
            key: None,
            key_name: "",
            value: (),
        });
        (ctx, CancelHandle { link: handle.inner })
    }

    /// Go's `context.WithValue`, with a typed key: a child carrying `value` under `K`. The child
    /// shares the parent's cancellation and deadline. A later binding of the same key shadows
    /// this one for contexts derived from the child; the parent never sees it.
    ///
    /// Values are for request-scoped data that crosses API boundaries (a request ID, a trace
    /// span), not for optional parameters and not for mutable state: see
    /// `values::anti_pattern` for what goes wrong.
    pub fn with_value<K: Key>(parent: &Context, value: K::Value) -> Context {
        // One allocation: the link with the value in it. Like Go's `valueCtx`, no scope of its own.
        let [ctx] = Context::link(Inner {
            count: AtomicUsize::new(0),
            parent: Some(parent.clone()),
            scope: parent.inner.scope.borrow(),
            deadline: parent.inner.deadline,
            key: Some(TypeId::of::<K>()),
            key_name: std::any::type_name::<K>(),
            value,
        });
        ctx
    }

    /// Go's `ctx.Err()`: `None` while live, then the first error, forever.
    pub fn err(&self) -> Option<ContextError> {
        self.inner.scope.get().and_then(Node::err)
    }

    /// `self.err().is_some()`: one atomic load, cheap enough to check between chunks of work.
    pub fn is_done(&self) -> bool {
        self.err().is_some()
    }

    /// Go's `ctx.Deadline()`: the earliest deadline on the chain, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }

    /// Go's `ctx.Value(key)`: the innermost value bound to `K` on the chain, if any.
    pub fn value<K: Key>(&self) -> Option<&K::Value> {
        // lab:begin day2/value-lookup
        let mut link = Some(self);
        while let Some(ctx) = link {
            if ctx.inner.key == Some(TypeId::of::<K>()) {
                return ctx.inner.value.downcast_ref();
            }
            link = ctx.inner.parent.as_ref();
        }
        None
        // lab:end day2/value-lookup
    }

    /// Go's `ctx.Done()`: a receiver that never yields a message and becomes *disconnected* when
    /// the context is done, so it fires in `crossbeam_channel::select!` like a closed Go channel.
    /// Under `background()` it never fires. Once it has fired, [`err`](Context::err) is `Some`.
    ///
    /// ```
    /// use crossbeam_channel::select;
    /// use day2_context::Context;
    /// let (ctx, cancel) = Context::with_cancel(&Context::background());
    /// cancel.cancel();
    /// select! {
    ///     recv(ctx.done()) -> _ => assert!(ctx.err().is_some()),
    /// }
    /// ```
    #[cfg(not(loom))]
    pub fn done(&self) -> &crossbeam_channel::Receiver<Never> {
        static NEVER: std::sync::OnceLock<crossbeam_channel::Receiver<Never>> =
            std::sync::OnceLock::new();
        match self.inner.scope.get() {
            Some(scope) => scope.done(),
            None => NEVER.get_or_init(crossbeam_channel::never),
        }
    }

    /// Blocks the calling thread until the context is done (returning its error) or `timeout`
    /// has passed (returning `None`). `Duration::MAX` waits for as long as it takes.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<ContextError> {
        match self.inner.scope.get() {
            Some(scope) => scope.wait_timeout(timeout),
            None => {
                std::thread::sleep(timeout);
                None
            }
        }
    }

    /// A future that completes with the error once the context is done — for `tokio::select!`.
    /// See [`Cancelled`] for its cancellation safety.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled::new(self.inner.scope.to_arc())
    }

    /// How many live child scopes are registered directly under this context's scope.
    #[doc(hidden)]
    pub fn child_scopes(&self) -> usize {
        self.inner.scope.get().map_or(0, Node::children_len)
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys = Vec::new();
        let mut link = Some(self);
        while let Some(ctx) = link {
            if ctx.inner.key.is_some() {
                keys.push(ctx.inner.key_name);
            }
            link = ctx.inner.parent.as_ref();
        }
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.deadline())
            .field("keys", &keys)
            .finish()
    }
}

/// Counters for tests and measurements; not part of the API.
#[doc(hidden)]
pub mod introspect {
    /// Cancel scopes currently allocated in the process. Exact once the threads that made and
    /// dropped them have been joined.
    pub fn live_scopes() -> usize {
        super::live::scopes()
    }

    /// Deadlines waiting in the shared timer.
    pub fn timer_entries() -> usize {
        super::timer::pending()
    }
}

#[cfg(test)]
mod tests;
