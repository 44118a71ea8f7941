//! Week 6, Monday: a concurrent map (Go's sync.Map), atomics, and a lock-free stack.
//!
//! This day is not built yet.
