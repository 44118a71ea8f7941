//! Broadcast: one cancel wakes every waiter, whatever way it waits — `select!` on `done()`,
//! blocking `wait_timeout`, or an async `cancelled()`.

mod support;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use crossbeam_channel::select;
use day2_context::{Context, ContextError};
use support::{PATIENCE, bounded};

const PER_KIND: usize = 8;

#[test]
fn one_cancel_wakes_every_waiter() {
    bounded(PATIENCE * 2, || {
        let (root, cancel) = Context::with_cancel(&Context::background());
        // Waiters sit at different depths of the tree.
        let (child, _c) = Context::with_cancel(&root);
        let (grandchild, _g) = Context::with_timeout(&child, Duration::from_secs(3600));
        let places = [root, child, grandchild];
        let barrier = Arc::new(Barrier::new(3 * PER_KIND + 1));

        let mut waiters = Vec::new();
        for i in 0..PER_KIND {
            let ctx = places[i % places.len()].clone();
            let b = Arc::clone(&barrier);
            waiters.push(thread::spawn(move || {
                b.wait();
                select! {
                    recv(ctx.done()) -> _ => ctx.err(),
                    default(PATIENCE) => None,
                }
            }));
            let ctx = places[(i + 1) % places.len()].clone();
            let b = Arc::clone(&barrier);
            waiters.push(thread::spawn(move || {
                b.wait();
                ctx.wait_timeout(PATIENCE)
            }));
            let ctx = places[(i + 2) % places.len()].clone();
            let b = Arc::clone(&barrier);
            waiters.push(thread::spawn(move || {
                b.wait();
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("a runtime");
                rt.block_on(async {
                    tokio::select! {
                        err = ctx.cancelled() => Some(err),
                        () = tokio::time::sleep(PATIENCE) => None,
                    }
                })
            }));
        }
        barrier.wait();
        cancel.cancel();
        let woken: Vec<_> = waiters
            .into_iter()
            .map(|w| w.join().expect("no panic"))
            .collect();
        assert_eq!(woken.len(), 3 * PER_KIND);
        assert!(
            woken.iter().all(|e| *e == Some(ContextError::Canceled)),
            "{woken:?}"
        );
    });
}
