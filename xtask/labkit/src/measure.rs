//! Timing a run: wall-clock time beside the process CPU time, on warmed-up worker threads.
//!
//! A two-vCPU virtual machine sometimes runs two "parallel" threads on one core. A multi-thread
//! figure is only meaningful next to how many cores were actually busy, so every measurement here
//! records both wall-clock time and process CPU time; their ratio is the *cores busy* figure
//! (≈ 2.0 means both cores really worked, ≈ 1.0 means the threads took turns on one).

use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Barrier;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::thread;
use std::time::{Duration, Instant};

/// One timed run: wall-clock time and the CPU time the whole process used meanwhile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Elapsed wall-clock time.
    pub wall: Duration,
    /// CPU time consumed by every thread of the process during the run (user + system).
    pub cpu: Duration,
}

impl Sample {
    /// Process CPU time divided by wall time: how many cores were busy on average.
    pub fn cores_busy(&self) -> f64 {
        if self.wall.is_zero() {
            return 0.0;
        }
        self.cpu.as_secs_f64() / self.wall.as_secs_f64()
    }

    /// `count` operations per second of wall time.
    pub fn per_second(&self, count: u64) -> f64 {
        count as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Runs `f` once and returns its result with the wall and process CPU time it took.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Sample) {
    let cpu0 = cpu_time::ProcessTime::now();
    let wall0 = Instant::now();
    let out = f();
    let wall = wall0.elapsed();
    let cpu = cpu0.elapsed();
    (out, Sample { wall, cpu })
}

/// Runs `threads` workers and times them together, the way every multi-thread table here is made.
///
/// Each worker `i` first runs `warm_up(i)` *inside its own thread* (so its caches, the allocator's
/// thread cache and the data it touches are warm). When every worker has warmed up, the caller
/// starts the clock and only then releases the workers (a second [`Barrier`] that the caller is
/// part of, so no worker can start before the clock); the clock stops when the last worker has
/// returned from `work(i)`. The results come back in worker order.
///
/// ```
/// use labkit::parallel;
/// let (sums, sample) = parallel(2, |_| {}, |i| (0..1000u64).sum::<u64>() + i as u64);
/// assert_eq!(sums, [499_500, 499_501]);
/// assert!(sample.wall > std::time::Duration::ZERO);
/// ```
///
/// # Panics
/// Panics if `threads` is zero, or with the worker's panic if a worker panics. A worker whose
/// `warm_up` panics still reaches both barriers, so nobody waits for it forever; then no worker
/// runs `work`, and the first such panic (in worker order) is re-raised.
pub fn parallel<R: Send>(
    threads: usize,
    warm_up: impl Fn(usize) + Sync,
    work: impl Fn(usize) -> R + Sync,
) -> (Vec<R>, Sample) {
    assert!(threads > 0, "parallel: `threads` must be at least 1, got 0");
    let (warm, go) = (Barrier::new(threads + 1), Barrier::new(threads + 1));
    let warm_up_failed = AtomicBool::new(false);
    let (results, sample) = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let (warm, go, failed) = (&warm, &go, &warm_up_failed);
                let (warm_up, work) = (&warm_up, &work);
                s.spawn(move || {
                    // AssertUnwindSafe: after a panic this worker touches nothing `warm_up` may
                    // have left half-done; it only passes the barriers and re-raises the payload.
                    let warmed = panic::catch_unwind(AssertUnwindSafe(|| warm_up(i)));
                    if warmed.is_err() {
                        // Relaxed: the `warm` barrier below orders this store before every
                        // worker's load after it.
                        failed.store(true, Relaxed);
                    }
                    warm.wait();
                    go.wait();
                    if let Err(payload) = warmed {
                        panic::resume_unwind(payload);
                    }
                    // Relaxed: every store to the flag happened before its thread's `warm.wait()`,
                    // which this thread has passed too.
                    (!failed.load(Relaxed)).then(|| work(i))
                })
            })
            .collect();
        warm.wait();
        measure(|| {
            go.wait();
            // Join every worker before re-raising, so no panic is left for the scope to report.
            let joined: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
            joined
                .into_iter()
                .map(|r| r.unwrap_or_else(|payload| panic::resume_unwind(payload)))
                .collect::<Vec<_>>()
        })
    });
    // `None` only when a warm-up panicked, and that panic was re-raised above.
    (results.into_iter().flatten().collect(), sample)
}

