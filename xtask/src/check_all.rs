//! `cargo xtask check-all`: every step CI runs, in order (a failed step does not stop the later
//! ones), then a table of steps with their times. Exits non-zero if any step failed.

use std::process::ExitCode;
use std::time::Instant;

use crate::cmd::{append_flags, cargo};
use crate::step::{self, Done, State, Step};
use crate::{bench, checklist, journal, loom, miri, race, suite, test};

fn fmt() -> Step {
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

fn doc() -> Step {
    cargo()
        .env("RUSTDOCFLAGS", append_flags("RUSTDOCFLAGS", "-D warnings"))
        .args(["doc", "--workspace", "--no-deps"])
        .run("doc")?;
    Ok(Done::Ok)
}

/// A step of the table: its name and how to run it.
type Entry = (&'static str, Box<dyn FnOnce() -> Step>);

/// The steps, in the order they run. `checklist` comes last: it reads what the others recorded.
fn steps() -> Vec<Entry> {
    vec![
        ("fmt", Box::new(fmt)),
        ("clippy", Box::new(clippy)),
        ("test", Box::new(|| test::run(None))),
        ("doc", Box::new(doc)),
        ("loom", Box::new(|| loom::run(None, None, false))),
        ("race", Box::new(|| race::run(None))),
        ("miri", Box::new(|| miri::run(None))),
        ("bench --smoke", Box::new(|| bench::run(None, true))),
        ("journal", Box::new(journal::run)),
        // Steps that check the whole workspace in a scratch copy (lab mode's proof) go here, before
        // the checklist.
        ("lab", Box::new(crate::lab::ci::run)),
        ("checklist", Box::new(checklist::run)),
    ]
}

pub(crate) fn run() -> ExitCode {
    let all = Instant::now();
    let mut rows = Vec::new();
    for (name, step) in steps() {
        println!("\n━━━━ check-all: {name} ━━━━");
        rows.push(step::run(name, step));
    }
    println!("\n━━━━ check-all: summary ━━━━");
    println!("{:<15} {:<10} {:>8}", "step", "status", "seconds");
    for row in &rows {
        println!(
            "{:<15} {:<10} {:>8.1}",
            row.name,
            row.state.label(),
            row.seconds
        );
    }
    println!(
        "{:<15} {:<10} {:>8.1}",
        "total",
        "",
        all.elapsed().as_secs_f64()
    );
    let failed: Vec<_> = rows
        .iter()
        .filter_map(|r| match &r.state {
            State::Failed(e) => Some((&r.name, e)),
            _ => None,
        })
        .collect();
    // The closing line counts every test that ran under `test`, `loom`, `race` and `miri`.
    let (mut passed, mut failures, mut skipped) = (0, 0, 0);
    for step in ["test", "loom", "race", "miri"] {
        let report = suite::Report {
            results: suite::load(step),
            ..Default::default()
        };
        let (p, f, s) = report.counts();
        (passed, failures, skipped) = (passed + p, failures + f, skipped + s);
    }
    if failed.is_empty() {
        println!("\ncheck-all: every step passed or was skipped with its reason.");
    }
    for (name, e) in &failed {
        println!("check-all: {name} FAILED: {e}");
    }
    println!("tests: {passed} passed, {failures} failed, {skipped} skipped");
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
