//! CPU profile of day 4's hot path: the pipeline `generate` → `process` fanned out over every core
//! → `sink`, with a trivial step so that the profile shows the stages' channels, not the work.
//!
//! ```text
//! cargo xtask profile day4-pipeline
//! ```
//!
//! Go: `go test -bench Pipeline -cpuprofile cpu.out` over the blog's pipeline, then `go tool pprof`.

use labkit::profile as sampler;

use std::ops::ControlFlow;

use day2_context::Context;
use day4_pipeline::{Pipeline, fan_out, generate, sink};

/// Items through the pipeline per round.
const ITEMS: u64 = 50_000;
/// Channel capacity between the stages.
const CAPACITY: usize = 64;

fn main() -> std::io::Result<()> {
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let what = format!("day 4 generate → fan-out over {workers} → sink");
    sampler::profile(&what, || {
        let p = Pipeline::new(&Context::background(), CAPACITY);
        let squares = fan_out(&p, generate(&p, 0..ITEMS), workers, |x: u64| {
            x.wrapping_mul(x)
        });
        let mut seen = 0;
        sink(&p, squares, |_| {
            seen += 1;
            ControlFlow::Continue(())
        });
        p.wait().expect("the pipeline runs to its end");
        assert_eq!(seen, ITEMS, "every item reaches the sink");
    })
}
