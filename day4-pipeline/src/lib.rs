//! Week 6, Thursday: pipelines, fan-out and fan-in with cancellation in every stage.
//!
//! This day is not built yet.
