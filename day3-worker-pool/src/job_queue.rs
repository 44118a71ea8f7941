//! The pool's jobs queue: what a Go buffered channel is inside, a buffer under a lock plus a count
//! of the receivers waiting for it, without the waiting itself. A [`Pool`](crate::Pool) worker that
//! is told [`Take::Idle`] waits for a token on the pool's bell channel in the same `select!` as the
//! context's `done()`, which a lock and a condvar could not do. Public for its loom model
//! (`tests/loom_job_queue.rs`), which runs it with a bell made of a lock and a condvar.
//!
//! Two locks, so that the submitter and the workers seldom wait for each other: jobs are queued at
//! the `tail`, under its lock, and handed out from the `head`, under the other. A taker that finds
//! the head empty takes the tail's lock too (always in that order) and moves every job queued
//! there to the head at once, by swapping the two buffers: no job is copied twice, and both
//! buffers are reused from batch to batch. (One lock for both ends, as a Go channel has, made a
//! loop of single submits slower on a loaded machine than the lock-free channel it replaced: the
//! submitter and two workers all queued on it.)
//!
//! Invariants:
//! 1. FIFO: every job at the head was queued before every job at the tail. Jobs move from the tail
//!    only to an empty head, all at once.
//! 2. `idle` is the number of [`take`](JobQueue::take) calls that returned [`Take::Idle`] and were
//!    not yet handed a wake-up by a [`push`](JobQueue::push) (or [`push_one`](JobQueue::push_one));
//!    it changes only under the tail's lock.
//! 3. No lost wake-up: a take says `Idle` only after finding the tail empty under its lock while
//!    holding the head's, which it found empty and which only takers fill; so the queue was empty
//!    at that point of the tail's lock order. A push after it (in that order) sees the taker
//!    counted and reports it among the `min(pushed, idle)` to wake, so the caller rings the bell for
//!    it; a push before it left a job the take would have found.
//! 4. No caller code runs under either lock: jobs are only moved in and out, and nothing there
//!    panics short of running out of memory, so neither lock is poisoned half-way.

use std::collections::VecDeque;
use std::fmt;
use std::sync::PoisonError;

use crate::sync::{Mutex, MutexGuard};

/// A queue of jobs shared by the pool and its workers (see the [module docs](self)).
pub struct JobQueue<J> {
    /// The jobs to hand out, oldest first; locked by takers (and by `take_all`, `len`), never by
    /// a push.
    head: Mutex<VecDeque<J>>,
    tail: Mutex<Tail<J>>,
}

/// The submitters' end.
struct Tail<J> {
    /// Jobs queued since the last move to the head, oldest first.
    jobs: VecDeque<J>,
    closed: bool,
    /// Takers that found the queue empty and open and were not handed a wake-up since.
    idle: usize,
}

/// What [`JobQueue::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Take<J> {
    /// The oldest job, now the caller's.
    Job(J),
    /// Closed and empty: no job will come.
    Closed,
    /// Empty and open: the caller was counted idle and waits for a wake-up before it looks again.
    Idle,
}

/// Locks `mutex`. Every change under the queue's locks is a whole move in or out (invariant 4), so
/// even a poisoned lock guards a consistent buffer and is taken all the same.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<J> JobQueue<J> {
    /// An empty, open queue with nobody idle.
    pub fn new() -> Self {
        JobQueue {
            head: Mutex::new(VecDeque::new()),
            tail: Mutex::new(Tail {
                jobs: VecDeque::new(),
                closed: false,
                idle: 0,
            }),
        }
    }

    /// Queues `job`; returns whether an idle taker must be woken (it is no longer counted idle).
    pub fn push_one(&self, job: J) -> bool {
        let mut tail = lock(&self.tail);
        tail.jobs.push_back(job);
        let wake = tail.idle > 0;
        tail.idle -= usize::from(wake);
        wake
    }

    /// Queues every job of `group` in order under one lock, leaving it empty; returns how many idle
    /// takers must be woken, `min(group.len(), idle)`, no longer counted idle.
    pub fn push(&self, group: &mut Vec<J>) -> usize {
        let mut tail = lock(&self.tail);
        let wake = group.len().min(tail.idle);
        tail.jobs.extend(group.drain(..));
        tail.idle -= wake;
        wake
    }

    /// The oldest job; or, if there is none, [`Take::Closed`], or [`Take::Idle`] after counting
    /// the caller idle.
    pub fn take(&self) -> Take<J> {
        let mut head = lock(&self.head);
        if let Some(job) = head.pop_front() {
            return Take::Job(job);
        }
        let mut tail = lock(&self.tail);
        match tail.jobs.pop_front() {
            Some(job) => {
                // The head is empty: the rest of the tail becomes the head (invariant 1), and the
                // head's empty buffer the tail's.
                std::mem::swap(&mut *head, &mut tail.jobs);
                Take::Job(job)
            }
            None if tail.closed => Take::Closed,
            None => {
                tail.idle += 1;
                Take::Idle
            }
        }
    }

    /// Marks the queue closed: once it is empty, [`take`](JobQueue::take) says [`Take::Closed`].
    /// The caller wakes the idle takers (the pool drops its bell's `Sender`).
    pub fn close(&self) {
        lock(&self.tail).closed = true;
    }

    /// Removes and returns every job still queued, oldest first.
    pub fn take_all(&self) -> Vec<J> {
        let mut head = lock(&self.head);
        let mut tail = lock(&self.tail);
        head.drain(..).chain(tail.jobs.drain(..)).collect()
    }

    /// How many jobs are queued.
    pub fn len(&self) -> usize {
        let head = lock(&self.head);
        let tail = lock(&self.tail);
        head.len() + tail.jobs.len()
    }

    /// Whether no job is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<J> Default for JobQueue<J> {
    fn default() -> Self {
        Self::new()
    }
}

impl<J> fmt::Debug for JobQueue<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = lock(&self.head);
        let tail = lock(&self.tail);
        f.debug_struct("JobQueue")
            .field("queued", &(head.len() + tail.jobs.len()))
            .field("closed", &tail.closed)
            .field("idle", &tail.idle)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn counts_idle_takers_and_wakes_at_most_as_many_as_it_queued() {
        let queue = JobQueue::new();
        assert_eq!(queue.take(), Take::Idle);
        assert_eq!(queue.take(), Take::Idle);
        assert_eq!(queue.take(), Take::Idle);
        assert_eq!(
            queue.push(&mut vec![1, 2]),
            2,
            "two of the three idle woken"
        );
        assert!(queue.push_one(3), "the third one too");
        assert!(!queue.push_one(4), "nobody left idle");
        queue.close();
        let mut rest = vec![];
        while let Take::Job(job) = queue.take() {
            rest.push(job);
        }
        assert_eq!(rest, [1, 2, 3, 4], "jobs in order, then");
        assert_eq!(queue.take(), Take::Closed);
    }

    #[test]
    fn take_all_empties_the_queue_in_order() {
        let queue = JobQueue::new();
        queue.push(&mut vec!['a', 'b']);
        queue.push_one('c');
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.take_all(), ['a', 'b', 'c']);
        assert!(queue.is_empty());
    }
}
