//! The `lab` step of `check-all`: proves every exercise in a scratch copy of the workspace under
//! the target directory (`<target>/lab/ws`; the working tree is never written):
//!
//! - (a) with every day's regions stubbed at once, the workspace compiles (`cargo check
//!   --workspace --all-targets`): later days still build on stubbed earlier ones;
//! - (b) with one day stubbed (the others at the reference), at least one proving check of each of
//!   its exercises fails;
//! - (c) each classic mistake, applied alone to the reference, fails the check it names;
//! - (d) the reference passes every proving check, read from the latest `test`, `loom`, `race` and
//!   `miri` runs of the working tree (which `check-all` has just made).
//!
//! Cost: the copy's crates build into the real target directories (`CARGO_TARGET_DIR`, and the
//! `loom` / `tsan` / `miri` ones), so registry dependencies are never rebuilt, only the copied
//! workspace crates; files are rewritten only when their text changes, so a second run is
//! incremental. Loom and ThreadSanitizer run only for the mistakes that name them.

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::check::run_step;
use super::exercise::{Check, Exercise, Step};
use super::scratch::sync;
use super::tree::Lab;
use crate::checklist::{Ran, Verdict, judge, recorded};
use crate::cmd::cargo;
use crate::step::{self, Done};
use crate::ws;

/// Puts every region of the copy at its reference, except those in `stubbed`.
fn set_all(
    copy: &Lab,
    references: &[(String, String)],
    stubbed: &dyn Fn(&Exercise) -> bool,
) -> Result<()> {
    for ex in copy.exercises() {
        let reference = &references
            .iter()
            .find(|(id, _)| *id == ex.id)
            .context("every exercise has a reference")?
            .1;
        copy.put(
            ex,
            &if stubbed(ex) {
                ex.stub()
            } else {
                reference.clone()
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

/// The environment variable that picks the one mistake a switched build runs: `<id>#<n>`. The
/// tests' watchdog ([`labkit::within`]) shortens its bound to [`labkit::LAB_PATIENCE`] when it is set.
use super::corpus::SWITCH;

/// A region with every mistake of `ex` compiled in beside its reference, each behind a run-time
/// switch ([`super::corpus::switch`]): with `LAB_MISTAKE` unset the region runs its reference, and
/// with it set to `<id>#<n>`, mistake n alone — so a day's mistakes cost one build per kind of
/// check, not one build per mistake.
fn switched(ex: &Exercise, reference: &str) -> Result<String> {
    let variants = (1..=ex.mistakes.len())
        .map(|n| Ok((format!("{}#{n}", ex.id), ex.with_mistake(reference, n)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(super::corpus::switch(reference, &variants))
}

/// (c) for one day: each mistake, alone, fails the check it names. The day's mistakes are switched
/// in all at once ([`switched`]); a day whose switched build does not compile (a region that is not
/// a whole block) falls back to writing each mistake in and building once per mistake.
fn prove_mistakes(
    copy: &Lab,
    copy_ws: &ws::Workspace,
    day: &super::exercise::Day,
    reference_of: &dyn Fn(&Exercise) -> Result<String>,
    problems: &mut Vec<String>,
    skipped: &mut Vec<String>,
) -> Result<()> {
    let with_mistakes: Vec<&Exercise> = day
        .exercises
        .iter()
        .filter(|e| !e.mistakes.is_empty())
        .collect();
    for ex in &with_mistakes {
        copy.put(ex, &switched(ex, &reference_of(ex)?)?)?;
    }
    let mut one_build_per_mistake = false;
    for ex in &with_mistakes {
        let reference = reference_of(ex)?;
        for (i, m) in ex.mistakes.iter().enumerate() {
            let n = i + 1;
            println!("\nlab (c): {} mistake {n} ({})", ex.id, m.name);
            let env = [(SWITCH, format!("{}#{n}", ex.id))];
            let mut ran = None;
            if !one_build_per_mistake {
                match run_checks(copy_ws, &day.krate, &[&m.caught_by], &env) {
                    Ok(r) => ran = Some(r),
                    Err(e) => {
                        println!(
                            "lab (c): {} does not build with its mistakes switched in ({e:#}); \
                             one build per mistake instead",
                            day.krate
                        );
                        one_build_per_mistake = true;
                        for ex in &with_mistakes {
                            copy.put(ex, &reference_of(ex)?)?;
                        }
                    }
                }
            }
            let ran = match ran {
                Some(r) => r,
                None => match ex.with_mistake(&reference, n) {
                    Ok(body) => {
                        copy.put(ex, &body)?;
                        let r = run_checks(copy_ws, &day.krate, &[&m.caught_by], &[]);
                        copy.put(ex, &reference)?;
                        r?
                    }
                    Err(e) => {
                        problems.push(format!("(c) {e:#}"));
                        continue;
                    }
                },
            };
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
    for ex in &with_mistakes {
        copy.put(ex, &reference_of(ex)?)?;
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
    let references: Vec<(String, String)> = real
        .exercises()
        .map(|ex| Ok((ex.id.clone(), real.tree_reference(ex)?)))
        .collect::<Result<_>>()?;
    let reference_of = |ex: &Exercise| -> Result<String> {
        references
            .iter()
            .find(|(id, _)| *id == ex.id)
            .map(|(_, r)| r.clone())
            .context("every exercise has a reference")
    };
    let scratch = real_ws.target_subdir("lab/ws");
    println!("lab: copying the workspace to {}", scratch.display());
    sync(&real_ws.root, &scratch, &real_ws.target_dir, "lab")?;
    let copy_ws = ws::Workspace::load(&scratch)?;
    let copy = Lab::open(&copy_ws)?;
    let mut problems = Vec::new();
    let mut skipped = Vec::new();

    // (a) Every day stubbed at once: the workspace still compiles.
    set_all(&copy, &references, &|_| true)?;
    let compiles = cargo()
        .args(["check", "--workspace", "--all-targets"])
        .dir(&scratch)
        .env("CARGO_TARGET_DIR", &real_ws.target_dir)
        .run("lab (a): every day stubbed");
    if let Err(e) = compiles {
        problems.push(format!("(a) the stubbed workspace does not compile: {e:#}"));
    }

    for day in &copy.days {
        // (b) This day stubbed, the others at the reference: each exercise fails a proving check.
        set_all(&copy, &references, &|ex| {
            day.exercises.iter().any(|d| d.id == ex.id)
        })?;
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
        let ran = run_checks(&copy_ws, &day.krate, &checks, &[])?;
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
        set_all(&copy, &references, &|_| false)?;
        prove_mistakes(
            &copy,
            &copy_ws,
            day,
            &reference_of,
            &mut problems,
            &mut skipped,
        )?;
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
