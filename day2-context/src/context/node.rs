//! One cancel scope of the tree: the shared state behind `with_cancel`, `with_timeout` and
//! `with_deadline`. The invariants and the lock order are stated once, in `context/mod.rs`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{Arc, PoisonError, Weak};
use std::task::Waker;
use std::time::{Duration, Instant};

use labkit::drop_payload;

use super::{ContextError, live, timer};
use crate::sync::{AtomicU8, Condvar, Mutex, MutexGuard};

const LIVE: u8 = 0;
const CANCELED: u8 = 1;
const DEADLINE_EXCEEDED: u8 = 2;

fn encode(err: ContextError) -> u8 {
    match err {
        ContextError::Canceled => CANCELED,
        ContextError::DeadlineExceeded => DEADLINE_EXCEEDED,
    }
}

fn decode(code: u8) -> Option<ContextError> {
    match code {
        CANCELED => Some(ContextError::Canceled),
        DEADLINE_EXCEEDED => Some(ContextError::DeadlineExceeded),
        _ => None,
    }
}

/// A link's nearest cancel scope.
pub(crate) enum ScopeRef {
    /// Under a bare `background()`: never done.
    None,
    /// A `with_cancel` / `with_timeout` / `with_deadline` link's own scope.
    Own(Arc<Node>),
    /// A `with_value` link's: its parent's scope, borrowed. The pointer is the `Arc` pointer of an
    /// ancestor link's `Own` scope, and a link holds its parent (so every ancestor) for as long as
    /// it lives, so the scope outlives the link: it is as good as a `&Node` for the link's life.
    Borrowed(NonNull<Node>),
}

// SAFETY: `Own` is an `Arc<Node>`, and `Borrowed` stands for a `&Node` valid for as long as the
// `ScopeRef` (see the variant); `Node` is `Send + Sync`, so both may move and be shared between
// threads like `Arc<Node>` and `&Node`.
unsafe impl Send for ScopeRef {}
// SAFETY: see `Send`.
unsafe impl Sync for ScopeRef {}

impl ScopeRef {
    /// The scope, if any.
    pub(crate) fn get(&self) -> Option<&Node> {
        match self {
            ScopeRef::None => None,
            ScopeRef::Own(scope) => Some(scope),
            // SAFETY: the scope outlives this link (see `Borrowed`), so outlives `&self`.
            ScopeRef::Borrowed(scope) => Some(unsafe { scope.as_ref() }),
        }
    }

    /// The same scope, borrowed, for a link derived from this one by `with_value`.
    pub(crate) fn borrow(&self) -> ScopeRef {
        match self {
            ScopeRef::None => ScopeRef::None,
            ScopeRef::Own(scope) => ScopeRef::Borrowed(NonNull::from(&**scope)),
            ScopeRef::Borrowed(scope) => ScopeRef::Borrowed(*scope),
        }
    }

    /// Calls `f` with the scope's `Arc` (the scope's owner's, not a clone), or with `None`.
    pub(crate) fn with_arc<R>(&self, f: impl FnOnce(Option<&Arc<Node>>) -> R) -> R {
        match self {
            ScopeRef::None => f(None),
            ScopeRef::Own(scope) => f(Some(scope)),
            ScopeRef::Borrowed(scope) => {
                // SAFETY: the pointer came from `Arc::as_ptr` of the owning link's `Arc` (see
                // `borrow`), which outlives `&self`. `ManuallyDrop`: this is a view of the owner's
                // count, not a count of its own, so it must never be dropped.
                let scope = ManuallyDrop::new(unsafe { Arc::from_raw(scope.as_ptr()) });
                f(Some(&scope))
            }
        }
    }

    /// A counted reference to the scope, if any.
    pub(crate) fn to_arc(&self) -> Option<Arc<Node>> {
        self.with_arc(|scope| scope.cloned())
    }
}

