//! Step 1, the lesson: Go's `context` package (`src/context/context.go`) written again in safe
//! Rust, in the same shape, so that the two read side by side. Day 2's exercises are cut from this
//! file; it needs no other file open.
//!
//! Step 2 is [`crate::context`]: the same API, the same tests (`tests/steps.rs` and
//! `tests/hostile.rs` run every test against both), rebuilt for speed and for any depth. Its module
//! docs name each optimisation and what it buys, measured. The week's other days use step 2.
//!
//! | Go (`context.go`)                     | here                                                  |
//! |---------------------------------------|-------------------------------------------------------|
//! | `emptyCtx` (`Background()`)           | a [`Context`] link with no scope and no parent        |
//! | `cancelCtx` (`mu`, `err`, `done`, `children`) | `Scope`: a `Mutex<State>` and the `done` receiver |
//! | `close(c.done)`                       | dropping the done channel's only `Sender`             |
//! | `propagateCancel(parent, child)`      | `Scope::new_child`                                    |
//! | `(*cancelCtx).cancel(removeFromParent, err)` | `Scope::cancel`                                |
//! | `timerCtx` (`time.AfterFunc`)         | a scope with an entry in the one timer thread below   |
//! | `valueCtx` and its `value` loop       | a link with a `value`, and [`Context::value`]         |
//!
//! The error and key types are the crate's (`context/mod.rs`), shared by both steps:
//! `ContextError::{Canceled, DeadlineExceeded}` are Go's `Canceled` and `DeadlineExceeded`, and a
//! key is a type, `trait Key: 'static { type Value: Send + Sync + 'static; }`, so two keys never
//! collide and the key fixes the value's type (Go's "unexported key type" advice, enforced).
//!
//! # Invariants (those of `context.go`)
//!
//! 1. A scope's `err` goes from `None` to `Some` once, under its lock: the first error wins.
//! 2. When `cancel` returns, the scope and every descendant are done. `cancel` holds its lock
//!    while it cancels each child, and each child holds its own while it cancels its children, so
//!    a concurrent `cancel` of a descendant waits on that descendant's lock until the walk is over.
//! 3. A live child is in its parent's `children`; `cancel` takes a scope out of its parent's.
//! 4. A child checks its parent's `err` and registers under one hold of the parent's lock: either
//!    the parent's later `cancel` finds it, or it is born done with the parent's error.
//!
//! Lock order: a parent's lock before a child's (only `cancel` nests them); a scope's before the
//! timer's. `cancel` leaves its parent after releasing its own lock; the timer thread holds no lock
//! while it cancels. No user code runs under any of these locks.
//!
//! # Limits
//!
//! `cancel` recurses once per level of nesting (Go's does too, on a goroutine stack that grows),
//! and dropping a chain of links or of never-cancelled scopes recurses the same way. A thread's
//! stack here is fixed (2 MiB for a spawned thread): a chain 3 000–4 000 scopes deep (debug build)
//! or 10 000–14 000 (release) overflows it and aborts the process. `tests/hostile.rs` runs this step on
//! 1 000 levels and keeps 200 000 as an ignored test that says why; step 2 walks a work list
//! instead and passes 200 000. Like Go's, a timed scope dropped without `cancel` keeps its timer
//! entry until its deadline.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

pub use crate::context::{ContextError, Key, Never};

/// Go's `context.Context`: a cheap handle (an `Arc`) to one link of a chain that ends at
/// [`background`](Context::background).
#[derive(Clone)]
pub struct Context(Arc<Link>);

/// One link: Go's `emptyCtx`, `cancelCtx`/`timerCtx` or `valueCtx`.
struct Link {
    /// The link this one was derived from; `None` for `background()`.
    parent: Option<Context>,
    /// The nearest cancel scope: this link's own (`with_cancel`, `with_deadline`), the parent's
    /// (`with_value`), or none (never done) under a bare `background()`.
    scope: Option<Arc<Scope>>,
    /// The earliest deadline on the chain.
    deadline: Option<Instant>,
    /// A `with_value` link's key (the key type's `TypeId`) and value.
    value: Option<(TypeId, Box<dyn Any + Send + Sync>)>,
}

/// Go's `cancelCtx`: what `with_cancel` and `with_deadline` add to a chain.
struct Scope {
    /// The scope this one registered with, to leave when cancelled. Weak: a parent owns its
    /// children (in `children`), never the reverse.
    parent: Option<Weak<Scope>>,
    state: Mutex<State>,
    /// Go's `done` channel, made on the first `done()` call.
    done: OnceLock<Receiver<Never>>,
}

/// What `Scope::state` guards (Go: "mu protects following fields").
#[derive(Default)]
struct State {
    /// `None` while live, then the first error forever.
    err: Option<ContextError>,
    /// The only sender of `done`: dropping it closes the channel.
    done: Option<Sender<Never>>,
    /// Live children, keyed by their address (Go: `map[canceler]struct{}`).
    children: HashMap<usize, Arc<Scope>>,
    /// This scope's key in the timer, while its own deadline is pending (Go: `timerCtx.timer`).
    timer: Option<(Instant, u64)>,
}

