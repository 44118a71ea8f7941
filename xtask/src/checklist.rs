//! `cargo xtask checklist`: the week's items (the registry, `journal/checklist.md`) with ✓ / ✗
//! from the latest runs of `test`, `loom`, `race` and `miri`, and the journal answers they name.
//!
//! Also the one judge of test results, [`judge`], which `lab check` and the `lab` step of
//! `check-all` use for the checks that prove an exercise.

use std::collections::BTreeMap;

use anyhow::bail;

use crate::journal;
use crate::lab::excerpt;
use crate::step::{self, Done};
use crate::suite::{self, Status, TestResult};
use crate::week::{self, Check, Proof, Step};

/// What running each step found: its results, or why it could not run here.
pub(crate) type Ran = BTreeMap<Step, Result<Vec<TestResult>, String>>;

/// How one check (or proof) came out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// What passed: `passed`, `3 tests passed`, or what a journal proof found.
    Passed(String),
    /// The first lines of the first failure.
    Failed(String),
    /// The test did not run (misspelt, ignored, or its binary stopped before it): nothing is proved
    /// either way.
    NotRun(String),
    /// Its step could not run here (a missing toolchain); the reason.
    Skipped(String),
}

/// What the results of `check`'s step say about it, for crate `krate`. A failure that is no single
/// test's (a sanitizer report, a crash after the tests) fails every check of that binary's target.
pub(crate) fn judge(krate: &str, check: &Check, ran: &Ran) -> Verdict {
    let results = match ran.get(&check.step) {
        None => return Verdict::Skipped(format!("the {} step did not run", check.step.name())),
        Some(Err(why)) => return Verdict::Skipped(why.clone()),
        Some(Ok(results)) => results,
    };
    let of_target: Vec<&TestResult> = results
        .iter()
        .filter(|r| r.package == krate && (check.covers(&r.target) || r.target == "*"))
        .collect();
    // A failure no single test owns (a crash, output that does not add up, a sanitizer report at
    // exit) is recorded as a pseudo-test `(<why>)`. It fails a check of the whole target, and a
    // ThreadSanitizer or Miri check, whose reports name no test; a check of one named test needs
    // that test's own result.
    let binary_failure = of_target
        .iter()
        .copied()
        .filter(|r| r.name.starts_with('(') && r.status == Status::Failed)
        .find(|_| check.name == "*" || matches!(check.step, Step::Race | Step::Miri));
    let matching: Vec<&TestResult> = of_target
        .iter()
        .copied()
        .filter(|r| !r.name.starts_with('(') && r.status != Status::Ignored)
        .filter(|r| check.matches(&r.target, &r.name))
        .collect();
    let failed = matching
        .iter()
        .copied()
        .find(|r| r.status == Status::Failed)
        .or(binary_failure);
    if let Some(r) = failed {
        return Verdict::Failed(format!("{}: {}", r.name, excerpt::failure(&r.output)));
    }
    match matching.len() {
        0 => Verdict::NotRun(match of_target.iter().find(|r| r.name.starts_with('(')) {
            Some(r) if r.output.trim().is_empty() => {
                format!("no test `{check}` ran: its test binary failed {}", r.name)
            }
            Some(r) => format!(
                "no test `{check}` ran: its test binary failed {}\n{}",
                r.name,
                excerpt::failure(&r.output)
            ),
            None => format!("no test `{check}` ran (is it misspelt, or ignored?)"),
        }),
        1 => Verdict::Passed("passed".into()),
        n => Verdict::Passed(format!("{n} tests passed")),
    }
}

/// The latest recorded run of each step in the working tree (`<target>/xtask/`): its results, or
/// why it was skipped. A step that never ran has no results, so its checks do not run.
pub(crate) fn recorded() -> Ran {
    let mut ran = Ran::new();
    for s in [Step::Test, Step::Loom, Step::Race, Step::Miri] {
        let outcome = match step::last_state(s.name()) {
            Some(step::State::Skipped(why)) => Err(why),
            _ => Ok(suite::load(s.name())),
        };
        ran.insert(s, outcome);
    }
    ran
}

/// A proof of the checklist: a test judged by [`judge`], or a journal answer.
fn verdict(krate: &str, proof: &Proof, ran: &Ran) -> Verdict {
    match proof {
        Proof::Test(check) => judge(krate, check, ran),
        Proof::Journal { page, anchor } => match journal::proof_status(page, anchor) {
            Ok(how) => Verdict::Passed(how),
            Err(e) => Verdict::Failed(format!("{e:#}")),
        },
    }
}

