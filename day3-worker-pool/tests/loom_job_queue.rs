//! Loom model of the pool's jobs queue (`src/job_queue.rs`) with the worker loop's wait: no lost
//! wake-up, and every job taken exactly once.
//!
//! The pool's bell is a crossbeam `unbounded::<()>()` whose only `Sender` is dropped on close; here
//! it is a count of tokens and a closed flag under a loom lock, with a condvar: a token sent before
//! its worker waits stays until it does, and close wakes every waiter, as with the channel. (The
//! cancel arm of the worker's `select!`, the context's `done()`, is not modelled.)
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day3-worker-pool --test loom_job_queue`
#![cfg(loom)]

use std::sync::PoisonError;

use day3_worker_pool::job_queue::{JobQueue, Take};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

/// The pool's bell channel: `(tokens, closed)`.
#[derive(Default)]
struct Bell {
    state: Mutex<(usize, bool)>,
    rung: Condvar,
}

impl Bell {
    /// `bell.send(())` `wake` times.
    fn ring(&self, wake: usize) {
        if wake > 0 {
            self.state.lock().unwrap_or_else(PoisonError::into_inner).0 += wake;
            self.rung.notify_all();
        }
    }

    /// Dropping the pool's `Sender`.
    fn close(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.rung.notify_all();
    }

    /// `recv(bell)`: returns with a token, or once closed with none left.
    fn wait(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0 == 0 && !state.1 {
            state = self
                .rung
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.0 = state.0.saturating_sub(1);
    }
}

/// `Worker::next_job` without the cancel arm.
fn next_job(queue: &JobQueue<usize>, bell: &Bell) -> Option<usize> {
    loop {
        match queue.take() {
            Take::Job(job) => return Some(job),
            Take::Closed => return None,
            Take::Idle => bell.wait(),
        }
    }
}

/// Jobs taken so far, and a condvar the submitter waits on.
#[derive(Default)]
struct Taken {
    jobs: Mutex<Vec<usize>>,
    more: Condvar,
}

impl Taken {
    /// Blocks until `count` jobs were taken; returns them, sorted.
    fn wait_for(&self, count: usize) -> Vec<usize> {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        while jobs.len() < count {
            jobs = self.more.wait(jobs).unwrap_or_else(PoisonError::into_inner);
        }
        let mut sorted = jobs.clone();
        sorted.sort_unstable();
        sorted
    }
}

/// Two workers; the submitter queues one job alone (`submit`), waits until it was taken, then two
/// in one group (`submit_all`), and closes only once all three were taken. A lost wake-up leaves a
/// job queued with both workers waiting on the bell, and the submitter waiting for it: loom
/// reports the deadlock.
#[test]
fn every_job_is_taken_once_and_no_wake_up_is_lost() {
    loom::model(|| {
        let queue = Arc::new(JobQueue::new());
        let bell = Arc::new(Bell::default());
        let taken = Arc::new(Taken::default());
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, bell, taken) =
                    (Arc::clone(&queue), Arc::clone(&bell), Arc::clone(&taken));
                thread::spawn(move || {
                    while let Some(job) = next_job(&queue, &bell) {
                        taken
                            .jobs
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(job);
                        taken.more.notify_all();
                    }
                })
            })
            .collect();

        if queue.push_one(0) {
            bell.ring(1);
        }
        // Waiting here keeps the group's wake-ups from covering for a lost one of `push_one`.
        assert_eq!(taken.wait_for(1), [0]);
        bell.ring(queue.push(&mut vec![1, 2]));
        assert_eq!(taken.wait_for(3), [0, 1, 2], "each job taken exactly once");

        // `Pool::close`: the queue closed first, then the bell.
        queue.close();
        bell.close();
        for w in workers {
            w.join().unwrap();
        }
        assert!(queue.is_empty());
    });
}

/// Close while both workers may be waiting: each wakes, finds the queue closed, and exits; a job
/// queued just before the close is still taken.
#[test]
fn close_wakes_every_idle_worker_after_the_last_job() {
    loom::model(|| {
        let queue = Arc::new(JobQueue::new());
        let bell = Arc::new(Bell::default());
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, bell) = (Arc::clone(&queue), Arc::clone(&bell));
                thread::spawn(move || {
                    let mut mine = Vec::new();
                    while let Some(job) = next_job(&queue, &bell) {
                        mine.push(job);
                    }
                    mine
                })
            })
            .collect();

        if queue.push_one(7) {
            bell.ring(1);
        }
        queue.close();
        bell.close();
        let all: Vec<usize> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        assert_eq!(all, [7]);
    });
}
