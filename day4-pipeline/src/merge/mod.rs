//! Fan-in: merge N receivers into one, in two steps side by side.
//!
//! - [`m1_waitgroup`]: the blog's shape, transliterated — a thread per input plus a `WaitGroup`,
//!   and a closer that waits for the group and then closes the output.
//! - [`m2_last_sender`]: the Rust shape — each forwarder owns a `Sender` clone and the output
//!   closes when the last one is dropped; no counter, nothing to get wrong.
//!
//! Both keep each input's own order (one forwarder per input, sending in the order it receives),
//! close the output only after every input closed (at once for zero inputs), and can never send
//! after close: sending needs a `Sender`, and a crossbeam channel closes only when none is left.
//! Go's "send on closed channel" panic has no Rust counterpart to guard against.

pub mod m1_waitgroup;
pub mod m2_last_sender;

pub use m2_last_sender::merge;

use crate::pipeline::{Stage, Stop};
use crate::sync::channel::{Receiver, Sender};

/// Copies `input` to `out` until either side closes or the context is done (the blog's `output`).
fn forward<T>(stage: &mut Stage, input: &Receiver<T>, out: &Sender<T>) -> Result<(), Stop> {
    loop {
        let item = stage.recv(input)?;
        stage.send(out, item)?;
    }
}