/// The hasher of the scope's maps, whose keys are addresses and counters: unique, never chosen
/// by an adversary, so SipHash's protection is not needed. A multiply spreads the key's bits
/// upwards and the high half is folded back down (addresses' low bits are all zero).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let product = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = product ^ (product >> 32);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A cancel scope. Shared by its link (`Context`s and `CancelHandle`s hold the link), its
/// parent's child set (strong), `Cancelled` futures, and the timer (weak).
pub(crate) struct Node {
    /// `LIVE`, `CANCELED` or `DEADLINE_EXCEEDED`; written once, under `state`'s lock (invariant 1),
    /// read without it.
    err: AtomicU8,
    state: Mutex<State>,
    /// Blocked `wait_timeout` callers sleep here, on `state`'s lock.
    blocked: Condvar,
    /// The scope this one registered with, kept only by a scope with a timer of its own: the timer
    /// cancels it with nothing else in hand. (A `CancelHandle` finds the parent through its link.)
    /// Weak: parents own children, never the reverse, so an abandoned subtree does not keep its
    /// ancestors alive.
    parent: Option<Weak<Node>>,
    /// Created on the first `done()` call, as Go creates its done channel lazily.
    #[cfg(not(loom))]
    done_rx: std::sync::OnceLock<crossbeam_channel::Receiver<super::Never>>,
}

#[derive(Default)]
struct State {
    /// Live children, keyed by their address (unique while they are in the map, which owns them).
    children: Map<usize, Arc<Node>>,
    /// Pending `Cancelled` futures, keyed by a per-scope counter.
    wakers: Map<u64, Waker>,
    next_waker: u64,
    /// Threads blocked in `wait_timeout`; `cancel` notifies the condvar only when this is non-zero.
    blocked: usize,
    /// This scope's entry in the shared timer, if its deadline is its own and still pending.
    timer: Option<timer::Entry>,
    /// Dropped by `cancel`, which disconnects `done_rx`.
    #[cfg(not(loom))]
    done_tx: Option<crossbeam_channel::Sender<super::Never>>,
    /// Set when an ancestor's cancel marked this scope done: the scope that cancel was called on,
    /// whose lock is held until the whole walk is over.
    cancelled_by: Option<Weak<Node>>,
}

/// What a cancel signals after it has released every lock.
#[derive(Default)]
struct Fired {
    wakers: Vec<Waker>,
    timers: Vec<timer::Entry>,
}

