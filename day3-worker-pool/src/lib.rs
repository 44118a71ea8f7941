//! Week 6, Wednesday: a fixed-size worker pool with ordered results and graceful shutdown.
//!
//! This day is not built yet.
