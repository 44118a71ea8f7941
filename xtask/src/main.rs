//! The workspace's task runner, the cargo-xtask way: `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`). It orchestrates cargo and stays light — std and clap only.
//!
//! | command | what it does |
//! |---|---|
//! | `check-all` | everything CI checks, in order, ending with a table of steps |
//! | `test [CRATE]` | unit, integration and doc tests, recording which test passed |
//! | `loom [CRATE]` | the loom models (`tests/loom_*.rs`) |
//! | `race [CRATE]` | the tests under ThreadSanitizer — Rust's `go test -race` |
//! | `bench [CRATE] [--smoke]` | criterion benches and each day's measured tables |
//! | `tour` | every day's binary, in order, with short parameters |
//! | `checklist` | the week's 37 items, ✓ / ✗, and the tests that prove them |
//! | `journal` | checks the journal pages |
//! | `profile CRATE` | a CPU flame graph and a pprof profile of the crate's `examples/profile.rs` |

mod bench;
mod checklist;
mod cmd;
mod journal;
mod json;
mod race;
mod state;
mod suite;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use cmd::{Cmd, Result, append_flags, cargo, root};
use state::StepState;

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
    /// Every check, in order: fmt, clippy, test, doc, loom, race, bench --smoke, journal, checklist.
    CheckAll,
    /// Unit, integration and doc tests (results feed `checklist`).
    Test {
        /// Only this crate (for example `day3-worker-pool`).
        krate: Option<String>,
    },
    /// Every loom model (`tests/loom_*.rs`), built with `--cfg loom` in release into `target/loom`.
    Loom {
        /// Only this crate.
        krate: Option<String>,
        /// Bound on preemptions per execution (`LOOM_MAX_PREEMPTIONS`).
        #[arg(long, default_value_t = 3)]
        preemptions: u32,
    },
    /// The tests under ThreadSanitizer on the nightly toolchain: Rust's `go test -race`.
    Race {
        /// Only this crate.
        krate: Option<String>,
    },
    /// Criterion benches plus the day's measured tables, written to the journal and
    /// `target/bench-summary.md`; with `--smoke`, run every benchmark body once and measure nothing.
    Bench {
        /// Only this crate.
        krate: Option<String>,
        /// Run each benchmark once, as a test.
        #[arg(long)]
        smoke: bool,
    },
    /// Runs every day's binary in order, with short parameters.
    Tour,
    /// Prints the week's checklist with ✓ / ✗ from the latest runs; fails if an item is unproven.
    Checklist,
    /// Checks the journal pages.
    Journal,
    /// A CPU flame graph and a pprof profile of CRATE's `examples/profile.rs`.
    Profile {
        /// The crate to profile (`day5-wordcount`).
        krate: String,
        /// Passed to the profile example.
        #[arg(last = true)]
        args: Vec<String>,
    },
}

/// How a step that did not fail ended.
#[derive(Debug)]
pub(crate) enum Done {
    Ok,
    Skipped(String),
}

/// A step's outcome: done (ok or skipped with a reason), or failed with an error.
pub(crate) type Step = Result<Done>;

/// `-p CRATE`, or the whole workspace.
pub(crate) fn select(krate: Option<&str>) -> Vec<String> {
    match krate {
        Some(c) => vec!["-p".into(), c.into()],
        None => vec!["--workspace".into()],
    }
}

/// Turns a suite report into the step's outcome, printing the counts.
pub(crate) fn summarise(step: &str, report: &suite::Report) -> Step {
    let (passed, failed, ignored) = report.counts();
    println!("\n{step}: {passed} passed, {failed} failed, {ignored} skipped");
    if report.sanitizer_reports > 0 {
        return Err(format!(
            "{step}: ThreadSanitizer printed {} data race report(s)",
            report.sanitizer_reports
        ));
    }
    if failed > 0 || !report.failed_binaries.is_empty() {
        return Err(format!(
            "{step}: failures in {}",
            report.failed_binaries.join(", ")
        ));
    }
    if passed == 0 {
        return Err(format!("{step}: no test ran"));
    }
    Ok(Done::Ok)
}

fn fmt_check() -> Step {
    cargo().args(["fmt", "--all", "--", "--check"]).run("fmt")?;
    Ok(Done::Ok)
}

fn clippy() -> Step {
    cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run("clippy")?;
    Ok(Done::Ok)
}

fn test(krate: Option<&str>) -> Step {
    let report = suite::run("test", cargo().arg("test").args(select(krate)), &[])?;
    let outcome = summarise("test", &report);
    cargo()
        .args(["test", "--doc"])
        .args(select(krate))
        .run("test: doc tests")?;
    outcome
}

fn doc() -> Step {
    cargo()
        .env("RUSTDOCFLAGS", append_flags("RUSTDOCFLAGS", "-D warnings"))
        .args(["doc", "--workspace", "--no-deps"])
        .run("doc")?;
    Ok(Done::Ok)
}

fn loom(krate: Option<&str>, preemptions: u32) -> Step {
    let build = cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", "--cfg loom"))
        .args(["test", "--release", "--target-dir", "target/loom"])
        .args(select(krate))
        .args(["--test", "loom_*"]);
    let report = suite::run(
        "loom",
        build,
        &[("LOOM_MAX_PREEMPTIONS", preemptions.to_string())],
    )?;
    summarise("loom", &report)
}

