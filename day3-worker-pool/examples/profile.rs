//! CPU profile of day 3's hot path: dispatch. Trivial jobs cross the pool's jobs queue and its
//! results channel, so the profile shows what the pool itself costs per job (queueing, waking a
//! worker, the `Outcome` on the results channel), not the work.
//!
//! ```text
//! cargo xtask profile day3-worker-pool
//! ```
//!
//! Go: `go test -bench Pool -cpuprofile cpu.out` over the course's pool, then `go tool pprof`.

use labkit::profile as sampler;

use std::hint::black_box;

use day2_context::Context;
use day3_worker_pool::Pool;

/// Jobs per round.
const JOBS: u64 = 20_000;

fn main() -> std::io::Result<()> {
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let mut pool: Pool<u64, u64> = Pool::new(&Context::background(), workers, |_, job| job);
    let what = format!("day 3 dispatch of trivial jobs on {workers} workers");
    sampler::profile(&what, || {
        // One `submit` per job, as Go's `for … { jobs <- job }` sends, then every result.
        for job in 0..JOBS {
            pool.submit(job);
        }
        let sum = pool
            .results()
            .iter()
            .take(JOBS as usize)
            .map(|o| o.result.unwrap_or(0))
            .fold(0, u64::wrapping_add);
        black_box(sum);
    })?;
    let left = pool.finish();
    assert!(
        left.completed.is_empty() && left.not_started.is_empty(),
        "every round collects all of its results"
    );
    Ok(())
}
