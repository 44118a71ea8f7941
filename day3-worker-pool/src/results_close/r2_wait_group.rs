//! Step 2, Go's shape: workers report to a [`WaitGroup`]; a closer thread waits for all of them and
//! then drops the last `Sender` — Go's `go func() { wg.Wait(); close(results) }()`.

use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, unbounded};

use crate::wait_group::WaitGroup;

/// Same contract as [`spawn_workers`](super::r1_last_sender::spawn_workers), closed by a WaitGroup.
///
/// The last handle is the closer thread's. Here the channel still has a sender count underneath:
/// the workers' clones go when they exit, and the closer's original goes after `wait()`, which is
/// what makes the closing point "after every worker" visible in the code.
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
    // lab:begin day3/results-close-wg
    let (results_tx, results_rx) = unbounded();
    let wg = WaitGroup::new();
    let mut handles: Vec<_> = (0..workers)
        .map(|_| {
            // Go: `wg.Add(1)` — a token moved into the worker; dropping it is `wg.Done()`.
            let token = wg.clone();
            let (jobs, results, work) = (jobs.clone(), results_tx.clone(), work.clone());
            thread::spawn(move || {
                for job in jobs {
                    if results.send(work(job)).is_err() {
                        break;
                    }
                }
                drop(results);
                drop(token); // `wg.Done()`, after this worker's last send
            })
        })
        .collect();
    handles.push(thread::spawn(move || {
        wg.wait(); // Go: `wg.Wait()`
        drop(results_tx); // Go: `close(results)`
    }));
    (results_rx, handles)
    // lab:end day3/results-close-wg
}
