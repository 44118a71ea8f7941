//! The worker pool in its plainest form, the twin of `main.go` beside this file: 4 worker threads
//! take the numbers 1..=100 from one shared jobs channel and send each square on a results
//! channel, which closes when the last worker drops its `Sender` (the job of Go's WaitGroup and
//! closer goroutine). Answers arrive in any order, so the program prints only what does not depend
//! on it. `go run ./small` in `day3-worker-pool/go` prints the same.

use std::thread;

use crossbeam_channel::bounded;

fn main() {
    const NUM_JOBS: usize = 100;
    const NUM_WORKERS: usize = 4;
    let (jobs_tx, jobs_rx) = bounded(NUM_JOBS);
    let (results_tx, results_rx) = bounded(NUM_JOBS);

    for _ in 0..NUM_WORKERS {
        let (jobs, results) = (jobs_rx.clone(), results_tx.clone());
        thread::spawn(move || {
            // A worker. The loop ends once every jobs Sender is gone and the channel is drained.
            for n in jobs {
                results
                    .send((n, n * n))
                    .expect("main reads until every worker is done");
            }
        }); // `results` is dropped as the thread ends: Go's wg.Done()
    }
    for n in 1..=NUM_JOBS {
        jobs_tx.send(n).expect("main still holds a jobs Receiver");
    }
    drop(jobs_tx); // Go's close(jobs): no more jobs

    // Go's closer goroutine: only the workers' Senders are left now, so results closes (and the
    // loop below ends) when the last worker is done.
    drop(results_tx);

    let mut squares = vec![0; NUM_JOBS + 1]; // indexed by job: back in job order
    let mut sum = 0;
    for (n, square) in results_rx {
        squares[n] = square;
        sum += square;
    }
    let (one, two, three, last) = (squares[1], squares[2], squares[3], squares[NUM_JOBS]);
    println!("squares in job order: {one} {two} {three} … {last}");
    println!("{NUM_WORKERS} workers squared {NUM_JOBS} numbers; the squares add up to {sum}");
}
