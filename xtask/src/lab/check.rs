//! `lab check [<day|id>]`: runs exactly the checks that prove the selected exercises, each step
//! once for the day's crate only (`-p`), and prints ✓ / ✗ per exercise with the first lines of the
//! first failure, then the next exercise to do.
//!
//! The tests run first; an exercise's loom, ThreadSanitizer and Miri checks run only once its tests
//! pass (a stub fails its tests in seconds; the model checkers take longer and say more about code
//! that already works). Where nightly is missing, those parts say SKIPPED with the reason. An
//! exercise whose region holds the reference runs only its tests here: the `lab` step of
//! `check-all` proves its model checks.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, Result};

use super::excerpt;
use super::exercise::{Check, Day, Exercise, Step};
use super::tree::{Holds, Lab, Status};
use crate::checklist::{Ran, Verdict, judge};
use crate::cmd::{Cmd, cargo};
use crate::suite::{self, BuildFailed, Mode, Status as TestStatus, TestResult};
use crate::ws::Workspace;
use crate::{loom, nightly, race};

/// The `--lib` / `--test <t>` / `--bins` arguments that build exactly the targets `checks` name.
fn target_args<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Vec<String> {
    let targets: BTreeSet<&str> = checks.into_iter().map(|c| c.target.as_str()).collect();
    targets
        .into_iter()
        .flat_map(|t| match t {
            "*" => vec!["--lib".to_string(), "--tests".to_string()],
            "lib" => vec!["--lib".to_string()],
            "bin" => vec!["--bins".to_string()],
            t => vec!["--test".to_string(), t.to_string()],
        })
        .collect()
}

/// The tests `checks` name, for libtest's `--exact` filters: empty (run everything built) if one
/// of them is a whole target (`*`).
fn only(checks: &[&Check]) -> Vec<String> {
    if checks.iter().any(|c| c.target == "*" || c.name == "*") {
        return Vec::new();
    }
    let names: BTreeSet<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    names.into_iter().map(str::to_string).collect()
}

/// Set for the tests a lab command runs: the tests' watchdog ([`labkit::within`]) then gives up
/// after [`labkit::LAB_PATIENCE`].
const LAB_CHECK: &str = labkit::watchdog::LAB_CHECK;

/// How long a test binary run by the lab may go without a test finishing before it is killed and
/// its unfinished tests fail "did not finish in N s": whatever a stub, a mistake or a learner's
/// code does, `lab check` and the `lab` step come back. Longer than the tests' own watchdogs
/// (10 s under `LAB_CHECK`), whose messages say more; the model checkers run each model for
/// longer, and ThreadSanitizer slows a test down 5–15 times. Miri finds deadlocks itself.
fn bound(step: Step) -> Duration {
    Duration::from_secs(match step {
        Step::Test => 15,
        Step::Race => 60,
        Step::Loom | Step::Miri => 300,
    })
}

