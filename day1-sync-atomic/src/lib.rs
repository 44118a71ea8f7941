//! Week 6, Monday: `sync.Map`, `sync/atomic`, and a lock-free stack — in Rust.
//!
//! | Go                                            | Rust, here                                        |
//! |-----------------------------------------------|---------------------------------------------------|
//! | `sync.Map` (`Store`, `Load`, `LoadOrStore`, `Delete`, `Range`) | [`map::ConcurrentMap`] (`store`, `load`, `load_or_store`, `delete`, `range`) |
//! | `map[K]V` + `sync.Mutex` / `sync.RWMutex`     | `Mutex<HashMap<K, V>>` / `RwLock<HashMap<K, V>>` (the lock *owns* the map) |
//! | a cache on `sync.Map` + `LoadOrStore`         | [`cache::Cache::get_or_compute`]                  |
//! | `go test -bench . -cpu 1,2,4`                 | `cargo bench -p day1-sync-atomic`, `examples/measure.rs` |
//! | `atomic.AddInt64(&n, 1)`, `atomic.LoadInt64(&n)` | [`AtomicI64::fetch_add`](std::sync::atomic::AtomicI64::fetch_add), [`load`](std::sync::atomic::AtomicI64::load), with an explicit [`Ordering`](std::sync::atomic::Ordering): [`atomic_counter`] |
//! | `atomic.Int64` (Go 1.19 typed atomics)        | `AtomicI64` (Rust's atomics were always typed)    |
//! | `atomic.CompareAndSwapPointer`, `atomic.Pointer[T]` | [`AtomicPtr::compare_exchange`](std::sync::atomic::AtomicPtr::compare_exchange); crossbeam-epoch's `Atomic<T>` |
//! | the garbage collector freeing popped nodes    | epoch-based reclamation (`crossbeam_epoch::pin`, `defer_destroy`) |
//! | `go test -race`                               | `cargo xtask race` (ThreadSanitizer), `cargo xtask miri` (Miri) and loom models (`tests/loom_stack.rs`) |
//! | "skim every exported type of `sync`"          | the std::sync tour in `journal/day1-sync-atomic.md` |
//!
//! Modules, by checklist item:
//!
//! - `sync.Map` for a concurrent cache: [`map`] — [`map::m1_lesson`] (Go's API over one
//!   `RwLock<HashMap>`, the lab's map), then [`map::m2_sharded`] (the sharded map the crate uses:
//!   design and consistency) — and [`cache`] (the demo built on it).
//! - 90 % read / 10 % write benchmark: [`read_heavy`] (contenders, workload).
//! - `sync/atomic` counter: [`atomic_counter`] (the course's counter, the lab's), then [`counter`]
//!   (atomic vs mutex vs per-thread counters).
//! - Lock-free stack: [`stack`] — [`stack::s1_leaky`] (why `pop` cannot free), then
//!   [`stack::s2_epoch`] (the real one), and [`stack::throughput`] against `Mutex<Vec<T>>`.
//! - `-race`: the loom shim `sync` (crate-private) that lets `tests/loom_counter.rs` model the
//!   counter and `tests/loom_stack.rs` model step 1;
//!   the same models run on step 2 through crossbeam-epoch's own loom build.
//! - Measuring: the workspace's support crate `labkit` (runs on warmed-up threads, cores busy,
//!   tables, the Go rows), shared by every day of the week; [`measured`], the day's tables as
//!   rows (maps, counters, stacks).
//!
//! # Features
//!
//! Without features the crate is its library: [`atomic_counter`], [`map`], [`cache`] and the two
//! stacks.
//! `contenders` (the default) adds the day's experiments — [`counter`], [`read_heavy`],
//! [`stack::throughput`] — with their contenders (dashmap, papaya, parking_lot) and the measuring
//! binaries.

pub mod atomic_counter;
pub mod cache;
#[cfg(feature = "contenders")]
pub mod counter;
pub mod map;
#[cfg(feature = "contenders")]
pub mod measured;
#[cfg(feature = "contenders")]
pub mod read_heavy;
pub mod stack;
mod sync;
