//! Loom model of the fan-in protocol of `merge::m1_waitgroup`, built on day 3's `WaitGroup`.
//!
//! The model keeps the merge's protocol and replaces the crossbeam channel (which loom cannot see)
//! with what the protocol touches: the items sent and the number of live `Sender`s, under a loom
//! `Mutex`; the output is closed when that number reaches 0. As in `m1_waitgroup`, each forwarder
//! binds its `WaitGroup` clone first and its `Sender` second, so the `Sender` is dropped before the
//! clone; the closer `wait()`s, then drops the original `Sender`. Loom explores every interleaving
//! and checks that no forwarder sends after the close (Go's "send on closed channel"), that the
//! closer's `Sender` is the last one (the output closes exactly at Go's `close(out)`), and that the
//! closer sees every item in each input's order. Day 3's own model (`tests/loom_wait_group.rs`)
//! checks the `WaitGroup` alone.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day4-pipeline --test loom_merge`
#![cfg(loom)]

use day3_worker_pool::WaitGroup;
use loom::sync::{Arc, Mutex};
use loom::thread;

/// The output channel as the protocol sees it.
#[derive(Debug, Default)]
struct Output {
    items: Vec<u32>,
    /// Live `Sender`s; 0 means closed.
    senders: usize,
}

/// A `Sender` of the modelled output: cloning and dropping count, as crossbeam's do.
#[derive(Debug)]
struct Sender(Arc<Mutex<Output>>);

impl Sender {
    /// The original `Sender` of a new output, and a handle to inspect it.
    fn channel() -> (Sender, Arc<Mutex<Output>>) {
        let output = Arc::new(Mutex::new(Output {
            items: Vec::new(),
            senders: 1,
        }));
        (Sender(Arc::clone(&output)), output)
    }

    fn send(&self, item: u32) {
        let mut out = self.0.lock().unwrap();
        assert!(out.senders > 0, "send on closed channel");
        out.items.push(item);
    }

    /// How many `Sender`s are alive, this one included.
    fn live(&self) -> usize {
        self.0.lock().unwrap().senders
    }
}

impl Clone for Sender {
    fn clone(&self) -> Self {
        self.0.lock().unwrap().senders += 1;
        Sender(Arc::clone(&self.0))
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.0.lock().unwrap().senders -= 1;
    }
}

/// A forwarder of `m1_waitgroup::merge`: `defer wg.Done()` bound first, then the `Sender`.
fn forwarder(token: WaitGroup, out: Sender, items: Vec<u32>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let _done = token;
        let out = out;
        for item in items {
            out.send(item);
        }
    })
}

/// The closer: `wg.Wait(); close(out)`. Returns what the output holds once it is closed.
fn close_after_wait(wg: WaitGroup, out: Sender, output: &Mutex<Output>) -> Vec<u32> {
    wg.wait();
    assert_eq!(
        out.live(),
        1,
        "wait returned while a forwarder still held a Sender"
    );
    drop(out); // close(out)
    let output = output.lock().unwrap();
    assert_eq!(output.senders, 0, "the closer's Sender was the last one");
    output.items.clone()
}

/// Two forwarders, the closer on the main thread: every item arrives before the close.
#[test]
fn closer_closes_only_after_every_forwarder_is_done() {
    loom::model(|| {
        let wg = WaitGroup::new();
        let (out, output) = Sender::channel();
        let forwarders: Vec<_> = (0..2u32)
            .map(|i| forwarder(wg.clone(), out.clone(), vec![i]))
            .collect();
        let mut items = close_after_wait(wg, out, &output);
        items.sort_unstable();
        assert_eq!(items, [0, 1]);
        forwarders.into_iter().for_each(|f| f.join().unwrap());
    });
}

/// One forwarder sending twice, the closer on a thread of its own: the input's order is kept and
/// nothing is lost, whichever thread runs first.
#[test]
fn a_forwarder_sending_twice_still_finishes_before_the_close() {
    loom::model(|| {
        let wg = WaitGroup::new();
        let (out, output) = Sender::channel();
        let forwarder = forwarder(wg.clone(), out.clone(), vec![1, 2]);
        let closer = thread::spawn(move || close_after_wait(wg, out, &output));
        assert_eq!(
            closer.join().unwrap(),
            [1, 2],
            "per-input order kept, nothing lost"
        );
        forwarder.join().unwrap();
    });
}
