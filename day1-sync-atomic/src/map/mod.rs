//! A `sync.Map` for Rust, in two steps side by side (as the stack goes `s1_leaky` → `s2_epoch`); one
//! test suite runs against both (`tests/map_steps.rs`: a `lesson` and a `sharded` module).
//!
//! | Go `sync.Map`                      | here                                                   |
//! |------------------------------------|--------------------------------------------------------|
//! | `m.Store(k, v)`                    | `store` (returns the old value, like `Swap`)           |
//! | `v, ok := m.Load(k)`               | `load` → `Option<V>`                                   |
//! | `v, loaded := m.LoadOrStore(k, v)` | `load_or_store` → `(V, bool)`                          |
//! | `m.Delete(k)` / `LoadAndDelete`    | `delete` → `Option<V>`                                 |
//! | `m.Range(func(k, v any) bool)`     | `range` with [`ControlFlow`](std::ops::ControlFlow)    |
//!
//! - [`m1_lesson`]: [`SyncMap`](m1_lesson::SyncMap), one `RwLock<HashMap>` with Go's API — the
//!   "map + `sync.RWMutex`" a Go programmer writes first. The lab's map exercises are here.
//! - [`m2_sharded`]: [`ConcurrentMap`], the same contract over cache-padded shards that hash each
//!   key once. Its module docs say what the shards buy; the read-heavy table measures it beside
//!   `RwLock<HashMap>` (the lesson's shape), dashmap, papaya and Go's `sync.Map`.

pub mod m1_lesson;
pub mod m2_sharded;

pub use m2_sharded::{ConcurrentMap, MAX_SHARDS, default_shards};
