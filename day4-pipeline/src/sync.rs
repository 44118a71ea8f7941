//! The loom shim: the stage threads, their channels and the pipeline's shared state come from
//! here, so `--cfg loom` model-checks the same merge and pipeline code that ships.
//!
//! Normally these are std's threads, locks and atomics and crossbeam's channels. Under
//! `RUSTFLAGS="--cfg loom"` they are loom's, and [`channel`] is a small `Mutex` + `Condvar`
//! channel with the part of crossbeam's API the pipeline uses (loom cannot see inside crossbeam,
//! so a crossbeam channel would hide every interleaving from the model). Day 3's `WaitGroup`
//! switches to loom's primitives the same way (its `src/sync.rs`).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex};
#[cfg(not(loom))]
pub(crate) use std::thread;

/// The pipeline's channels: crossbeam's `bounded`, `Sender` and `Receiver`.
#[cfg(not(loom))]
pub mod channel {
    pub use crossbeam_channel::{Receiver, Sender, bounded};
}

/// The pipeline's channels under loom: a bounded channel on a loom `Mutex` and `Condvar` with
/// crossbeam's closing rule — it is disconnected for receivers once every `Sender` is dropped
/// (after the buffer is drained), and for senders once every `Receiver` is.
#[cfg(loom)]
pub mod channel {
    use std::collections::VecDeque;
    use std::fmt;

    pub use crossbeam_channel::{RecvError, SendError};
    use loom::sync::{Arc, Condvar, Mutex};

    struct State<T> {
        queue: VecDeque<T>,
        capacity: usize,
        senders: usize,
        receivers: usize,
    }

    struct Chan<T> {
        state: Mutex<State<T>>,
        /// Notified on every change a blocked sender or receiver may be waiting for.
        changed: Condvar,
    }

    impl<T> Chan<T> {
        /// Changes the state, then wakes every blocked sender and receiver to look again.
        fn update(&self, f: impl FnOnce(&mut State<T>)) {
            f(&mut self.state.lock().unwrap());
            self.changed.notify_all();
        }
    }

    /// Crossbeam's `bounded(capacity)`, for a capacity of at least 1.
    ///
    /// # Panics
    /// Panics if `capacity` is 0: a rendezvous channel is not modelled.
    pub fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
        assert!(
            capacity > 0,
            "the loom channel models buffered channels only, got capacity 0"
        );
        let chan = Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                capacity,
                senders: 1,
                receivers: 1,
            }),
            changed: Condvar::new(),
        });
        (Sender(Arc::clone(&chan)), Receiver(chan))
    }

    /// The sending half: cloning and dropping count, as crossbeam's do.
    pub struct Sender<T>(Arc<Chan<T>>);

    /// The receiving half: cloning and dropping count, as crossbeam's do.
    pub struct Receiver<T>(Arc<Chan<T>>);

    impl<T> Sender<T> {
        /// Blocks while the buffer is full; fails, handing the item back, once no receiver is left.
        ///
        /// # Errors
        /// `SendError(item)` when every `Receiver` is gone.
        pub fn send(&self, item: T) -> Result<(), SendError<T>> {
            let mut state = self.0.state.lock().unwrap();
            while state.receivers > 0 && state.queue.len() == state.capacity {
                state = self.0.changed.wait(state).unwrap();
            }
            if state.receivers == 0 {
                return Err(SendError(item));
            }
            state.queue.push_back(item);
            drop(state);
            self.0.changed.notify_all();
            Ok(())
        }
    }

    impl<T> Receiver<T> {
        /// Blocks until an item is there; fails once the buffer is empty and no sender is left.
        ///
        /// # Errors
        /// `RecvError` when the channel is empty and every `Sender` is gone.
        pub fn recv(&self) -> Result<T, RecvError> {
            let mut state = self.0.state.lock().unwrap();
            loop {
                if let Some(item) = state.queue.pop_front() {
                    drop(state);
                    self.0.changed.notify_all();
                    return Ok(item);
                }
                if state.senders == 0 {
                    return Err(RecvError);
                }
                state = self.0.changed.wait(state).unwrap();
            }
        }
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Self {
            self.0.state.lock().unwrap().senders += 1;
            Sender(Arc::clone(&self.0))
        }
    }

    impl<T> Clone for Receiver<T> {
        fn clone(&self) -> Self {
            self.0.state.lock().unwrap().receivers += 1;
            Receiver(Arc::clone(&self.0))
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            self.0.update(|s| s.senders -= 1);
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            // The buffered items are dropped with the last end of the channel, as in crossbeam.
            self.0.update(|s| s.receivers -= 1);
        }
    }

    impl<T> fmt::Debug for Sender<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Sender { .. }")
        }
    }

    impl<T> fmt::Debug for Receiver<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Receiver { .. }")
        }
    }
}
