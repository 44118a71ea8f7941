//! The workspace's support crate: measuring on a small, shared machine (every day's benchmarks and
//! tables), the Go programs' row protocol, the tables' cells, and the test helpers every day
//! shares (one watchdog, one way to drop a caught panic's payload). No day crate and no task of
//! `xtask` lives here, so a learner's compile error in a day breaks neither the other days nor
//! `cargo xtask`.
//!
//! | Go                                   | Rust, here                                   |
//! |--------------------------------------|----------------------------------------------|
//! | `testing.B`, `b.N`, `ns/op`          | criterion benches (`cargo bench`), plus [`measure()`] for tables |
//! | `runtime.NumCPU()`                   | [`std::thread::available_parallelism`]       |
//! | `go test -bench . -cpu 1,2,4`        | the day's `examples/measure.rs`, run by `cargo xtask bench` |
//! | `go test -timeout 10s`               | [`within`] (a bound per test that could hang) |
//! | the course's Go programs (`go run ./bench`) | [`go`]: their rows, beside the Rust rows |
//!
//! Modules:
//!
//! - [`mod@measure`]: [`Sample`] (wall and process CPU time, *cores busy*), [`measure()`],
//!   [`parallel`] (workers warmed up in their own threads), [`median`], [`median_of`], [`spin`]
//!   (the CPU-bound workload).
//! - [`table`]: [`Table`] (Markdown) and its cells: [`si`], [`cores_busy_cell`].
//! - [`go`]: the Go programs' row protocol and their runner, [`go::GoRows`].
//! - [`rows`]: measurements as typed rows (JSON lines, one schema with the Go programs' output),
//!   and the Markdown tables rendered from them.
//! - [`watchdog`]: [`within`], with the bound `cargo xtask lab check` uses ([`LAB_PATIENCE`]).
//! - [`drop_payload`] (module [`mod@panic`]): a caught panic's payload, dropped without unwinding.
//! - `day_binary` (feature `cli`, for tests): the command line every day binary keeps.
//! - `profile` (feature `profile`): the sampler behind `cargo xtask profile` — pprof for a fixed
//!   time, Go's `go test -cpuprofile`.
//!
//! # Features
//!
//! Without features the crate needs only `cpu-time`, `serde` and `serde_json` (which `xtask` uses
//! anyway), so `xtask` stays light. `cli` adds `day_binary`, which runs a day's binary through
//! `assert_cmd`; `profile` adds pprof.

#[cfg(feature = "cli")]
pub mod day_binary;
pub mod go;
pub mod measure;
pub mod panic;
#[cfg(feature = "profile")]
pub mod profile;
pub mod rows;
pub mod table;
pub mod watchdog;

pub use measure::{Sample, measure, median, median_of, parallel, spin};
pub use panic::drop_payload;
pub use table::{Table, cores_busy_cell, si};
pub use watchdog::{LAB_PATIENCE, within};
