//! Step 1, the blog's `merge` transliterated: a thread per input, a `WaitGroup`, a closer thread.
//!
//! ```go
//! func merge(done <-chan struct{}, cs ...<-chan int) <-chan int {
//!     var wg sync.WaitGroup
//!     out := make(chan int)
//!     output := func(c <-chan int) {
//!         defer wg.Done()
//!         for n := range c {
//!             select {
//!             case out <- n:
//!             case <-done:
//!                 return
//!             }
//!         }
//!     }
//!     wg.Add(len(cs))
//!     for _, c := range cs {
//!         go output(c)
//!     }
//!     go func() {
//!         wg.Wait()
//!         close(out)
//!     }()
//!     return out
//! }
//! ```
//!
//! The `WaitGroup` is day 3's ([`day3_worker_pool::WaitGroup`]): `wg.Add(1)` is a clone moved into
//! a forwarder, `defer wg.Done()` is that clone being dropped, on every return path including a
//! panic. In Rust `close(out)` is "drop the last `Sender`". Each forwarder drops its `Sender` clone
//! *before* its `WaitGroup` clone, so when `wait` returns the closer holds the only `Sender` left,
//! and its `drop(out)` closes the output — exactly when Go's `close(out)` would.
//! `tests/loom_merge.rs` runs this function under loom (through `crate::sync`, which gives it a
//! channel loom can see) and checks, in every interleaving, that the output closes, and only after
//! every item of every input came out in its input's order. It works, but the `WaitGroup` only
//! re-derives what the channel already counts: see [`m2_last_sender`](super::m2_last_sender).

use day3_worker_pool::WaitGroup;

use crate::pipeline::{Pipeline, Stage};
use crate::sync::channel::Receiver;

/// Merges `inputs` into one receiver, closed by a closer thread once every forwarder has dropped
/// its `WaitGroup` clone.
pub fn merge<T: Send + 'static>(p: &Pipeline, inputs: Vec<Receiver<T>>) -> Receiver<T> {
    // lab:begin day4/merge-waitgroup
    let (out, merged) = p.channel();
    // Go: `var wg sync.WaitGroup`. This first value is the closer's own.
    let wg = WaitGroup::new();
    p.spawn_all(
        "merge",
        inputs.into_iter().map(|input| {
            // Go: `wg.Add(1)` for this input, before its forwarder starts.
            let (out, token) = (out.clone(), wg.clone());
            move |stage: &mut Stage| {
                // `defer wg.Done()`: bound first, so dropped last, after `input` and `out`.
                let _done = token;
                let (input, out) = (input, out);
                super::forward(stage, &input, &out)
            }
        }),
    );
    p.spawn("merge-close", move |_| {
        wg.wait(); // Go: wg.Wait() (gives up the closer's own value first)
        drop(out); // Go: close(out): the forwarders' clones are already gone
        Ok(())
    });
    merged
    // lab:end day4/merge-waitgroup
}
