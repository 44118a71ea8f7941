//! The workspace's task runner, the cargo-xtask way: `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`). It orchestrates cargo and stays light: no async runtime, no benchmark
//! harness in its build.
//!
//! | command | what it does |
//! |---|---|
//! | `check-all` | everything CI checks, in order, ending with a table of steps |
//! | `test [CRATE]` | unit, integration and doc tests, recording which test passed |
//! | `loom [CRATE] [--deep]` | the loom models (`tests/loom_*.rs`) |
//! | `race [CRATE]` | the tests under ThreadSanitizer — Rust's `go test -race` |
//! | `miri [CRATE]` | the unsafe code's tests under Miri (each crate's `miri-args`) |
//! | `bench [CRATE] [--smoke]` | criterion benches and each day's measured tables |
//! | `tour` | every day's binary, in order, as `<bin> --quick` |
//! | `checklist` | the week's 37 items, ✓ / ✗, and the tests that prove them |
//! | `journal` | checks the journal pages; shows which prompts you have answered |
//! | `lab [list\|start\|check\|watch\|hint\|solution\|reset\|mistake\|prove]` | lab mode: the exercises, cut from the reference |
//! | `profile CRATE` | a CPU flame graph and a pprof profile of the crate's `examples/profile.rs` |
//!
//! Modules: one per command (each with its `run`); [`step`] (how a step ends, is recorded and
//! summarised), [`suite`] (building and running test binaries, results by package / target /
//! test), [`ws`] (the workspace from `cargo metadata`: crates, targets, target directory,
//! `[package.metadata.xtask]`), [`week`] (the checklist file), [`cmd`] (running commands),
//! [`nightly`] (the nightly toolchain).

mod bench;
mod check_all;
mod checklist;
mod cmd;
mod go;
mod journal;
mod lab;
mod loom;
mod miri;
mod nightly;
mod plot;
mod profile;
mod race;
mod step;
mod suite;
mod test;
mod tour;
mod week;
mod ws;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask",
    about = "Tasks for the concurrency-labs workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Every check, in order: fmt, clippy, test, doc, loom, race, miri, bench --smoke, journal,
    /// checklist.
    CheckAll,
    /// Unit, integration and doc tests (results feed `checklist`).
    Test {
        /// Only this crate (for example `day3-worker-pool`).
        krate: Option<String>,
    },
    /// Every loom model (`tests/loom_*.rs`), built with `--cfg loom` (plus the crate's `loom-cfg`)
    /// in release, under the target directory.
    Loom {
        /// Only this crate.
        krate: Option<String>,
        /// Bound on preemptions per execution (`LOOM_MAX_PREEMPTIONS`) for every crate [default:
        /// each crate's `loom-preemptions`, else 3].
        #[arg(long, conflicts_with = "deep")]
        preemptions: Option<u32>,
        /// Each crate that sets `loom-deep-preemptions` at that bound (slow; not in check-all).
        #[arg(long)]
        deep: bool,
    },
    /// The tests under ThreadSanitizer on the nightly toolchain: Rust's `go test -race`.
    Race {
        /// Only this crate.
        krate: Option<String>,
    },
    /// The unsafe code's tests under Miri on the nightly toolchain (each crate's `miri-args`).
    Miri {
        /// Only this crate.
        krate: Option<String>,
    },
    /// Criterion benches plus the day's measured tables, written to the journal and
    /// `<target>/bench-summary.md`; with `--smoke`, run every benchmark body once and measure
    /// nothing.
    Bench {
        /// Only this crate.
        krate: Option<String>,
        /// Run each benchmark once, as a test.
        #[arg(long)]
        smoke: bool,
    },
    /// Runs every day's binary in order, as `<bin> --quick`.
    Tour,
    /// Prints the week's checklist with ✓ / ✗ from the latest runs; fails if an item is unproven.
    Checklist,
    /// Checks the journal pages and shows which prompts you have answered.
    Journal,
    /// Lab mode: the week's exercises, cut from the reference (`cargo xtask lab` lists them).
    Lab {
        #[command(subcommand)]
        command: Option<lab::Command>,
    },
    /// A CPU flame graph and a pprof profile of CRATE's `examples/profile.rs`.
    Profile {
        /// The crate to profile (`day5-wordcount`).
        krate: String,
        /// Passed to the profile example.
        #[arg(last = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    die_quietly_on_a_closed_pipe();
    match Cli::parse().command {
        Command::CheckAll => check_all::run(),
        Command::Test { krate } => step::single("test", || test::run(krate.as_deref())),
        Command::Loom {
            krate,
            preemptions,
            deep,
        } => {
            let name = if deep { "loom-deep" } else { "loom" };
            step::single(name, || loom::run(krate.as_deref(), preemptions, deep))
        }
        Command::Race { krate } => step::single("race", || race::run(krate.as_deref())),
        Command::Miri { krate } => step::single("miri", || miri::run(krate.as_deref())),
        Command::Bench { krate, smoke } => {
            step::single("bench", || bench::run(krate.as_deref(), smoke))
        }
        Command::Tour => step::plain(tour::run()),
        Command::Checklist => step::single("checklist", checklist::run),
        Command::Journal => step::single("journal", journal::run),
        Command::Lab { command } => lab::run(command),
        Command::Profile { krate, args } => step::plain(profile::run(&krate, &args)),
    }
}

/// Rust programs ignore `SIGPIPE`, so a `println!` into a pipe whose reader has gone (`cargo xtask
/// lab solution <id> | head`) panics. Give the signal its default action back, as `cat` has it:
/// the process ends quietly when nobody reads its output any more.
#[cfg(unix)]
fn die_quietly_on_a_closed_pipe() {
    // SAFETY: runs first in `main`, before xtask starts a thread, so no other thread is changing
    // signal dispositions; `SIG_DFL` is a valid disposition for `SIGPIPE`. Programs xtask starts
    // inherit it, and Rust ones (cargo, the tests) set their own as this one did.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn die_quietly_on_a_closed_pipe() {}
