//! Step 1, the lesson: Go's `context` package (`src/context/context.go`) in safe Rust, in the same
//! shape, so that the two read side by side. Day 2's exercises are cut from this file; it needs no
//! other file open. Step 2, [`crate::context`], is the same API (and the same [`ContextError`] and
//! [`Key`]) rebuilt for speed and any depth; `tests/steps.rs` and `tests/hostile.rs` test both.
//!
//! | Go (`context.go`)                             | here                                                |
//! |-----------------------------------------------|-----------------------------------------------------|
//! | `emptyCtx`, `valueCtx`                        | a [`Context`] link with no scope, or with a `value` |
//! | `cancelCtx` (`mu`, `err`, `done`, `children`) | `Scope`: a `Mutex<State>` and the `done` receiver   |
//! | `timerCtx` (`time.AfterFunc`)                 | a scope with an entry in the one timer thread       |
//!
//! Invariants (those of `context.go`):
//! 1. A scope's `err` goes from `None` to `Some` once, under its lock: the first error wins.
//! 2. When `cancel` returns, its subtree is done: it cancels its children under its own lock.
//! 3. A live child is in its parent's `children`; `cancel` takes a scope out of its parent's.
//! 4. A child checks its parent's `err` and registers under one hold of the parent's lock.
//!
//! Lock order: a parent's before a child's, a scope's before the timer's. No user code runs under
//! them. *Limits:* `cancel` and the drop of a chain recurse once per level, as Go's `cancel` does
//! (some 3 000 levels overflow a 2 MiB stack in a debug build); a timed scope dropped without
//! `cancel` keeps its timer entry until its deadline, as in Go.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

pub use crate::context::{ContextError, Key, Never};

/// Go's `context.Context`: a cheap handle (an `Arc`) to one link of a chain.
#[derive(Clone, Debug)]
pub struct Context(Arc<Link>);

/// One link: Go's `emptyCtx`, `cancelCtx`/`timerCtx` or `valueCtx`.
#[derive(Debug, Default)]
struct Link {
    parent: Option<Context>, // the link this one was derived from; `None`: `background()`
    scope: Option<Arc<Scope>>, // the nearest cancel scope, this link's own or its parent's
    deadline: Option<Instant>, // the earliest deadline on the chain
    value: Option<(TypeId, Box<dyn Any + Send + Sync>)>, // `with_value`'s key type and value
}

/// Go's `cancelCtx`: what `with_cancel` and `with_deadline` add to a chain.
#[derive(Debug)]
struct Scope {
    parent: Option<Weak<Scope>>, // to leave when cancelled; weak: a parent owns its children
    state: Mutex<State>,
    done: OnceLock<Receiver<Never>>, // Go's `done` channel, made on the first `done()` call
}

/// What `Scope::state` guards (Go: "mu protects following fields").
#[derive(Debug, Default)]
struct State {
    err: Option<ContextError>, // `None` while live, then the first error forever
    done: Option<Sender<Never>>, // `done`'s only sender: dropping it closes the channel
    children: HashMap<usize, Arc<Scope>>, // live children by address (Go: `map[canceler]struct{}`)
    timer: Option<(Instant, usize)>, // this scope's key in the timer while its deadline is pending
}

/// Go's `CancelFunc`: cancels its context and every context derived from it.
#[derive(Clone, Debug)]
pub struct CancelHandle {
    scope: Arc<Scope>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code that can panic runs under these locks, so a poisoned one still guards valid state.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scope {
    /// Go's `propagateCancel`: a new scope under `parent`, registered or born done (invariant 4).
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

    /// Go's `cancelCtx.cancel(removeFromParent, err)`: invariants 1–3.
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
    /// Cancels the context and its descendants with [`ContextError::Canceled`], if still live.
    pub fn cancel(&self) {
        self.scope.cancel(ContextError::Canceled, true);
    }
}

impl Context {
    /// Go's `context.Background()`: never done, no deadline, no values.
    pub fn background() -> Context {
        Context(Arc::default())
    }

    /// Go's `context.WithCancel`: a child done on `handle.cancel()` or when `parent` is done.
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

    /// Go's `context.WithTimeout`: `with_deadline(now + timeout)`; no deadline if that overflows.
    pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelHandle) {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => Context::with_deadline(parent, deadline),
            None => Context::with_cancel(parent),
        }
    }

    /// Go's `context.WithDeadline`: a child done (`DeadlineExceeded`) by `deadline` at the latest.
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
        lock(&self.0.scope.as_ref()?.state).err
    }

    /// Go's `ctx.Done()`: for `select!`, disconnected (Go: closed) once the context is done.
    pub fn done(&self) -> &Receiver<Never> {
        static NEVER: OnceLock<Receiver<Never>> = OnceLock::new();
        let never = || NEVER.get_or_init(crossbeam_channel::never); // Go: a nil channel
        self.0.scope.as_deref().map_or_else(never, Scope::done)
    }

    /// Go's `ctx.Deadline()`: the earliest deadline on the chain, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.0.deadline
    }

    /// Live child scopes registered with this context's scope (Go's tests read `len(c.children)`).
    #[doc(hidden)]
    pub fn child_scopes(&self) -> usize {
        let scope = self.0.scope.as_ref();
        scope.map_or(0, |scope| lock(&scope.state).children.len())
    }
}

/// Go's runtime timers: one thread (not one per timeout) cancels each scope at its deadline. A key
/// is a deadline and a scope's address, unique while the entry's `Weak` keeps the allocation.
static TIMERS: Mutex<BTreeMap<(Instant, usize), Weak<Scope>>> = Mutex::new(BTreeMap::new());
static TIMER_ADDED: Condvar = Condvar::new(); // signalled when a deadline is added

/// The timer thread: cancels each scope whose deadline has passed, then sleeps until the next one.
fn run_timer() {
    let mut pending = lock(&TIMERS);
    loop {
        let now = Instant::now();
        match pending.first_key_value().map(|(&(at, _), _)| at) {
            Some(at) if at <= now => {
                let expired = pending.pop_first().and_then(|(_, scope)| scope.upgrade());
                drop(pending); // Lock order: no timer lock while a scope's is taken.
                if let Some(scope) = expired {
                    scope.cancel(ContextError::DeadlineExceeded, true);
                }
                pending = lock(&TIMERS);
            }
            next => {
                // Until the earliest deadline, or until one is added (`MAX`: none is pending).
                let sleep = next.map_or(Duration::MAX, |at| at - now);
                let woken = TIMER_ADDED.wait_timeout(pending, sleep);
                pending = woken.unwrap_or_else(PoisonError::into_inner).0;
            }
        }
    }
}

/// Go's `time.AfterFunc(d, func() { c.cancel(true, DeadlineExceeded) })`; returns the entry's key.
fn start_timer(at: Instant, scope: Weak<Scope>) -> (Instant, usize) {
    static THREAD: Once = Once::new();
    THREAD.call_once(|| drop(std::thread::spawn(run_timer))); // detached: it runs forever
    let key = (at, scope.as_ptr().addr());
    lock(&TIMERS).insert(key, scope);
    TIMER_ADDED.notify_one();
    key
}

/// Go's `timer.Stop()`.
fn stop_timer(key: (Instant, usize)) {
    lock(&TIMERS).remove(&key);
}

/// Deadlines waiting in the timer (for the leak test).
#[doc(hidden)]
pub fn timer_entries() -> usize {
    lock(&TIMERS).len()
}