/// Runs `step` for the checks `checks` of crate `krate` in the workspace `ws` (the learner's or a
/// scratch copy, whose crates then build into the real target directories so that dependencies are
/// not rebuilt). Builds and runs through the suite runner; nothing is recorded as a step's results.
pub(crate) fn run_step(
    ws: &Workspace,
    krate: &str,
    step: Step,
    checks: &[&Check],
    env: &[(&str, String)],
    echo: bool,
) -> Result<Result<Vec<TestResult>, String>> {
    let real = crate::ws::current()?;
    let package = ws.package(krate)?;
    let label = format!("lab: {} {krate}", step.name());
    let in_ws = |cmd: Cmd| cmd.dir(&ws.root).env("CARGO_TARGET_DIR", &real.target_dir);
    let mode = if echo {
        Mode::Echo
    } else {
        Mode::Bounded(bound(step))
    };
    let report = match step {
        Step::Test => {
            let build = cargo()
                .args(["test", "-p", krate])
                .args(target_args(checks.iter().copied()));
            // The tests' watchdogs then give up after `LAB_PATIENCE`: a stub or a mistake that hangs is an
            // expected outcome here, and the learner is waiting (the model checkers keep theirs).
            let mut env = env.to_vec();
            env.push((LAB_CHECK, "1".to_string()));
            if !echo {
                // Only the verdicts are read: the stubs' and mistakes' panics need no backtrace.
                env.push((race::QUIET_PANICS.0, race::QUIET_PANICS.1.to_string()));
            }
            suite::execute(&label, ws, in_ws(build), &env, mode, &only(checks))?
        }
        Step::Loom => {
            let mut env = env.to_vec();
            env.push(("LOOM_MAX_PREEMPTIONS", loom::PREEMPTIONS.to_string()));
            // A failure then names the lines of the accesses it is about (the learner's code), not
            // only loom's own file.
            env.push(("LOOM_LOCATION", "1".to_string()));
            let build = in_ws(loom::cargo_test(package)?);
            suite::execute(&label, ws, build, &env, mode, &only(checks))?
        }
        Step::Race => {
            let host =
                match nightly::host().and_then(|h| nightly::ensure_rust_src("race").map(|()| h)) {
                    Ok(h) => h,
                    Err(why) => return Ok(Err(why)),
                };
            let build = race::cargo_test(&host)?
                .args(["-p", krate])
                .args(target_args(checks.iter().copied()));
            let mut env = env.to_vec();
            env.push(("TSAN_OPTIONS", race::options()?));
            env.push((race::QUIET_PANICS.0, race::QUIET_PANICS.1.to_string()));
            suite::execute(&label, ws, in_ws(build), &env, mode, &only(checks))?
        }
        Step::Miri => {
            let ready = nightly::host()
                .and_then(|_| nightly::has_component("miri"))
                .and_then(|()| nightly::ensure_rust_src("miri"));
            if let Err(why) = ready {
                return Ok(Err(why));
            }
            let cmd = env
                .iter()
                .fold(nightly::cargo(), |cmd, (k, v)| cmd.env(k, v))
                .args(["miri", "test", "--no-fail-fast", "--target-dir"])
                .arg(real.target_subdir("miri"))
                .args(["-p", krate])
                .args(target_args(checks.iter().copied()));
            suite::run_cargo(&label, package, in_ws(cmd))?
        }
    };
    Ok(Ok(report.results))
}

/// The lab days that day `day`'s crate depends on, for its library or its tests (read from its
/// `Cargo.toml`).
fn upstream<'a>(lab: &'a Lab, day: &Day) -> Vec<&'a Day> {
    let manifest = std::fs::read_to_string(lab.root.join(&day.dir).join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let depends_on = |krate: &str| {
        ["dependencies", "dev-dependencies"].iter().any(|table| {
            manifest
                .as_ref()
                .and_then(|m| m.get(*table))
                .and_then(toml::Value::as_table)
                .is_some_and(|deps| deps.contains_key(krate))
        })
    };
    lab.days.iter().filter(|d| depends_on(&d.krate)).collect()
}

/// The line of an exercise that does not pass yet, and where its hints are.
fn not_yet(ex: &Exercise) {
    println!("✗ {}  {}", ex.id, ex.title);
    println!("    stuck? `cargo xtask lab hint {}`", ex.id);
}

/// One exercise's line and, under it, what went wrong.
fn report(ex: &Exercise, verdicts: &[(&Check, Verdict)]) -> bool {
    let failed = verdicts
        .iter()
        .find(|(_, v)| matches!(v, Verdict::Failed(_) | Verdict::NotRun(_)));
    let skipped: Vec<_> = verdicts
        .iter()
        .filter_map(|(c, v)| match v {
            Verdict::Skipped(why) => Some(format!("{c} SKIPPED: {why}")),
            _ => None,
        })
        .collect();
    match failed {
        Some((check, Verdict::Failed(first) | Verdict::NotRun(first))) => {
            not_yet(ex);
            println!("    {check} failed:");
            for line in first.lines() {
                println!("      {line}");
            }
        }
        _ => println!("✓ {}  {}", ex.id, ex.title),
    }
    for s in skipped {
        println!("    {s}");
    }
    failed.is_none()
}

/// A step's outcome, with a build that failed printed once (its errors only: a stub's warnings are
/// not yours) and turned into one failed pseudo-test for every target, so every check of the step
/// is ✗ ("its test binary failed (the code does not compile …)").
fn built(
    krate: &str,
    step: Step,
    outcome: Result<Result<Vec<TestResult>, String>>,
) -> Result<Result<Vec<TestResult>, String>> {
    let failed = match outcome {
        Err(e) => e.downcast::<BuildFailed>()?,
        ok => return ok,
    };
    let under = match step {
        Step::Test => String::new(),
        s => format!(" for the {} step", s.name()),
    };
    println!("{}\n", excerpt::compile_errors(&failed.stderr));
    Ok(Ok(vec![TestResult {
        package: krate.to_string(),
        target: "*".to_string(),
        name: format!("(the code does not compile{under}: the error is above)"),
        status: TestStatus::Failed,
        output: String::new(),
    }]))
}

