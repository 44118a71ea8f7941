//! Loom model of the completion counting in `merge::m1_waitgroup`: the hand-written `WaitGroup`.
//!
//! The model keeps the merge's protocol and replaces the channel with a `Mutex<Option<Vec<_>>>`
//! (`None` = closed): forwarders send, then `done()`; the closer `wait()`s, then closes. Loom
//! explores every interleaving and checks that no forwarder ever sends after the close (Go's
//! "send on closed channel") and that the closer sees every item.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day4-pipeline --test loom_merge`
#![cfg(loom)]

use day4_pipeline::waitgroup::WaitGroup;
use loom::sync::{Arc, Mutex};
use loom::thread;

type Channel = Arc<Mutex<Option<Vec<u32>>>>;

fn send(out: &Channel, item: u32) {
    let mut out = out.lock().unwrap();
    out.as_mut().expect("send on closed channel").push(item);
}

#[test]
fn closer_closes_only_after_every_forwarder_is_done() {
    loom::model(|| {
        let wg = Arc::new(WaitGroup::new());
        let out: Channel = Arc::new(Mutex::new(Some(Vec::new())));
        wg.add(2);
        let forwarders: Vec<_> = (0..2u32)
            .map(|i| {
                let (wg, out) = (Arc::clone(&wg), Arc::clone(&out));
                thread::spawn(move || {
                    send(&out, i);
                    wg.done();
                })
            })
            .collect();
        // The closer: wg.Wait(); close(out).
        wg.wait();
        let mut items = out.lock().unwrap().take().expect("closed twice");
        items.sort_unstable();
        assert_eq!(items, [0, 1]);
        forwarders.into_iter().for_each(|f| f.join().unwrap());
    });
}

#[test]
fn a_forwarder_sending_twice_still_finishes_before_the_close() {
    loom::model(|| {
        let wg = Arc::new(WaitGroup::new());
        let out: Channel = Arc::new(Mutex::new(Some(Vec::new())));
        wg.add(1);
        let forwarder = {
            let (wg, out) = (Arc::clone(&wg), Arc::clone(&out));
            thread::spawn(move || {
                send(&out, 1);
                send(&out, 2);
                wg.done();
            })
        };
        let closer = {
            let (wg, out) = (Arc::clone(&wg), Arc::clone(&out));
            thread::spawn(move || {
                wg.wait();
                out.lock().unwrap().take().expect("closed twice")
            })
        };
        assert_eq!(
            closer.join().unwrap(),
            [1, 2],
            "per-input order kept, nothing lost"
        );
        forwarder.join().unwrap();
        assert_eq!(wg.count(), 0);
    });
}

#[test]
fn zero_inputs_close_at_once() {
    loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(0);
        wg.wait();
        assert_eq!(wg.count(), 0);
    });
}
