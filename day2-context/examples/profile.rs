//! CPU profile of day 2's hot path: `with_cancel` under a live parent, then `cancel`, which
//! unregisters the child from its parent and closes its `done()` channel.
//!
//! ```text
//! cargo xtask profile day2-context
//! ```
//!
//! Go: `go test -bench WithCancel -cpuprofile cpu.out` in `context`, then `go tool pprof`.

use labkit::profile as sampler;

use std::hint::black_box;
use std::thread;

use day2_context::Context;

/// Contexts created and cancelled per thread per round.
const CONTEXTS: usize = 20_000;

/// Children of one shared parent, each cancelled in turn; every fourth has a child of its own, so a
/// cancel also walks one level down.
fn round(parent: &Context) {
    for i in 0..CONTEXTS {
        let (ctx, cancel) = Context::with_cancel(parent);
        let grandchild = (i % 4 == 0).then(|| Context::with_cancel(&ctx));
        cancel.cancel();
        black_box(ctx.err());
        if let Some((g, _)) = grandchild {
            black_box(g.is_done());
        }
    }
}

fn main() -> std::io::Result<()> {
    let threads = thread::available_parallelism().map_or(2, usize::from);
    // The shared parent stays live: every child registers with it and unregisters on cancel, as a
    // server's per-request contexts do under its root.
    let (parent, _keep) = Context::with_cancel(&Context::background());
    let what = format!("day 2 with_cancel + cancel on {threads} threads");
    sampler::profile(&what, || {
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| round(&parent));
            }
        });
    })
}
