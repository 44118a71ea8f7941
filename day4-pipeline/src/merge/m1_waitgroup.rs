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
//! In Rust `close(out)` is "drop the last `Sender`". Each forwarder drops its `Sender` clone
//! *before* its `wg.done()`, so when the group reaches zero the closer holds the only one left, and
//! its `drop(out)` closes the output — exactly when Go's `close(out)` would. It works, but the
//! `WaitGroup` only re-derives what the channel already counts: see [`m2_last_sender`](super::m2_last_sender).

use std::sync::Arc;

use crossbeam_channel::Receiver;

use crate::pipeline::{Pipeline, Stage};
use crate::waitgroup::WaitGroup;

/// Merges `inputs` into one receiver, closed by a closer thread once a `WaitGroup` of the
/// forwarders reaches zero.
pub fn merge<T: Send + 'static>(p: &Pipeline, inputs: Vec<Receiver<T>>) -> Receiver<T> {
    let (out, merged) = p.channel();
    let wg = Arc::new(WaitGroup::new());
    wg.add(inputs.len());
    p.spawn_all(
        "merge",
        inputs.into_iter().map(|input| {
            let (out, wg) = (out.clone(), Arc::clone(&wg));
            move |stage: &mut Stage| {
                // `defer wg.Done()`: declared first, so dropped last, after `input` and `out`.
                let _done = DoneOnDrop(wg);
                let (input, out) = (input, out);
                super::forward(stage, &input, &out)
            }
        }),
    );
    p.spawn("merge-close", move |_| {
        wg.wait();
        drop(out); // close(out): the forwarders' clones are already gone
        Ok(())
    });
    merged
}

/// Calls [`WaitGroup::done`] when dropped, on every return path including a panic.
struct DoneOnDrop(Arc<WaitGroup>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.done();
    }
}
