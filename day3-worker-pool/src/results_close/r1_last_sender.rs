//! Step 1, the Rust way: every worker owns a `Sender` clone; the caller keeps none, so the results
//! channel closes when the last worker drops its clone.

use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, unbounded};

/// Spawns `workers` threads that run `work` on every job from `jobs` and send each result.
///
/// The returned receiver is disconnected exactly when the last worker has exited (after `jobs` is
/// closed and drained). The handles let the caller join the workers.
pub fn spawn_workers<J, R, F>(
    jobs: &Receiver<J>,
    workers: usize,
    work: F,
) -> (Receiver<R>, Vec<JoinHandle<()>>)
where
    J: Send + 'static,
    R: Send + 'static,
    F: Fn(J) -> R + Send + Clone + 'static,
{
    let (results_tx, results_rx) = unbounded();
    let handles = (0..workers)
        .map(|_| {
            let (jobs, results, work) = (jobs.clone(), results_tx.clone(), work.clone());
            // Go: `go worker(w, jobs, results)`; `range jobs` ends when `jobs` is closed and empty.
            thread::spawn(move || {
                for job in jobs {
                    if results.send(work(job)).is_err() {
                        return; // nobody reads results any more
                    }
                }
            }) // `results` (this worker's Sender) is dropped here.
        })
        .collect();
    // The caller's own Sender goes now: from here on only the workers keep the channel open.
    drop(results_tx);
    (results_rx, handles)
}