/// `cargo xtask checklist`: prints every item with ✓ / ✗ and fails if any item is unproven.
pub(crate) fn run() -> step::Step {
    let days = week::load()?;
    let ran = recorded();
    let (mut ok, mut bad, mut skipped) = (0, 0, 0);
    for day in &days {
        println!("\n{} — {}", day.krate, day.title);
        for item in &day.items {
            let verdicts: Vec<_> = item
                .proofs
                .iter()
                .map(|p| (p, verdict(&day.krate, p, &ran)))
                .collect();
            let mark = if verdicts.is_empty()
                || verdicts
                    .iter()
                    .any(|(_, v)| matches!(v, Verdict::Failed(_) | Verdict::NotRun(_)))
            {
                bad += 1;
                "✗"
            } else if verdicts
                .iter()
                .any(|(_, v)| matches!(v, Verdict::Skipped(_)))
            {
                skipped += 1;
                "–"
            } else {
                ok += 1;
                "✓"
            };
            println!("  {mark} {}  ({})", item.text, item.key);
            if verdicts.is_empty() {
                println!("      ✗ no proof listed in {}", week::PATH);
            }
            for (proof, verdict) in &verdicts {
                let (m, why) = match verdict {
                    Verdict::Passed(w) => ("✓", w),
                    Verdict::Skipped(w) => ("–", w),
                    Verdict::Failed(w) | Verdict::NotRun(w) => ("✗", w),
                };
                println!("      {m} {proof}: {}", why.replace('\n', "\n        "));
            }
        }
    }
    let total = ok + bad + skipped;
    println!("\n{total} items: {ok} ✓, {bad} ✗, {skipped} not checked here (a step was skipped)");
    if bad > 0 {
        bail!("checklist: {bad} of {total} items are not proven");
    }
    Ok(Done::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(target: &str, name: &str, status: Status) -> TestResult {
        TestResult {
            package: "day1-x".into(),
            target: target.into(),
            name: name.into(),
            status,
            output: format!("panicked at {name}\nassertion failed\nstack backtrace:\n  0: frames"),
        }
    }

    fn ran(step: Step, results: Vec<TestResult>) -> Ran {
        Ran::from([(step, Ok(results))])
    }

    fn check(s: &str) -> Check {
        Check::parse(s).unwrap()
    }

    #[test]
    fn a_named_test_is_judged_by_its_own_result() {
        let r = ran(
            Step::Test,
            vec![
                result("stress", "a", Status::Passed),
                result("stress", "b", Status::Failed),
                result("lib", "b", Status::Passed),
                result("lib", "c", Status::Passed),
            ],
        );
        assert_eq!(
            judge("day1-x", &check("stress::a"), &r),
            Verdict::Passed("passed".into())
        );
        assert_eq!(
            judge("day1-x", &check("stress::b"), &r),
            Verdict::Failed("b: panicked at b\nassertion failed".into())
        );
        assert!(matches!(
            judge("day1-x", &check("stress::*"), &r),
            Verdict::Failed(_)
        ));
        assert_eq!(
            judge("day1-x", &check("lib::*"), &r),
            Verdict::Passed("2 tests passed".into())
        );
        assert!(matches!(
            judge("day1-x", &check("stress::c"), &r),
            Verdict::NotRun(_)
        ));
        assert!(matches!(
            judge("day2-y", &check("stress::a"), &r),
            Verdict::NotRun(_)
        ));
    }

    #[test]
    fn a_recorded_failure_without_output_names_the_test() {
        let mut failed = result("stress", "b", Status::Failed);
        failed.output.clear();
        assert_eq!(
            judge(
                "day1-x",
                &check("stress::b"),
                &ran(Step::Test, vec![failed])
            ),
            Verdict::Failed(
                "b: (the test printed nothing about why; run it alone to see more)".into()
            )
        );
    }

    #[test]
    fn a_binary_failure_fails_whole_target_and_sanitizer_checks_only() {
        let results = vec![
            result("stress", "a", Status::Passed),
            result(
                "stress",
                "(the test binary exited with Some(66))",
                Status::Failed,
            ),
        ];
        let tests = ran(Step::Test, results.clone());
        assert!(matches!(
            judge("day1-x", &check("stress::a"), &tests),
            Verdict::Passed(_)
        ));
        assert!(matches!(
            judge("day1-x", &check("stress::*"), &tests),
            Verdict::Failed(_)
        ));
        let race = ran(Step::Race, results);
        assert!(matches!(
            judge("day1-x", &check("race:stress::a"), &race),
            Verdict::Failed(_)
        ));
        // A crash before the named test ran proves nothing about it.
        let crashed = ran(
            Step::Test,
            vec![result(
                "stress",
                "(libtest announced 2 test(s) but 1 result line(s) were read)",
                Status::Failed,
            )],
        );
        match judge("day1-x", &check("stress::b"), &crashed) {
            Verdict::NotRun(why) => assert!(why.contains("its test binary failed"), "{why}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn a_skipped_or_missing_step_is_skipped() {
        let r = Ran::from([(Step::Race, Err("no nightly toolchain".to_string()))]);
        assert_eq!(
            judge("day1-x", &check("race:stress::a"), &r),
            Verdict::Skipped("no nightly toolchain".into())
        );
        assert!(matches!(
            judge("day1-x", &check("loom:loom_x::*"), &r),
            Verdict::Skipped(_)
        ));
    }
}
