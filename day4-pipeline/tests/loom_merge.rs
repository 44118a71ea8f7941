//! Loom models of the fan-in merges that ship: `merge::m1_waitgroup::merge` (the blog's shape, with
//! day 3's `WaitGroup` and a closer thread) and `merge::m2_last_sender::merge` (the last `Sender`
//! dropped closes the output).
//!
//! Under `--cfg loom` the crate builds its `Pipeline`, its stage threads and its channels on
//! loom's primitives (`src/sync.rs`; the channel is a loom `Mutex` + `Condvar` channel with
//! crossbeam's closing rule), and day 3's `WaitGroup` is built on loom's lock and condvar. So the
//! merge functions below are the shipped source, run under a model checker. Each model drains the
//! merged output on the main thread until it is disconnected, then joins the stage threads, and
//! checks in every interleaving that:
//! - the output closes: a forwarder that never signals the `WaitGroup`, or a closer that never
//!   drops its `Sender`, leaves every thread blocked, which loom reports as a deadlock;
//! - it closes only after every item of every input came out, each input's items in their order:
//!   a forwarder that stops early loses items, two forwarders on one input reorder them.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p day4-pipeline --test loom_merge`
#![cfg(loom)]

use day2_context::Context;
use day4_pipeline::Pipeline;
use day4_pipeline::merge::{m1_waitgroup, m2_last_sender};
use day4_pipeline::sync::channel::{Receiver, bounded};

type Merge = fn(&Pipeline, Vec<Receiver<u32>>) -> Receiver<u32>;

const MERGES: [(&str, Merge); 2] = [
    ("m1_waitgroup", m1_waitgroup::merge),
    ("m2_last_sender", m2_last_sender::merge),
];

/// An input channel that already holds `items` and is closed (its only `Sender` dropped).
fn closed_input(items: &[u32]) -> Receiver<u32> {
    let (tx, rx) = bounded(items.len().max(1));
    for &item in items {
        tx.send(item).expect("the receiver is alive");
    }
    rx
}

/// Runs `merge` over `inputs` in a pipeline whose channels hold one item (so a forwarder blocks
/// until the main thread takes the previous one), drains the output until it is disconnected and
/// joins every stage thread. Returns the items in the order they came out.
fn run(merge: Merge, inputs: &[&[u32]]) -> Vec<u32> {
    let p = Pipeline::new(&Context::background(), 1);
    let merged = merge(&p, inputs.iter().map(|items| closed_input(items)).collect());
    let mut got = Vec::new();
    while let Ok(item) = merged.recv() {
        got.push(item);
    }
    p.wait().expect("no stage fails or is cancelled here");
    got
}

/// Two inputs of one item each: two forwarders (and m1's closer) race the main thread.
///
/// Four threads: explored with at most 2 preemptions (or `LOOM_MAX_PREEMPTIONS`, if lower),
/// seconds instead of many minutes at 3; the one-input models below run at the bound given.
#[test]
fn two_inputs_every_item_out_then_closed() {
    for (name, merge) in MERGES {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(model.preemption_bound.map_or(2, |bound| bound.min(2)));
        model.check(move || {
            let mut got = run(merge, &[&[1], &[2]]);
            got.sort_unstable();
            assert_eq!(got, [1, 2], "{name}: an item was lost or duplicated");
        });
    }
}

/// One input of two items: its order is kept, and the output closes only after both.
#[test]
fn one_input_keeps_its_order_and_closes_after_the_last_item() {
    for (name, merge) in MERGES {
        loom::model(move || {
            assert_eq!(run(merge, &[&[1, 2]]), [1, 2], "{name}");
        });
    }
}

/// No input at all: the output closes at once (m1's closer waits on its own token only).
#[test]
fn no_input_closes_at_once() {
    for (name, merge) in MERGES {
        loom::model(move || {
            assert_eq!(run(merge, &[]), Vec::<u32>::new(), "{name}");
        });
    }
}
