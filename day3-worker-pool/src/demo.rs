//! The curriculum's exercise: 100 jobs that "work" by sleeping a random, seeded duration, collected
//! in job order while they finish out of order.

use std::ops::Range;
use std::thread;
use std::time::Duration;

use day2_context::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::outcome::Outcome;
use crate::pool::p2_fast::Pool;
use crate::reorder::Reorder;

/// `count` durations drawn uniformly from `range` by an RNG seeded with `seed`: the same seed gives
/// the same durations, so a run can be repeated.
pub fn sleep_durations(seed: u64, count: usize, range: Range<Duration>) -> Vec<Duration> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| rng.random_range(range.clone()))
        .collect()
}

/// The simulated job: Go's `time.Sleep(randomDuration)`. Returns how long it slept.
pub fn sleeping_job(_ctx: &Context, duration: Duration) -> Duration {
    thread::sleep(duration);
    duration
}

/// One arrival at the collector: which job finished, and which jobs that let it release in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The index of the job whose outcome arrived.
    pub index: usize,
    /// The worker that ran it.
    pub worker: usize,
    /// The indices released in order because of this arrival (empty if a lower index is missing).
    pub released: Range<usize>,
}

/// Runs one sleeping job per duration on a pool of `workers` threads and restores job order as the
/// outcomes arrive. Returns every arrival in completion order, and the outcomes in job order.
pub fn run_in_order(
    ctx: &Context,
    workers: usize,
    durations: &[Duration],
) -> (Vec<Arrival>, Vec<Outcome<Duration>>) {
    let mut pool = Pool::new(ctx, workers, sleeping_job);
    pool.submit_all(durations.iter().copied());
    pool.close();
    collect_in_order(pool.results())
}

/// Restores job order as `results` arrive (either step of the pool: the tests run both). Returns
/// every arrival in completion order, and the outcomes in job order.
pub fn collect_in_order<R>(
    results: impl IntoIterator<Item = Outcome<R>>,
) -> (Vec<Arrival>, Vec<Outcome<R>>) {
    let mut buffer = Reorder::new();
    let (mut arrivals, mut in_order) = (Vec::new(), Vec::new());
    for outcome in results {
        let (index, worker) = (outcome.index, outcome.worker);
        buffer.insert(index, outcome);
        let first = buffer.next_index();
        while let Some((_, ready)) = buffer.pop() {
            in_order.push(ready);
        }
        arrivals.push(Arrival {
            index,
            worker,
            released: first..buffer.next_index(),
        });
    }
    (arrivals, in_order)
}
