//! Week 6, Tuesday: Go's context package for Rust threads and tokio.
//!
//! This day is not built yet.
