//! Fan-out: N workers reading the same input, each item processed by exactly one of them.
//!
//! A crossbeam `Receiver` is multi-consumer (`Clone`), like a Go channel read by several
//! goroutines: each `recv` hands an item to exactly one worker. [`fan_out`] gives every worker a
//! clone of the input *and* of one output `Sender`, so fan-out and fan-in happen in one step —
//! the output closes when the last worker drops its `Sender`, no merge threads needed. The blog's
//! explicit form (`c1 := sq(in); c2 := sq(in); merge(c1, c2)`) is [`process`](crate::process()) twice
//! plus [`merge`](crate::merge::merge); `tests/checklist.rs` runs it.
//!
//! Workers finish items in any order. [`fan_out_ordered`] restores input order with sequence
//! numbers and a reorder buffer.

use std::iter;
use std::sync::Arc;

use crossbeam_channel::Receiver;
use day3_worker_pool::Reorder;

use crate::pipeline::{Pipeline, Stage};
use crate::stage::process;

/// Runs `f` on `workers` threads that share `input`; their results come out of one receiver, in
/// completion order.
///
/// # Panics
/// Panics if `workers` is 0 (nothing would ever read the input).
pub fn fan_out<T, U, F>(p: &Pipeline, input: Receiver<T>, workers: usize, f: F) -> Receiver<U>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    // lab:begin day4/fan-out
    assert!(workers > 0, "fan_out: `workers` must be at least 1, got 0");
    let (out, rx) = p.channel();
    let f = Arc::new(f);
    // `repeat_n` clones the input for all workers but the last, which gets the original.
    p.spawn_all(
        "process",
        iter::repeat_n(input, workers).map(|input| {
            let (out, f) = (out.clone(), Arc::clone(&f));
            move |stage: &mut Stage| loop {
                let item = stage.recv(&input)?;
                stage.send(&out, f(item))?;
            }
        }),
    );
    rx
    // lab:end day4/fan-out
}

/// Like [`fan_out`], but results come out in input order.
///
/// A numbering stage tags each item with its sequence number, the workers keep the tag, and a
/// reorder stage holds early results in a buffer until every earlier one has been sent.
///
/// The buffer holds the results that overtook the oldest unfinished item; with even item costs
/// that is about `workers` + the channel capacities, but one very slow item lets it grow until
/// that item is done.
///
/// # Panics
/// Panics if `workers` is 0.
pub fn fan_out_ordered<T, U, F>(
    p: &Pipeline,
    input: Receiver<T>,
    workers: usize,
    f: F,
) -> Receiver<U>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
{
    let mut next_seq = 0usize;
    let numbered = process(p, input, move |item| {
        let seq = next_seq;
        next_seq += 1;
        (seq, item)
    });
    let done = fan_out(p, numbered, workers, move |(seq, item)| (seq, f(item)));
    reorder(p, done)
}

/// Sends the values of `(sequence number, value)` pairs in sequence order, starting at 0, through
/// day 3's reorder buffer (the one its pool uses to restore job order).
fn reorder<U: Send + 'static>(p: &Pipeline, input: Receiver<(usize, U)>) -> Receiver<U> {
    let (out, rx) = p.channel();
    p.spawn("reorder", move |stage| {
        let mut early = Reorder::new();
        loop {
            let (seq, value) = stage.recv(&input)?;
            early.insert(seq, value);
            while let Some((_, value)) = early.pop() {
                stage.send(&out, value)?;
            }
        }
    });
    rx
}