fn tour() -> Result {
    let days = checklist::load()?;
    let mut build = cargo().args(["build", "--release", "--bins"]);
    for d in &days {
        build = build.args(["-p", &d.krate]);
    }
    build.run("tour: build")?;
    let started = Instant::now();
    for d in &days {
        println!("\n════ {} — {} ════\n", d.krate, d.title);
        let exe = root().join("target/release").join(&d.krate);
        let cmd = if d.krate == "day5-wordcount" {
            // The word counter is a real tool: the tour points it at the journal you are keeping.
            let mut pages: Vec<_> = std::fs::read_dir(root().join("journal"))
                .map_err(|e| format!("tour: reading journal/: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            pages.sort();
            Cmd::new(exe).args(["--top", "10"]).args(pages)
        } else {
            Cmd::new(exe).arg("--quick")
        };
        cmd.run(&format!("tour: {}", d.krate))?;
    }
    println!(
        "\nThe week ran in {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn profile(krate: &str, args: &[String]) -> Result {
    // The example writes `flamegraph.svg` and `profile.pb` and prints the command that opens them.
    cargo()
        .args([
            "run",
            "--release",
            "-p",
            krate,
            "--example",
            "profile",
            "--",
        ])
        .args(args)
        .run(&format!("profile {krate}"))
}

/// `cargo xtask check-all`: every step in order (a failed step does not stop the later ones), then
/// the table. Exits non-zero if any step failed.
fn check_all() -> ExitCode {
    type StepFn = Box<dyn Fn() -> Step>;
    let steps: Vec<(&str, StepFn)> = vec![
        ("fmt", Box::new(fmt_check)),
        ("clippy", Box::new(clippy)),
        ("test", Box::new(|| test(None))),
        ("doc", Box::new(doc)),
        ("loom", Box::new(|| loom(None, 3))),
        ("race", Box::new(|| race::run(None))),
        ("bench --smoke", Box::new(|| bench::smoke(None))),
        ("journal", Box::new(|| journal::check().map(|()| Done::Ok))),
        (
            "checklist",
            Box::new(|| checklist::report().map(|()| Done::Ok)),
        ),
    ];
    let all = Instant::now();
    let mut rows = Vec::new();
    for (name, step) in &steps {
        println!("\n━━━━ check-all: {name} ━━━━");
        let t = Instant::now();
        let outcome = step();
        let secs = t.elapsed().as_secs_f64();
        let state = match outcome {
            Ok(Done::Ok) => StepState::Ok,
            Ok(Done::Skipped(why)) => {
                println!("{name}: SKIPPED: {why}");
                StepState::Skipped(why)
            }
            Err(e) => {
                println!("{name}: FAILED: {e}");
                StepState::Failed(e)
            }
        };
        state::set(name.split(' ').next().unwrap_or(name), &state);
        rows.push((*name, state, secs));
    }
    println!("\n━━━━ check-all: summary ━━━━");
    println!("{:<15} {:<10} {:>8}", "step", "status", "seconds");
    for (name, state, secs) in &rows {
        let status = match state {
            StepState::Ok => "ok".to_string(),
            StepState::Failed(_) => "FAILED".to_string(),
            StepState::Skipped(why) => format!("SKIPPED: {why}"),
        };
        println!("{name:<15} {status:<10} {secs:>8.1}");
    }
    println!(
        "{:<15} {:<10} {:>8.1}",
        "total",
        "",
        all.elapsed().as_secs_f64()
    );
    let failed: Vec<_> = rows
        .iter()
        .filter(|(_, s, _)| matches!(s, StepState::Failed(_)))
        .collect();
    let code = if failed.is_empty() {
        println!("\ncheck-all: every step passed or was skipped with its reason.");
        ExitCode::SUCCESS
    } else {
        for (name, state, _) in &failed {
            if let StepState::Failed(e) = state {
                println!("check-all: {name} FAILED: {e}");
            }
        }
        ExitCode::FAILURE
    };
    // The closing line counts every test that ran under `test`, `loom` and `race`.
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for step in ["test", "loom", "race"] {
        let report = suite::Report {
            results: suite::load(step),
            ..Default::default()
        };
        let (p, f, s) = report.counts();
        (passed, failed, skipped) = (passed + p, failed + f, skipped + s);
    }
    println!("tests: {passed} passed, {failed} failed, {skipped} skipped");
    code
}

/// Runs one step on its own, recording its state like `check-all` does.
fn single(step: &str, outcome: Step) -> ExitCode {
    let (state, code) = match outcome {
        Ok(Done::Ok) => (StepState::Ok, ExitCode::SUCCESS),
        Ok(Done::Skipped(why)) => {
            println!("{step}: SKIPPED: {why}");
            (StepState::Skipped(why), ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            (StepState::Failed(e), ExitCode::FAILURE)
        }
    };
    state::set(step, &state);
    code
}

fn plain(outcome: Result) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckAll => check_all(),
        Command::Test { krate } => single("test", test(krate.as_deref())),
        Command::Loom { krate, preemptions } => single("loom", loom(krate.as_deref(), preemptions)),
        Command::Race { krate } => single("race", race::run(krate.as_deref())),
        Command::Bench { krate, smoke: true } => single("bench", bench::smoke(krate.as_deref())),
        Command::Bench {
            krate,
            smoke: false,
        } => plain(bench::full(krate.as_deref())),
        Command::Tour => plain(tour()),
        Command::Checklist => plain(checklist::report()),
        Command::Journal => plain(journal::check()),
        Command::Profile { krate, args } => plain(profile(&krate, &args)),
    }
}