/// Where day `day`'s checks run (`None`: the working tree), and which of its exercises still hold
/// their stub.
///
/// A check often runs more than its own exercise (a pipeline test goes through every stage), so in
/// the working tree an exercise you finished would stay ✗ until the day's last `todo!` is gone.
/// Instead, while there is something to fill in, the checks run in a copy of the workspace under
/// `<target>/lab/check` where these regions hold their reference: this day's exercises that still
/// hold their stub, and the open exercises of the days it builds on (stubs, mistakes, unfinished
/// code). Every other region holds what the working tree holds. So an exercise turns ✓ as soon as
/// its own code is right, and a later day is checked against a whole earlier day. A stub is ✗
/// without running anything.
fn copy_for<'a>(
    lab: &Lab,
    ws: &Workspace,
    day: &'a Day,
) -> Result<(Option<Workspace>, BTreeSet<&'a str>)> {
    let mut fill = Vec::new();
    for up in upstream(lab, day) {
        for ex in &up.exercises {
            if lab.status(ex)? == Status::Open {
                fill.push(ex.id.as_str());
            }
        }
    }
    let upstream_open = fill.len();
    let mut stubs = BTreeSet::new();
    for ex in &day.exercises {
        if lab.holds(ex)? == Holds::Stub {
            stubs.insert(ex.id.as_str());
            fill.push(ex.id.as_str());
        }
    }
    if fill.is_empty() || stubs.len() == day.exercises.len() && upstream_open == 0 {
        // Nothing to fill in, or nothing of yours to check yet.
        return Ok((None, stubs));
    }
    let scratch = ws.target_subdir("lab/check");
    if upstream_open > 0 {
        println!(
            "note: {} builds on exercises you have not finished ({}); it is checked against their \
             reference (in a copy of the workspace under {}).",
            day.krate,
            fill[..upstream_open].join(", "),
            scratch.display()
        );
    }
    super::scratch::sync(&ws.root, &scratch, &ws.target_dir, "check")?;
    let copy_ws = Workspace::load(&scratch)?;
    let copy = Lab::open(&copy_ws)?;
    for ex in copy.exercises() {
        if fill.contains(&ex.id.as_str()) {
            let original = lab
                .exercises()
                .find(|e| e.id == ex.id)
                .context("the copy has the working tree's exercises")?;
            copy.put(ex, &lab.reference(original)?)?;
        }
    }
    Ok((Some(copy_ws), stubs))
}