/// The median of `samples` by wall time (the upper median for an even count).
///
/// # Panics
/// Panics if `samples` is empty.
pub fn median(samples: &[Sample]) -> Sample {
    assert!(!samples.is_empty(), "median of no samples");
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| s.wall);
    sorted[sorted.len() / 2]
}

/// Runs `f` `runs` times and returns the median sample (see [`median`]).
pub fn median_of(runs: usize, mut f: impl FnMut()) -> Sample {
    let samples: Vec<Sample> = (0..runs.max(1)).map(|_| measure(&mut f).1).collect();
    median(&samples)
}

/// The workspace's CPU-bound workload: `rounds` steps of the SplitMix64 mixer starting from
/// `seed` — a dependency chain the compiler cannot shorten or hoist (`seed` and the result pass
/// through [`black_box`]), a few nanoseconds a round. Different seeds give different results, so a
/// pipeline can check where each item's answer went.
///
/// ```
/// use labkit::spin;
/// assert_eq!(spin(7, 0), 7);
/// assert_ne!(spin(7, 1), spin(8, 1));
/// assert_ne!(spin(7, 1), spin(7, 2));
/// ```
pub fn spin(seed: u64, rounds: u64) -> u64 {
    let mut x = black_box(seed);
    for _ in 0..rounds {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    black_box(x)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::within;

    /// The message of a panic payload (`panic!` with a literal or with formatting).
    fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
        match payload.downcast_ref::<&str>() {
            Some(message) => message,
            None => payload.downcast_ref::<String>().map_or("", String::as_str),
        }
    }

    /// The watchdog's bound: generous, since the harness runs tests in parallel on a busy machine.
    const LIMIT: Duration = Duration::from_secs(30);

    #[test]
    fn cores_busy_is_cpu_over_wall() {
        let s = Sample {
            wall: Duration::from_secs(2),
            cpu: Duration::from_secs(3),
        };
        assert_eq!(s.cores_busy(), 1.5);
        assert_eq!(s.per_second(10), 5.0);
    }

    #[test]
    fn busy_loop_keeps_about_one_core_busy() {
        let (_, s) = measure(|| {
            let t = Instant::now();
            while t.elapsed() < Duration::from_millis(50) {
                std::hint::spin_loop();
            }
        });
        // One spinning thread is clearly busy. Process CPU time also counts the other tests of
        // this binary, which the harness runs in parallel, so the upper bound is every core (plus
        // scheduler noise), not one.
        let cores = thread::available_parallelism().map_or(1, usize::from) as f64;
        assert!(
            s.cores_busy() > 0.05 && s.cores_busy() < cores + 0.3,
            "cores busy {}",
            s.cores_busy()
        );
    }

    /// A worker whose warm-up panics still passes both barriers, so the caller does not wait for
    /// it forever: the panic comes back to the caller, and no worker starts its timed work.
    #[test]
    fn a_warm_up_panic_is_re_raised_and_no_work_runs() {
        let worked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&worked);
        let outcome = panic::catch_unwind(|| {
            within("parallel after a warm-up panic", LIMIT, move || {
                parallel(
                    3,
                    |i| assert_ne!(i, 1, "warm-up of worker {i} failed"),
                    // Relaxed: read after `parallel` joined every worker.
                    |_| counter.fetch_add(1, Relaxed),
                )
            })
        });
        let payload = outcome.expect_err("parallel returned although a warm-up panicked");
        let message = panic_message(&*payload);
        assert!(message.contains("warm-up of worker 1 failed"), "{message}");
        // Relaxed: every worker was joined.
        assert_eq!(
            worked.load(Relaxed),
            0,
            "timed work ran after a warm-up panic"
        );
    }

    #[test]
    fn a_work_panic_is_re_raised() {
        let outcome = panic::catch_unwind(|| {
            within("parallel after a work panic", LIMIT, || {
                parallel(2, |_| {}, |i| assert_ne!(i, 0, "work of worker {i} failed"))
            })
        });
        let payload = outcome.expect_err("the panic was swallowed");
        let message = panic_message(&*payload);
        assert!(message.contains("work of worker 0 failed"), "{message}");
    }

    #[test]
    fn median_picks_the_middle_wall_time() {
        let at = |ms| Sample {
            wall: Duration::from_millis(ms),
            cpu: Duration::ZERO,
        };
        assert_eq!(
            median(&[at(5), at(1), at(3)]).wall,
            Duration::from_millis(3)
        );
    }
}
