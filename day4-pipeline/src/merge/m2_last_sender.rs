//! Step 2, the Rust shape: the output closes when the last forwarder drops its `Sender`.
//!
//! The `WaitGroup` of [`m1_waitgroup`](super::m1_waitgroup) counted live forwarders in order to
//! close the output after the last one. A crossbeam channel already counts its `Sender`s and
//! closes when that count reaches zero, so each forwarder owning a clone *is* the `WaitGroup`, and
//! the closer thread disappears. Zero inputs: the original `Sender` is dropped on return, so the
//! output is closed at once.

use crate::pipeline::{Pipeline, Stage};
use crate::sync::channel::Receiver;

/// Merges `inputs` into one receiver that closes after every input has closed (Go's `merge`).
///
/// Each input's items come out in that input's order; items of different inputs interleave.
pub fn merge<T: Send + 'static>(p: &Pipeline, inputs: Vec<Receiver<T>>) -> Receiver<T> {
    let (out, merged) = p.channel();
    p.spawn_all(
        "merge",
        inputs.into_iter().map(|input| {
            let out = out.clone();
            move |stage: &mut Stage| super::forward(stage, &input, &out)
        }),
    );
    // `out` is dropped here: from now on only the forwarders' clones keep `merged` open.
    merged
}