/// Runs the checks of `selected` (exercises of one day) and prints the verdicts; returns, per
/// exercise, whether it passed.
fn check_day(lab: &Lab, ws: &Workspace, day: &Day, selected: &[&Exercise]) -> Result<Vec<bool>> {
    let (copy, stubs) = copy_for(lab, ws, day)?;
    let in_copy = copy.is_some();
    let work_tree = ws;
    let ws = copy.as_ref().unwrap_or(ws);
    let selected_all = selected;
    let selected: Vec<&Exercise> = selected
        .iter()
        .copied()
        .filter(|e| !stubs.contains(e.id.as_str()))
        .collect();
    let selected = selected.as_slice();
    let mut ran = Ran::new();
    let tests: Vec<&Check> = selected
        .iter()
        .flat_map(|e| &e.checks)
        .filter(|c| c.step == Step::Test)
        .collect();
    if !tests.is_empty() {
        println!("lab: test {} …", day.krate);
        let outcome = match run_step(ws, &day.krate, Step::Test, &tests, &[], false) {
            // The copy's line numbers differ where a stub was filled in: show a build error where
            // you wrote the code.
            Err(e) if in_copy && e.is::<BuildFailed>() => {
                run_step(work_tree, &day.krate, Step::Test, &tests, &[], false)
            }
            outcome => outcome,
        };
        ran.insert(Step::Test, built(&day.krate, Step::Test, outcome)?);
    }
    // The other steps, for the exercises whose tests pass.
    // An exercise at its reference is proved by check-all's `lab` step: only its tests run here.
    let mut at_reference = BTreeSet::new();
    for ex in selected {
        if lab.status(ex)? == Status::Reference {
            at_reference.insert(ex.id.as_str());
        }
    }
    let ready: Vec<&Exercise> = selected
        .iter()
        .copied()
        .filter(|e| !at_reference.contains(e.id.as_str()))
        .filter(|e| {
            e.checks
                .iter()
                .filter(|c| c.step == Step::Test)
                .all(|c| matches!(judge(&day.krate, c, &ran), Verdict::Passed(_)))
        })
        .collect();
    let later: BTreeSet<Step> = ready
        .iter()
        .flat_map(|e| &e.checks)
        .map(|c| c.step)
        .filter(|s| *s != Step::Test)
        .collect();
    for step in later {
        let checks: Vec<&Check> = ready
            .iter()
            .flat_map(|e| &e.checks)
            .filter(|c| c.step == step)
            .collect();
        println!("lab: {} {} …", step.name(), day.krate);
        let outcome = run_step(ws, &day.krate, step, &checks, &[], false);
        ran.insert(step, built(&day.krate, step, outcome)?);
    }
    println!();
    let mut passed = Vec::new();
    for ex in selected_all {
        if stubs.contains(ex.id.as_str()) {
            not_yet(ex);
            println!("    not started: {} still holds its stub", ex.at());
            lab.record(ex, false)?;
            passed.push(false);
            continue;
        }
        let reference = at_reference.contains(ex.id.as_str());
        let verdicts: Vec<(&Check, Verdict)> = ex
            .checks
            .iter()
            .filter(|c| !reference || c.step == Step::Test)
            .map(|c| {
                let v = match ran.get(&c.step) {
                    Some(_) => judge(&day.krate, c, &ran),
                    None => Verdict::Skipped("runs once the tests pass".into()),
                };
                (c, v)
            })
            .collect();
        let ok = report(ex, &verdicts);
        if reference && verdicts.len() < ex.checks.len() {
            println!(
                "    (the reference: its loom / race / miri checks run in check-all's `lab` step)"
            );
        }
        lab.record(ex, ok)?;
        passed.push(ok);
    }
    Ok(passed)
}

/// `lab check [<day|id>]`. Without an argument: every day with an exercise that is not at its
/// reference. Fails if an exercise does not pass.
pub(crate) fn run(lab: &Lab, ws: &Workspace, what: Option<&str>) -> Result<bool> {
    let selected: Vec<&Exercise> = match what {
        Some(w) => lab.select(w)?,
        None => {
            let mut started = Vec::new();
            for day in &lab.days {
                let mut any = false;
                for ex in &day.exercises {
                    any |= lab.status(ex)? != Status::Reference;
                }
                if any {
                    started.extend(&day.exercises);
                }
            }
            if started.is_empty() {
                println!(
                    "No exercise is started. `cargo xtask lab start day1` writes day 1's; \
                     `cargo xtask lab check day1` checks the reference."
                );
                return Ok(true);
            }
            started
        }
    };
    let mut all_passed = true;
    let mut next = None;
    for day in &lab.days {
        let of_day: Vec<&Exercise> = selected
            .iter()
            .copied()
            .filter(|e| day.exercises.iter().any(|d| d.id == e.id))
            .collect();
        if of_day.is_empty() {
            continue;
        }
        println!("━━ {} ━━", day.krate);
        let passed = check_day(lab, ws, day, &of_day)?;
        for (ex, ok) in of_day.iter().zip(&passed) {
            if !ok {
                all_passed = false;
                next = next.or(Some(*ex));
            }
        }
    }
    match next {
        Some(ex) => println!(
            "\nNext: {} — {}\n  in {}\n  stuck? `cargo xtask lab hint {}` (one more hint each time)",
            ex.id,
            ex.title,
            ex.at(),
            ex.id
        ),
        None => println!("\nEvery checked exercise passes."),
    }
    Ok(all_passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_tests_are_filtered_exactly_and_a_whole_target_runs_everything() {
        let parse = |s: &str| Check::parse(s).unwrap();
        let (a, b, all) = (
            parse("steps::lesson::a"),
            parse("checklist::b"),
            parse("race:stress::*"),
        );
        assert_eq!(only(&[&a, &b, &a]), ["b", "lesson::a"]);
        assert!(only(&[&a, &all]).is_empty());
    }
}