/// Go's `CancelFunc`: cancels its context and every context derived from it.
#[derive(Clone)]
pub struct CancelHandle {
    scope: Arc<Scope>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code that can panic runs under these locks, so a poisoned one still guards valid state.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scope {
    /// Go's `propagateCancel`: a new scope under `parent` (none: under `background()`), registered
    /// in the parent's `children`, or born done if the parent is done (invariant 4).
    fn new_child(parent: Option<&Arc<Scope>>) -> Arc<Scope> {
        // lab:begin day2/child-registration
        let child = Arc::new(Scope {
            parent: parent.map(Arc::downgrade),
            state: Mutex::default(),
            done: OnceLock::new(),
        });
        if let Some(parent) = parent {
            let mut parent_state = lock(&parent.state);
            match parent_state.err {
                Some(err) => lock(&child.state).err = Some(err),
                None => {
                    parent_state
                        .children
                        .insert(child.key(), Arc::clone(&child));
                }
            }
        }
        child
        // lab:end day2/child-registration
    }

    /// The scope's key in its parent's `children`: its address, unique while it is in the map.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Go's `cancelCtx.cancel`: sets `err` (unless already done), closes `done`, cancels every
    /// child, then leaves the parent if `remove_from_parent`.
    fn cancel(&self, err: ContextError, remove_from_parent: bool) {
        // lab:begin day2/cancel-propagation
        let mut state = lock(&self.state);
        if state.err.is_some() {
            return; // already cancelled: the first error wins
        }
        state.err = Some(err);
        drop(state.done.take()); // close(c.done)
        if let Some(entry) = state.timer.take() {
            stop_timer(entry); // Lock order: a scope's lock, then the timer's.
        }
        for (_, child) in state.children.drain() {
            // Our lock is held while the child takes its own: a parent's before a child's.
            child.cancel(err, false);
        }
        drop(state);
        if remove_from_parent && let Some(parent) = self.parent.as_ref().and_then(Weak::upgrade) {
            lock(&parent.state).children.remove(&self.key());
        }
        // lab:end day2/cancel-propagation
    }

    /// Go's `cancelCtx.Done`: the receiver, made once; disconnected once the scope is done.
    fn done(&self) -> &Receiver<Never> {
        // lab:begin day2/done-channel
        self.done.get_or_init(|| {
            let (sender, receiver) = crossbeam_channel::bounded(0);
            let mut state = lock(&self.state);
            if state.err.is_none() {
                state.done = Some(sender);
            } // else `sender` drops here: the receiver is born closed (Go's `closedchan`)
            receiver
        })
        // lab:end day2/done-channel
    }
}

impl CancelHandle {
    /// Cancels the context with [`ContextError::Canceled`] unless it is already done, and every
    /// descendant with it. Never touches the parent.
    pub fn cancel(&self) {
        self.scope.cancel(ContextError::Canceled, true);
    }
}

impl Context {
    /// Go's `context.Background()`: never done, no deadline, no values.
    pub fn background() -> Context {
        Context(Arc::new(Link {
            parent: None,
            scope: None,
            deadline: None,
            value: None,
        }))
    }

    /// Go's `context.WithCancel`: a child done when `handle.cancel()` is called or when `parent`
    /// is done, whichever comes first.
    pub fn with_cancel(parent: &Context) -> (Context, CancelHandle) {
        parent.derive(parent.deadline())
    }

    /// A child link with a scope of its own and `deadline`.
    fn derive(&self, deadline: Option<Instant>) -> (Context, CancelHandle) {
        let scope = Scope::new_child(self.0.scope.as_ref());
        let ctx = Context(Arc::new(Link {
            parent: Some(self.clone()),
            scope: Some(Arc::clone(&scope)),
            deadline,
            value: None,
        }));
        (ctx, CancelHandle { scope })
    }

