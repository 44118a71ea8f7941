//! Week 6, Friday: a concurrent word counter built on the week's pool and context.
//!
//! This day is not built yet.
