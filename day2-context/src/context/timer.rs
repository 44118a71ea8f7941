//! The one shared timer: a single lazily started thread sleeping until the earliest deadline.
//!
//! Go gives every `WithDeadline` a runtime timer; threads have no such runtime, and a thread per
//! context would be absurd. Instead every pending deadline is one entry in an ordered map (a heap
//! that also supports removal), and `cancel` removes its entry, so a cancelled context leaves no
//! timer behind. The entries hold `Weak` scopes: the timer never keeps a context alive.
//!
//! Lock order: a scope's lock may be held while taking the timer's lock, never the reverse — the
//! thread releases its lock before it cancels an expired scope. The thread runs no other user code
//! than the wakers a cancel wakes, and it survives one that panics.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::thread;
use std::time::Instant;

use labkit::drop_payload;

use super::node::Node;

/// A pending deadline's key in the timer's map; the sequence number breaks ties between equal
/// instants.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    at: Instant,
    seq: u64,
}

struct Timer {
    state: Mutex<State>,
    /// Signalled when a new earliest deadline arrives.
    earlier: Condvar,
}

struct State {
    entries: BTreeMap<(Instant, u64), Weak<Node>>,
    next_seq: u64,
    /// What the thread is doing, so `insert` wakes it only for a deadline it would otherwise miss.
    thread: Sleep,
}

/// The timer thread's state, as last set by the thread under the lock.
#[derive(Clone, Copy)]
enum Sleep {
    /// Running: it re-reads the entries under the lock before it sleeps again.
    Awake,
    /// Asleep until this instant.
    Until(Instant),
    /// Asleep with no entries.
    Forever,
}

static TIMER: OnceLock<Timer> = OnceLock::new();

impl Timer {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under this lock, so a poisoned lock still guards consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn timer() -> &'static Timer {
    TIMER.get_or_init(|| {
        thread::Builder::new()
            .name("day2-context-timer".into())
            .spawn(run)
            .expect("day2-context: cannot start the timer thread");
        Timer {
            state: Mutex::new(State {
                entries: BTreeMap::new(),
                next_seq: 0,
                thread: Sleep::Awake,
            }),
            earlier: Condvar::new(),
        }
    })
}

/// The timer thread: fire every expired entry, then sleep until the next one (or a new earlier one).
fn run() {
    let timer = timer();
    let mut state = timer.lock();
    loop {
        let Some((&(at, _), _)) = state.entries.first_key_value() else {
            state.thread = Sleep::Forever;
            state = timer
                .earlier
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.thread = Sleep::Awake;
            continue;
        };
        let now = Instant::now();
        if at > now {
            state.thread = Sleep::Until(at);
            state = timer
                .earlier
                .wait_timeout(state, at - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            state.thread = Sleep::Awake;
            continue;
        }
        let expired = state.entries.pop_first().map(|(_, node)| node);
        drop(state);
        if let Some(node) = expired.as_ref().and_then(Weak::upgrade) {
            // `cancel` wakes the scope's async waiters, which runs executor code. A waker that
            // panics must not end this thread — every later deadline would be lost. The panic
            // hook has already reported it; the scope is done and every other waker was woken.
            let cancelled = panic::catch_unwind(AssertUnwindSafe(|| {
                node.expire();
            }));
            if let Err(payload) = cancelled {
                drop_payload(payload);
            }
        }
        state = timer.lock();
    }
}

/// Schedules `node` to be cancelled with `DeadlineExceeded` at `at`.
pub(crate) fn insert(at: Instant, node: Weak<Node>) -> Entry {
    let timer = timer();
    let mut state = timer.lock();
    let seq = state.next_seq;
    state.next_seq += 1;
    state.entries.insert((at, seq), node);
    // Wake the thread only if it would sleep past `at`. After a cancel empties the map the thread
    // still sleeps until the old deadline, so a stream of long timeouts costs no wake-ups.
    let wake = match state.thread {
        Sleep::Awake => false,
        Sleep::Until(until) => at < until,
        Sleep::Forever => true,
    };
    if wake {
        timer.earlier.notify_one();
    }
    Entry { at, seq }
}

/// Removes a pending entry (a no-op if it already fired).
pub(crate) fn remove(entry: Entry) {
    if let Some(timer) = TIMER.get() {
        let removed = timer.lock().entries.remove(&(entry.at, entry.seq));
        drop(removed);
    }
}

/// Entries waiting in the timer.
pub(crate) fn pending() -> usize {
    TIMER.get().map_or(0, |timer| timer.lock().entries.len())
}

/// Whether the timer holds an entry for `node` (which may be gone already).
#[cfg(test)]
pub(crate) fn holds(node: &Weak<Node>) -> bool {
    TIMER.get().is_some_and(|timer| {
        timer
            .lock()
            .entries
            .values()
            .any(|entry| entry.ptr_eq(node))
    })
}
