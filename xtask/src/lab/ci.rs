//! The `lab` step of `check-all`: proves every exercise in scratch copies of the workspace under
//! the target directory (the working tree is never written):
//!
//! - (a) with every day's regions stubbed at once, the workspace compiles (`cargo check
//!   --workspace --all-targets`, in `<target>/lab/stubs`): later days still build on stubbed
//!   earlier ones;
//! - (b) each exercise's stub, with every other region at its reference (as `lab check` judges a
//!   learner's region), fails at least one of its proving checks;
//! - (c) each classic mistake, applied alone to the reference, fails the check it names;
//! - (d) the reference passes every proving check, read from the latest `test`, `loom`, `race` and
//!   `miri` runs of the working tree (which `check-all` has just made).
//!
//! (b) and (c) run in the switched copy ([`super::switched`]): every stub and mistake is compiled
//! in beside its reference and picked by an environment variable, so the whole step costs one build
//! per kind of check, and `lab prove --mutants` run afterwards reuses it. Each stub and mistake is
//! judged as a wrong corpus entry is: its checks one at a time, stopping at the first failure, two
//! variants at a time. The copies' crates build into the real target directories
//! (`CARGO_TARGET_DIR`, and the `loom` / `tsan` ones), so registry dependencies are never rebuilt;
//! files are rewritten only when their text changes, so a second run is incremental.

use std::time::Instant;

use anyhow::{Result, bail};

use super::scratch::sync;
use super::switched::{self, Job, Outcome, judge_all, mistake_key, stub_key};
use super::tree::Lab;
use crate::checklist::{Verdict, judge, recorded};
use crate::cmd::cargo;
use crate::step::{self, Done};
use crate::ws;

/// Puts every region of `copy` at its stub (`true`) or its reference.
fn set_all(copy: &Lab, real: &Lab, stubbed: bool) -> Result<()> {
    for (ex, twin) in real.exercises().zip(copy.exercises()) {
        copy.put(
            twin,
            &if stubbed {
                ex.stub()
            } else {
                real.tree_reference(ex)?
            },
        )?;
    }
    Ok(())
}

/// What (b) or (c) expects of one variant's run — a check fails — and the lines it adds when
/// that does not hold. A check that did not run counts as failed, as `lab check` counts it: (d)
/// shows that each check runs and passes on the reference, so under a variant it did not run
/// because the variant crashed or hung its test process.
fn verdict(what: &str, outcome: &Outcome, problems: &mut Vec<String>, skipped: &mut Vec<String>) {
    match outcome {
        Outcome::Failed(..) | Outcome::NotRun(..) => {}
        Outcome::Skipped(why) => skipped.push(format!("{what}: {why}")),
        Outcome::Passed => problems.push(format!("{what}: every check it runs passes")),
        Outcome::Error(why) => problems.push(format!("{what}: {why}")),
    }
}

/// `check-all`'s `lab` step.
pub(crate) fn run() -> step::Step {
    let started = Instant::now();
    let real_ws = ws::current()?;
    let real = Lab::open(real_ws)?;
    if real.days.is_empty() {
        return Ok(Done::Skipped("no crate has a lab.toml".into()));
    }
    let mut problems = Vec::new();
    let mut skipped = Vec::new();

    // (a) Every day stubbed at once: the workspace still compiles.
    let stubs = real_ws.target_subdir("lab/stubs");
    println!("lab (a): copying the workspace to {}", stubs.display());
    sync(&real_ws.root, &stubs, &real_ws.target_dir, "stubs")?;
    set_all(&Lab::open(&ws::Workspace::load(&stubs)?)?, &real, true)?;
    let compiles = cargo()
        .args(["check", "--workspace", "--all-targets"])
        .dir(&stubs)
        .env("CARGO_TARGET_DIR", &real_ws.target_dir)
        .run("lab (a): every day stubbed");
    if let Err(e) = compiles {
        problems.push(format!("(a) the stubbed workspace does not compile: {e:#}"));
    }

    // (b) and (c), a day at a time: each stub and each mistake switched in alone.
    let copy = switched::prepare(real_ws, &real)?;
    for day in &copy.lab.days {
        let mut jobs = Vec::new();
        let mut whats = Vec::new();
        for ex in &day.exercises {
            jobs.push(Job {
                key: stub_key(&ex.id),
                checks: ex.checks.iter().collect(),
                wrong: true,
                title: format!("lab (b): {}: its stub", ex.id),
            });
            whats.push(format!("(b) {} ({}): the stub", ex.id, ex.at()));
            for (i, m) in ex.mistakes.iter().enumerate() {
                let n = i + 1;
                jobs.push(Job {
                    key: mistake_key(&ex.id, n),
                    checks: vec![&m.caught_by],
                    wrong: true,
                    title: format!(
                        "lab (c): {} mistake {n} ({}): {}",
                        ex.id, m.name, m.caught_by
                    ),
                });
                whats.push(format!("(c) {} mistake {n} ({:?})", ex.id, m.name));
            }
        }
        for (what, judged) in whats.iter().zip(judge_all(&copy.ws, day, &jobs, 1, None)) {
            for outcome in &judged.runs {
                verdict(what, outcome, &mut problems, &mut skipped);
            }
        }
    }

    // (d) The reference passes, in the working tree's latest runs.
    let ran = recorded();
    for day in &real.days {
        for ex in &day.exercises {
            for c in &ex.checks {
                if matches!(ran.get(&c.step), Some(Ok(r)) if r.is_empty()) {
                    problems.push(format!(
                        "(d) {} {c}: no recorded `{}` run of the working tree (check-all runs it \
                         before this step; alone: `cargo xtask {} {}`)",
                        ex.id,
                        c.step.name(),
                        c.step.name(),
                        day.krate
                    ));
                    continue;
                }
                match judge(&day.krate, c, &ran) {
                    Verdict::Passed(_) => {}
                    Verdict::Skipped(why) => {
                        skipped.push(format!("(d) {} {c} SKIPPED: {why}", ex.id));
                    }
                    Verdict::Failed(why) | Verdict::NotRun(why) => problems.push(format!(
                        "(d) {}: the reference fails {c} in the latest `{}` run: {}",
                        ex.id,
                        c.step.name(),
                        why.lines().next().unwrap_or_default()
                    )),
                }
            }
        }
    }

    let n = real.exercises().count();
    let mistakes: usize = real.exercises().map(|e| e.mistakes.len()).sum();
    println!(
        "\nlab: {n} exercises, {mistakes} mistakes, {} problem(s), {} part(s) skipped, in {:.0} s",
        problems.len(),
        skipped.len(),
        started.elapsed().as_secs_f64()
    );
    for s in &skipped {
        println!("  SKIPPED {s}");
    }
    if problems.is_empty() {
        Ok(Done::Ok)
    } else {
        for p in &problems {
            println!("  ✗ {p}");
        }
        bail!(
            "lab: {} of the exercises' proofs do not hold",
            problems.len()
        )
    }
}
