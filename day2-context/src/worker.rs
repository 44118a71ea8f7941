//! Checklist: `context.WithCancel` stops a long-running thread, which exits via `<-ctx.Done()`.
//!
//! The worker serves jobs forever — its job channel is never closed — and the only way out is the
//! `recv(ctx.done())` arm of its `select!`, exactly Go's
//! `select { case <-ctx.Done(): return ctx.Err(); case j := <-jobs: … }`.

use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender, select};

use crate::{Context, ContextError};

/// How the worker ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    /// Jobs completed before the context was done.
    pub processed: u64,
    /// `ctx.err()` as seen by the worker when `done()` fired.
    pub reason: ContextError,
}

/// Starts a worker that squares every job into `results` until `ctx` is done.
///
/// The thread receives its own clone of the context: it outlives this call, so it must own one.
pub fn spawn_worker(ctx: &Context, jobs: Receiver<u64>, results: Sender<u64>) -> JoinHandle<Exit> {
    // lab:begin day2/worker-cancel
    let ctx = ctx.clone();
    thread::Builder::new()
        .name("day2-worker".into())
        .spawn(move || {
            let mut processed = 0;
            loop {
                select! {
                    recv(ctx.done()) -> _ => {
                        let reason = ctx.err().expect("done() fired, so err() is set");
                        return Exit { processed, reason };
                    }
                    recv(jobs) -> job => match job {
                        Ok(job) => {
                            processed += 1;
                            // Sending can block too, so it also races with done().
                            select! {
                                send(results, job * job) -> _ => {}
                                recv(ctx.done()) -> _ => {}
                            }
                        }
                        // Closed jobs are not how this worker stops: wait for done(), which the
                        // next turn of the loop then reports.
                        Err(_) => {
                            let _ = ctx.done().recv();
                        }
                    },
                }
            }
        })
        .expect("cannot spawn the worker thread")
    // lab:end day2/worker-cancel
}
