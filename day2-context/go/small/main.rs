//! The small version of Tuesday: a worker stopped by `cancel()`, and a slow job cut short by a
//! timeout. The Go twin is `main.go` beside this file (`go run ./small` in `day2-context/go`);
//! both print the same lines. The context is this crate's `day2_context::Context`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, after, bounded, select};
use day2_context::Context;

/// Adds up the squares of its jobs until `ctx` is done, then reports what it did.
fn worker(ctx: &Context, jobs: &Receiver<u64>) -> String {
    let (mut sum, mut n) = (0, 0);
    loop {
        select! {
            recv(ctx.done()) -> _ => {
                let err = ctx.err().expect("done() fired, so err() is set");
                return format!("worker stopped after {n} jobs (sum of squares {sum}): {err}");
            }
            recv(jobs) -> job => {
                let job = job.expect("main holds the sender until the worker returns");
                sum += job * job;
                n += 1;
            }
        }
    }
}

fn main() {
    let (ctx, cancel) = Context::with_cancel(&Context::background());
    let (send, jobs) = bounded(0); // unbuffered: each send waits until the worker has taken the job
    let report = thread::spawn(move || worker(&ctx, &jobs));
    for job in 1..=10 {
        send.send(job).expect("the worker is running");
    }
    cancel.cancel(); // no more jobs come, so the worker's select can only see ctx.done()
    println!("{}", report.join().expect("the worker"));

    let (ctx, cancel) = Context::with_timeout(&Context::background(), Duration::from_millis(50));
    let _cancel = cancel.drop_guard(); // Go's `defer cancel()`
    select! {
        recv(after(Duration::from_secs(1))) -> _ => println!("slow job finished"), // a slow job
        recv(ctx.done()) -> _ => println!("slow job abandoned: {}", ctx.err().expect("done")),
    }
}
