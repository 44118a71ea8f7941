//! Two sequential baselines the concurrent tool is measured against, kept side by side.
//!
//! - [`naive`]: what a first Rust port of the Go program looks like. Deliberately slow; it is also
//!   the *reference*: every fast path of the crate is tested against it.
//! - [`sequential`]: a well-written single-threaded counter (byte-level ASCII fast path, one reused
//!   buffer, no allocation per word occurrence, a fast hash). The tool with `--jobs 1` must be no
//!   slower than this, and `--jobs 2` should beat it by using the second core.
//!
//! `examples/measure.rs` and `benches/count.rs` time all three on the same corpus.

pub mod naive;
pub mod sequential;