    /// Go's `context.WithTimeout`: `with_deadline(parent, now + timeout)`; a timeout too large
    /// for an `Instant` adds no deadline.
    pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelHandle) {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => Context::with_deadline(parent, deadline),
            None => Context::with_cancel(parent),
        }
    }

    /// Go's `context.WithDeadline`: a child also done, with `DeadlineExceeded`, at `deadline` —
    /// or at the parent's deadline, if that is earlier.
    pub fn with_deadline(parent: &Context, deadline: Instant) -> (Context, CancelHandle) {
        // lab:begin day2/deadline-inheritance
        match parent.deadline() {
            // The parent ends first anyway: no timer of our own (Go: `return WithCancel(parent)`).
            Some(earlier) if earlier <= deadline => Context::with_cancel(parent),
            _ => {
                let (ctx, handle) = parent.derive(Some(deadline));
                if deadline <= Instant::now() {
                    handle.scope.cancel(ContextError::DeadlineExceeded, true);
                } else {
                    let mut state = lock(&handle.scope.state);
                    if state.err.is_none() {
                        let scope = Arc::downgrade(&handle.scope);
                        state.timer = Some(start_timer(deadline, scope));
                    }
                }
                (ctx, handle)
            }
        }
        // lab:end day2/deadline-inheritance
    }

    /// Go's `context.WithValue`, with a typed key: a child carrying `value` under `K`.
    pub fn with_value<K: Key>(parent: &Context, value: K::Value) -> Context {
        Context(Arc::new(Link {
            parent: Some(parent.clone()),
            scope: parent.0.scope.clone(),
            deadline: parent.0.deadline,
            value: Some((TypeId::of::<K>(), Box::new(value))),
        }))
    }

    /// Go's `ctx.Value(key)`: the innermost value bound to `K` on the chain, if any.
    pub fn value<K: Key>(&self) -> Option<&K::Value> {
        // lab:begin day2/value-lookup
        let mut link = Some(self);
        while let Some(ctx) = link {
            if let Some((key, value)) = &ctx.0.value
                && *key == TypeId::of::<K>()
            {
                return value.downcast_ref();
            }
            link = ctx.0.parent.as_ref();
        }
        None
        // lab:end day2/value-lookup
    }

    /// Go's `ctx.Err()`: `None` while live, then the first error, forever.
    pub fn err(&self) -> Option<ContextError> {
        self.0
            .scope
            .as_ref()
            .and_then(|scope| lock(&scope.state).err)
    }

    /// Go's `ctx.Done()`: a receiver that disconnects (Go: closes) when the context is done, for
    /// `crossbeam_channel::select!`; under `background()` it never does.
    pub fn done(&self) -> &Receiver<Never> {
        static NEVER: OnceLock<Receiver<Never>> = OnceLock::new();
        match &self.0.scope {
            Some(scope) => scope.done(),
            None => NEVER.get_or_init(crossbeam_channel::never),
        }
    }

    /// Go's `ctx.Deadline()`: the earliest deadline on the chain, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.0.deadline
    }

    /// How many live child scopes are registered with this context's scope (Go's tests read
    /// `len(c.children)`).
    #[doc(hidden)]
    pub fn child_scopes(&self) -> usize {
        self.0
            .scope
            .as_ref()
            .map_or(0, |scope| lock(&scope.state).children.len())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.deadline())
            .finish()
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let err = lock(&self.scope.state).err;
        f.debug_struct("CancelHandle").field("err", &err).finish()
    }
}

/// The one timer: Go gives every `WithDeadline` a runtime timer; here one thread sleeps until the
/// earliest pending deadline (a thread per context would be 100 000 threads for 100 000 timeouts).
struct Timer {
    pending: Mutex<Pending>,
    /// Signalled when a deadline is added.
    added: Condvar,
}

/// Pending deadlines in order; the sequence number tells equal instants apart.
#[derive(Default)]
struct Pending {
    scopes: BTreeMap<(Instant, u64), Weak<Scope>>,
    next: u64,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        std::thread::Builder::new()
            .name("day2-lesson-timer".into())
            .spawn(run_timer)
            .expect("day2-context: cannot start the lesson's timer thread");
        Timer {
            pending: Mutex::default(),
            added: Condvar::new(),
        }
    })
}

/// The timer thread: cancel each scope whose deadline has passed, then sleep until the next one.
fn run_timer() {
    let timer = timer();
    let mut pending = lock(&timer.pending);
    loop {
        let next = pending.scopes.first_key_value().map(|(&(at, _), _)| at);
        let now = Instant::now();
        pending = match next {
            None => timer
                .added
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner),
            Some(at) if at > now => {
                let woken = timer.added.wait_timeout(pending, at - now);
                woken.unwrap_or_else(PoisonError::into_inner).0
            }
            Some(_) => {
                let expired = pending.scopes.pop_first().and_then(|(_, s)| s.upgrade());
                drop(pending); // Lock order: no timer lock while a scope's is taken.
                if let Some(scope) = expired {
                    scope.cancel(ContextError::DeadlineExceeded, true);
                }
                lock(&timer.pending)
            }
        };
    }
}

/// Go's `time.AfterFunc(d, func() { c.cancel(true, DeadlineExceeded) })`.
fn start_timer(at: Instant, scope: Weak<Scope>) -> (Instant, u64) {
    let timer = timer();
    let mut pending = lock(&timer.pending);
    let key = (at, pending.next);
    pending.next += 1;
    pending.scopes.insert(key, scope);
    timer.added.notify_one();
    key
}

/// Go's `timer.Stop()`.
fn stop_timer(key: (Instant, u64)) {
    lock(&timer().pending).scopes.remove(&key);
}

/// Deadlines waiting in the timer (for the leak test).
#[doc(hidden)]
pub fn timer_entries() -> usize {
    lock(&timer().pending).scopes.len()
}
