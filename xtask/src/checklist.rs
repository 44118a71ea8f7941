//! The week's checklist (`journal/checklist.md`) and the proofs of its items.

use std::fs;

use crate::cmd::{Result, root};
use crate::{journal, state, suite};

/// One day of the week: its crate and its checklist items.
#[derive(Debug)]
pub(crate) struct Day {
    pub(crate) krate: String,
    pub(crate) title: String,
    pub(crate) items: Vec<Item>,
}

/// One checklist item with the proofs that must hold for it.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) text: String,
    pub(crate) proofs: Vec<Proof>,
}

/// Something that must pass for an item to be ✓ (see the format at the top of `checklist.md`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Proof {
    /// A test of the day's crate under `step` (`test`, `loom` or `race`); `*` matches any.
    Test {
        step: &'static str,
        target: String,
        name: String,
    },
    /// A written answer in `journal/<page>.md` under the heading `#<anchor>`.
    Journal { page: String, anchor: String },
}

impl std::fmt::Display for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proof::Test {
                step: "test",
                target,
                name,
            } => write!(f, "{target}::{name}"),
            Proof::Test { step, target, name } if target == "*" => write!(f, "{step}:{name}"),
            Proof::Test { step, target, name } => write!(f, "{step}:{target}::{name}"),
            Proof::Journal { page, anchor } => write!(f, "journal:{page}#{anchor}"),
        }
    }
}

fn parse_proof(s: &str) -> std::result::Result<Proof, String> {
    if let Some(rest) = s.strip_prefix("journal:") {
        let (page, anchor) = rest
            .split_once('#')
            .ok_or("a journal proof is `journal:<page>#<heading>`")?;
        return Ok(Proof::Journal {
            page: page.into(),
            anchor: anchor.into(),
        });
    }
    let (step, rest) = match s.split_once(':') {
        Some(("loom", r)) if !r.starts_with(':') => ("loom", r),
        Some(("race", r)) if !r.starts_with(':') => ("race", r),
        _ => ("test", s),
    };
    if rest == "*" {
        return Ok(Proof::Test {
            step,
            target: "*".into(),
            name: "*".into(),
        });
    }
    let (target, name) = rest
        .split_once("::")
        .ok_or("a test proof is `[loom:|race:]<target>::<test path>`")?;
    Ok(Proof::Test {
        step,
        target: target.into(),
        name: name.into(),
    })
}

/// Parses the checklist file's text.
pub(crate) fn parse(text: &str) -> std::result::Result<Vec<Day>, String> {
    let mut days: Vec<Day> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("journal/checklist.md:{}: {e}", n + 1);
        if let Some(h) = line.strip_prefix("## ") {
            let (krate, title) = h.split_once(" — ").unwrap_or((h, ""));
            days.push(Day {
                krate: krate.trim().into(),
                title: title.trim().into(),
                items: Vec::new(),
            });
        } else if let Some(day) = days.last_mut() {
            if let Some(p) = line
                .trim_start()
                .strip_prefix("- proof:")
                .filter(|_| line.starts_with("  "))
            {
                let item = day
                    .items
                    .last_mut()
                    .ok_or_else(|| at("a proof before any item".into()))?;
                item.proofs.push(parse_proof(p.trim()).map_err(at)?);
            } else if let Some(t) = line.strip_prefix("- ") {
                day.items.push(Item {
                    text: t.trim().into(),
                    proofs: Vec::new(),
                });
            }
        }
    }
    Ok(days)
}

/// Reads `journal/checklist.md`.
pub(crate) fn load() -> Result<Vec<Day>> {
    let path = root().join("journal/checklist.md");
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("checklist: cannot read {}: {e}", path.display()))?;
    parse(&text)
}

/// What the latest runs say about one proof.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Passed(String),
    Skipped(String),
    Failed(String),
}

fn judge(krate: &str, proof: &Proof, results: &dyn Fn(&str) -> Vec<suite::TestResult>) -> Verdict {
    match proof {
        Proof::Journal { page, anchor } => match journal::answer_status(page, anchor) {
            Ok(words) => Verdict::Passed(format!("{words} words")),
            Err(e) => Verdict::Failed(e),
        },
        Proof::Test { step, target, name } => {
            if let Some(state::StepState::Skipped(why)) = state::get(step) {
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
pub(crate) fn report() -> Result {
    let days = load()?;
    let cache = std::cell::RefCell::new(std::collections::HashMap::new());
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
    if bad == 0 {
        Ok(())
    } else {
        Err(format!("checklist: {bad} of {total} items are not proven"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_items_and_proofs() {
        let text = "intro\n- not an item\n## day9-x — Someday: things\n\n- Do a thing\n  - proof: checklist::does_it\n  - proof: loom:loom_x::*\n- Race it\n  - proof: race:*\n  - proof: journal:day9-x#why\n";
        let days = parse(text).unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!(
            (days[0].krate.as_str(), days[0].title.as_str()),
            ("day9-x", "Someday: things")
        );
        let proofs: Vec<String> = days[0]
            .items
            .iter()
            .flat_map(|i| &i.proofs)
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            proofs,
            [
                "checklist::does_it",
                "loom:loom_x::*",
                "race:*",
                "journal:day9-x#why"
            ]
        );
    }

    #[test]
    fn the_workspace_checklist_has_the_weeks_37_items() {
        let days = load().unwrap();
        let per_day: Vec<usize> = days.iter().map(|d| d.items.len()).collect();
        assert_eq!(per_day, [7, 8, 7, 7, 8]);
        assert!(
            days.iter()
                .flat_map(|d| &d.items)
                .all(|i| !i.proofs.is_empty())
        );
    }

    #[test]
    fn a_proof_needs_a_matching_passing_test() {
        let res = |_: &str| {
            vec![suite::TestResult {
                package: "day9-x".into(),
                target: "checklist".into(),
                name: "does_it".into(),
                status: suite::Status::Passed,
            }]
        };
        let p = |s: &str| parse_proof(s).unwrap();
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
