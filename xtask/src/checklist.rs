//! `cargo xtask checklist`: the week's items (`journal/checklist.md`) with ✓ / ✗ from the latest
//! runs of `test`, `loom`, `race` and `miri`, and the journal answers they name.

use std::cell::RefCell;
use std::collections::HashMap;

use anyhow::bail;

use crate::journal;
use crate::step::{self, Done, Step};
use crate::suite;
use crate::week::{self, Proof};

/// What the latest runs say about one proof.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Passed(String),
    Skipped(String),
    Failed(String),
}

fn judge(krate: &str, proof: &Proof, results: &dyn Fn(&str) -> Vec<suite::TestResult>) -> Verdict {
    match proof {
        Proof::Journal { page, anchor } => match journal::proof_status(page, anchor) {
            Ok(how) => Verdict::Passed(how),
            Err(e) => Verdict::Failed(format!("{e:#}")),
        },
        Proof::Test { step, target, name } => {
            if let Some(step::State::Skipped(why)) = step::last_state(step) {
                return Verdict::Skipped(format!("the {step} step was skipped: {why}"));
            }
            let all = results(step);
            let matching: Vec<_> = all
                .iter()
                .filter(|r| r.package == krate && (target == "*" || &r.target == target))
                .filter(|r| name == "*" || &r.name == name)
                .filter(|r| r.status != suite::Status::Ignored)
                .collect();
            let failed = matching
                .iter()
                .filter(|r| r.status == suite::Status::Failed)
                .count();
            match (matching.len(), failed) {
                (0, _) => Verdict::Failed(format!("no such test ran in the latest `{step}` run")),
                (n, 0) => Verdict::Passed(if n == 1 {
                    "passed".into()
                } else {
                    format!("{n} tests passed")
                }),
                (n, f) => Verdict::Failed(format!("{f} of {n} failed")),
            }
        }
    }
}

/// `cargo xtask checklist`: prints every item with ✓ / ✗ and fails if any item is unproven.
pub(crate) fn run() -> Step {
    let days = week::load()?;
    let cache = RefCell::new(HashMap::new());
    let results = |step: &str| {
        cache
            .borrow_mut()
            .entry(step.to_string())
            .or_insert_with(|| suite::load(step))
            .clone()
    };
    let (mut ok, mut bad, mut skipped) = (0, 0, 0);
    for day in &days {
        println!("\n{} — {}", day.krate, day.title);
        for item in &day.items {
            let verdicts: Vec<_> = item
                .proofs
                .iter()
                .map(|p| (p, judge(&day.krate, p, &results)))
                .collect();
            let mark = if verdicts.is_empty()
                || verdicts
                    .iter()
                    .any(|(_, v)| matches!(v, Verdict::Failed(_)))
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
            println!("  {mark} {}", item.text);
            if verdicts.is_empty() {
                println!("      ✗ no proof listed in journal/checklist.md");
            }
            for (proof, verdict) in &verdicts {
                let (m, why) = match verdict {
                    Verdict::Passed(w) => ("✓", w),
                    Verdict::Skipped(w) => ("–", w),
                    Verdict::Failed(w) => ("✗", w),
                };
                println!("      {m} {proof}: {why}");
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

    #[test]
    fn a_proof_needs_a_matching_passing_test() {
        let res = |_: &str| {
            vec![suite::TestResult {
                package: "day9-x".into(),
                target: "checklist".into(),
                name: "does_it".into(),
                status: suite::Status::Passed,
                output: String::new(),
            }]
        };
        let p = |s: &str| s.parse::<Proof>().unwrap();
        assert!(matches!(
            judge("day9-x", &p("checklist::does_it"), &res),
            Verdict::Passed(_)
        ));
        assert!(matches!(
            judge("day9-x", &p("checklist::other"), &res),
            Verdict::Failed(_)
        ));
        assert!(matches!(
            judge("day8-y", &p("checklist::does_it"), &res),
            Verdict::Failed(_)
        ));
    }
}
