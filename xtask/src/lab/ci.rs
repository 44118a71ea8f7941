//! The `lab` step of `check-all`: proves every exercise in scratch copies of the workspace under
//! the target directory (the working tree is never written):
//!
//! - (a) with every day's regions stubbed at once, the workspace compiles (`cargo check
//!   --workspace --all-targets`, in `<target>/lab/stubs`): later days still build on stubbed
//!   earlier ones;
//! - (b) with one day stubbed (the others at the reference), at least one proving check of each of
//!   its exercises fails;
//! - (c) each classic mistake, applied alone to the reference, fails the check it names;
//! - (d) the reference passes every proving check, read from the latest `test`, `loom`, `race` and
//!   `miri` runs of the working tree (which `check-all` has just made).
//!
//! (b) and (c) run in the switched copy ([`super::switched`]): every stub and mistake is compiled
//! in beside its reference and picked by an environment variable, so the whole step costs one build
//! per kind of check, and `lab prove --mutants` run afterwards reuses it. The copies' crates build
//! into the real target directories (`CARGO_TARGET_DIR`, and the `loom` / `tsan` ones), so
//! registry dependencies are never rebuilt; files are rewritten only when their text changes, so a
//! second run is incremental. Loom and ThreadSanitizer run only for the checks that name them.

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::{Result, bail};

use super::check::run_step;
use super::exercise::{Check, Exercise, Step};
use super::scratch::sync;
use super::switched::{self, SWITCH, mistake_key, stub_key};
use super::tree::Lab;
use crate::checklist::{Ran, Verdict, judge, recorded};
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

/// Runs each step the checks need, once, for crate `krate` of the copy.
fn run_checks(
    copy_ws: &ws::Workspace,
    krate: &str,
    checks: &[&Check],
    env: &[(&str, String)],
) -> Result<Ran> {
    let mut ran = Ran::new();
    let steps: BTreeSet<Step> = checks.iter().map(|c| c.step).collect();
    for s in steps {
        let of_step: Vec<&Check> = checks.iter().copied().filter(|c| c.step == s).collect();
        ran.insert(s, run_step(copy_ws, krate, s, &of_step, env, false)?);
    }
    Ok(ran)
}

/// (c) for one day: each mistake, alone, fails the check it names (switched in by its key).
fn prove_mistakes(
    copy_ws: &ws::Workspace,
    day: &super::exercise::Day,
    problems: &mut Vec<String>,
    skipped: &mut Vec<String>,
) -> Result<()> {
    for ex in &day.exercises {
        for (i, m) in ex.mistakes.iter().enumerate() {
            let n = i + 1;
            println!("\nlab (c): {} mistake {n} ({})", ex.id, m.name);
            let env = [(SWITCH, mistake_key(&ex.id, n))];
            let ran = run_checks(copy_ws, &day.krate, &[&m.caught_by], &env)?;
            match judge(&day.krate, &m.caught_by, &ran) {
                Verdict::Failed(_) => {
                    println!("  ✓ (c) {} mistake {n}: caught by {}", ex.id, m.caught_by);
                }
                Verdict::Skipped(why) => skipped.push(format!(
                    "(c) {} mistake {n}: {} SKIPPED: {why}",
                    ex.id, m.caught_by
                )),
                Verdict::Passed(_) => problems.push(format!(
                    "(c) {} mistake {n} ({:?}) is not caught: {} passes with it",
                    ex.id, m.name, m.caught_by
                )),
                Verdict::NotRun(why) => problems.push(format!(
                    "(c) {} mistake {n} ({:?}) is not shown caught: {why}",
                    ex.id, m.name
                )),
            }
        }
    }
    Ok(())
}

/// `; <check> did not run: <why>` for each check that did not run, to say why none failed.
fn not_run(verdicts: &[(&Check, Verdict)]) -> String {
    verdicts
        .iter()
        .filter_map(|(c, v)| match v {
            Verdict::NotRun(why) => Some(format!("; {c} did not run: {why}")),
            _ => None,
        })
        .collect()
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

    let copy = switched::prepare(real_ws, &real)?;
    for day in &copy.lab.days {
        // (b) This day stubbed, the others at the reference: each exercise fails a proving check.
        let has_tests = |e: &Exercise| e.checks.iter().any(|c| c.step == Step::Test);
        let checks: Vec<&Check> = day
            .exercises
            .iter()
            .flat_map(|e| {
                e.checks
                    .iter()
                    .filter(|c| c.step == Step::Test || !has_tests(e))
            })
            .collect();
        println!("\nlab (b): {} stubbed", day.krate);
        let env = [(SWITCH, stub_key(&day.krate))];
        let ran = run_checks(&copy.ws, &day.krate, &checks, &env)?;
        for ex in &day.exercises {
            let verdicts: Vec<(&Check, Verdict)> = ex
                .checks
                .iter()
                .filter(|c| ran.contains_key(&c.step))
                .map(|c| (c, judge(&day.krate, c, &ran)))
                .collect();
            match verdicts
                .iter()
                .find(|(_, v)| matches!(v, Verdict::Failed(_)))
            {
                Some((c, _)) => println!("  ✓ (b) {}: the stub fails {c}", ex.id),
                None if verdicts
                    .iter()
                    .all(|(_, v)| matches!(v, Verdict::Skipped(_))) =>
                {
                    let why: Vec<String> = verdicts
                        .iter()
                        .map(|(c, v)| match v {
                            Verdict::Skipped(why) => format!("{c} SKIPPED: {why}"),
                            _ => c.to_string(),
                        })
                        .collect();
                    skipped.push(format!("(b) {}: {}", ex.id, why.join("; ")));
                }
                None => problems.push(format!(
                    "(b) {} ({}): no proving check fails on the stub ({}){}",
                    ex.id,
                    ex.at(),
                    ex.checks
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    not_run(&verdicts)
                )),
            }
        }

        // (c) Each mistake alone: the check it names fails.
        prove_mistakes(&copy.ws, day, &mut problems, &mut skipped)?;
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