impl Node {
    /// A new scope under `parent` (none: under `background()`), with its own timer if `deadline`
    /// is given. A child of a done parent is born done with the parent's error (invariant 4).
    pub(crate) fn new_child(parent: &ScopeRef, deadline: Option<Instant>) -> Arc<Node> {
        // lab:begin day2/child-registration
        let node = Arc::new(Node {
            err: AtomicU8::new(LIVE),
            state: Mutex::new(State::default()),
            blocked: Condvar::new(),
            parent: deadline.and_then(|_| parent.with_arc(|p| p.map(Arc::downgrade))),
            #[cfg(not(loom))]
            done_rx: std::sync::OnceLock::new(),
        });
        live::add(1);
        if let Some(parent) = parent.get() {
            let mut parent_state = parent.lock();
            match parent.err() {
                // Relaxed: `node` is not shared yet; handing it to another thread synchronises.
                Some(err) => node.err.store(encode(err), Relaxed),
                None => {
                    parent_state.children.insert(node.key(), Arc::clone(&node));
                }
            }
        }
        if let Some(deadline) = deadline {
            parent.with_arc(|parent| node.arm(deadline, parent));
        }
        node
        // lab:end day2/child-registration
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held (no user code runs under it: wakers are
        // cloned, dropped and woken with it released), so a poisoned lock still guards
        // consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Registers the deadline with the shared timer, or cancels at once if it has already passed
    /// (`parent`: the scope this one registered with).
    fn arm(self: &Arc<Self>, deadline: Instant, parent: Option<&Arc<Node>>) {
        if deadline <= Instant::now() {
            self.cancel(ContextError::DeadlineExceeded, parent);
            return;
        }
        let mut state = self.lock();
        // A parent may have cancelled us since `new_child` registered us: then no timer (invariant 6).
        if self.err().is_none() {
            // Lock order: scope, then timer.
            state.timer = Some(timer::insert(deadline, Arc::downgrade(self)));
        }
    }

    /// `None` while live, then the first error forever.
    pub(crate) fn err(&self) -> Option<ContextError> {
        // Acquire: pairs with the Release store in `mark` (called by `cancel`), so whatever the
        // canceller did before `cancel` is visible to a thread that sees the error (Go: close
        // happens before receive; `loom_context::cancel_publishes_the_writes_before_it`).
        decode(self.err.load(Acquire))
    }

    /// The timer's cancel: this scope's own deadline has passed.
    pub(crate) fn expire(self: &Arc<Self>) {
        let parent = self.parent.as_ref().and_then(Weak::upgrade);
        self.cancel(ContextError::DeadlineExceeded, parent.as_ref());
    }

    /// Cancels this scope and its whole subtree with `err` (ignored if already done), removes it
    /// from `parent` (the scope it registered with), and returns only once every descendant is
    /// done (invariant 2).
    ///
    /// The walk is a loop over a work list, not a recursion, so a chain of any depth costs constant
    /// stack: it holds our own lock throughout and one descendant's lock at a time.
    pub(crate) fn cancel(self: &Arc<Self>, err: ContextError, parent: Option<&Arc<Node>>) {
        // lab:begin day2/cancel-propagation
        let mut fired = Fired::default();
        {
            let mut state = self.lock();
            // Relaxed: `err` is written only under this lock, which we hold.
            if self.err.load(Relaxed) != LIVE {
                // Already done: by a cancel of our own, which held this lock until its walk was
                // over, or by an ancestor's walk, which may still be on our subtree. That walk's
                // root holds its lock until the walk ends: take it once (no lock held) to wait.
                let walk = state.cancelled_by.clone();
                drop(state);
                if let Some(root) = walk.as_ref().and_then(Weak::upgrade) {
                    drop(root.lock());
                }
                return;
            }
            self.mark(&mut state, err, &mut fired);
            if !state.children.is_empty() {
                let mut pending: Vec<Arc<Node>> = state.children.drain().map(|(_, c)| c).collect();
                let root = Arc::downgrade(self);
                while let Some(node) = pending.pop() {
                    // Lock order: our lock (an ancestor's) before the descendant's.
                    let mut node_state = node.lock();
                    // Relaxed: under the node's lock. Done already means a cancel of its own
                    // walked it (and released this lock only afterwards): its subtree is done.
                    if node.err.load(Relaxed) != LIVE {
                        continue;
                    }
                    node.mark(&mut node_state, err, &mut fired);
                    node_state.cancelled_by = Some(Weak::clone(&root));
                    pending.extend(node_state.children.drain().map(|(_, c)| c));
                }
            }
        }
        if let Some(parent) = parent {
            // Not nested in our own lock: we released it above (lock order).
            let removed = parent.lock().children.remove(&self.key());
            drop(removed);
        }
        for entry in fired.timers {
            timer::remove(entry);
        }
        wake_all(fired.wakers);
        // lab:end day2/cancel-propagation
    }

    /// Marks a live scope done with `err`, under its lock (`state`): stores the error, disconnects
    /// `done()`, notifies blocked threads, and hands its wakers and timer entry to `fired`, which
    /// the canceller handles once it has released every lock.
    fn mark(&self, state: &mut State, err: ContextError, fired: &mut Fired) {
        // Release: pairs with the Acquire load in `err()`.
        self.err.store(encode(err), Release);
        // Dropping the only sender disconnects `done()`. The error is stored first, so a thread
        // woken by the disconnect sees it (crossbeam's disconnect synchronises with its receive).
        #[cfg(not(loom))]
        drop(state.done_tx.take());
        if state.blocked > 0 {
            self.blocked.notify_all();
        }
        if !state.wakers.is_empty() {
            fired
                .wakers
                .extend(state.wakers.drain().map(|(_, waker)| waker));
        }
        if let Some(entry) = state.timer.take() {
            fired.timers.push(entry);
        }
    }

    /// Registers `waker` for a pending `Cancelled` future (`slot` holds its key), or returns the
    /// error if the scope is done. Checking and registering under one lock hold is what rules out
    /// a lost wake-up: `cancel` sets the error and drains the wakers under the same lock.
    ///
    /// Cloning a waker and dropping the one it replaces run the executor's code, which may use
    /// this very scope (drop a `Cancelled`, ask for `err`), so both happen with the lock released.
    pub(crate) fn poll_waiter(
        &self,
        slot: &mut Option<u64>,
        waker: &Waker,
    ) -> Option<ContextError> {
        if let Some(key) = *slot {
            let state = self.lock();
            if let Some(err) = self.err() {
                *slot = None; // `cancel` already drained our waker
                return Some(err);
            }
            // `will_wake` compares two pointers; it runs no waker code.
            if state
                .wakers
                .get(&key)
                .is_some_and(|registered| registered.will_wake(waker))
            {
                return None;
            }
        }
        let fresh = waker.clone();
        let mut state = self.lock();
        // Checked under the lock hold that registers (invariant 5): a cancel may have come since
        // the last look.
        let (outcome, unused) = if let Some(err) = self.err() {
            *slot = None;
            (Some(err), Some(fresh))
        } else {
            match slot.and_then(|key| state.wakers.get_mut(&key)) {
                Some(registered) => (None, Some(std::mem::replace(registered, fresh))),
                None => {
                    let key = state.next_waker;
                    state.next_waker += 1;
                    state.wakers.insert(key, fresh);
                    *slot = Some(key);
                    (None, None)
                }
            }
        };
        drop(state);
        drop(unused);
        outcome
    }

    /// Forgets a dropped `Cancelled` future's waker.
    pub(crate) fn remove_waiter(&self, key: u64) {
        let removed = self.lock().wakers.remove(&key);
        drop(removed);
    }

    /// Blocks until done (returning the error) or until `timeout` passes (returning `None`). A
    /// timeout too large to represent waits forever.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> Option<ContextError> {
        if let Some(err) = self.err() {
            return Some(err);
        }
        let until = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        state.blocked += 1;
        let out = loop {
            if let Some(err) = self.err() {
                break Some(err);
            }
            state = match until {
                None => self
                    .blocked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(until) => {
                    let now = Instant::now();
                    if now >= until {
                        break None;
                    }
                    self.blocked
                        .wait_timeout(state, until - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        };
        state.blocked -= 1;
        out
    }

    /// The receiver `Context::done()` hands out; disconnected once the scope is done.
    #[cfg(not(loom))]
    pub(crate) fn done(&self) -> &crossbeam_channel::Receiver<super::Never> {
        // lab:begin day2/done-channel
        self.done_rx.get_or_init(|| {
            let (tx, rx) = crossbeam_channel::bounded(0);
            let mut state = self.lock();
            if self.err().is_none() {
                state.done_tx = Some(tx);
            } // else `tx` drops here and the receiver is born disconnected
            rx
        })
        // lab:end day2/done-channel
    }

    /// Whether this scope has a pending timer entry.
    #[cfg(test)]
    pub(crate) fn has_timer(&self) -> bool {
        self.lock().timer.is_some()
    }

    /// How many threads are blocked in `wait_timeout`.
    #[cfg(test)]
    pub(crate) fn blocked_count(&self) -> usize {
        self.lock().blocked
    }

    /// How many `Cancelled` futures are registered.
    #[cfg(test)]
    pub(crate) fn waker_count(&self) -> usize {
        self.lock().wakers.len()
    }

    /// How many live children are registered (introspection for the leak test).
    pub(crate) fn children_len(&self) -> usize {
        self.lock().children.len()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        live::add(-1);
        // An abandoned, never-cancelled scope must not leave its timer entry behind.
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = state.timer.take() {
            timer::remove(entry);
        }
        if state.children.is_empty() {
            return;
        }
        // Live children we own alone die with us. Their children are taken out first, into a work
        // list, so a never-cancelled chain of any depth drops in a loop, not a recursion.
        let mut orphans: Vec<Arc<Node>> = state.children.drain().map(|(_, c)| c).collect();
        while let Some(child) = orphans.pop() {
            if let Some(mut child) = Arc::into_inner(child) {
                let child_state = child
                    .state
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner);
                orphans.extend(child_state.children.drain().map(|(_, c)| c));
            } // `child` drops here with no children left
        }
    }
}

/// Wakes every waker, even if one of them panics; the first panic is then resumed, so the caller
/// of `cancel` still sees it (the timer thread contains it, see `timer.rs`).
fn wake_all(wakers: Vec<Waker>) {
    let mut first_panic = None;
    for waker in wakers {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake())) {
            match first_panic {
                None => first_panic = Some(payload),
                Some(_) => drop_payload(payload),
            }
        }
    }
    if let Some(payload) = first_panic {
        panic::resume_unwind(payload);
    }
}
