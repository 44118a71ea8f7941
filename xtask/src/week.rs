//! The week's checklist file, `journal/checklist.md`: its days, their items, and the proofs each
//! item needs (the format is described at the top of that file). Data only; `checklist` judges the
//! proofs and `journal` checks the pages against it.

use std::fs;

use anyhow::{Context as _, Result, anyhow};

use crate::ws;

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
    /// A test of the day's crate under `step` (`test`, `loom`, `race` or `miri`); `*` matches any.
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

/// The steps whose results a proof can name with a `<step>:` prefix.
const PREFIXED_STEPS: [&str; 3] = ["loom", "race", "miri"];

impl std::str::FromStr for Proof {
    type Err = String;

    /// `<target>::<path>`, `loom:` / `race:` / `miri:` + `<target>::<path>` or `*`, or
    /// `journal:<page>#<anchor>`.
    fn from_str(s: &str) -> std::result::Result<Proof, String> {
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
            Some((p, r)) if !r.starts_with(':') => {
                let step = PREFIXED_STEPS
                    .into_iter()
                    .find(|&k| k == p)
                    .ok_or_else(|| format!("unknown proof prefix `{p}:` in `{s}`"))?;
                (step, r)
            }
            _ => ("test", s),
        };
        if rest == "*" {
            return Ok(Proof::Test {
                step,
                target: "*".into(),
                name: "*".into(),
            });
        }
        let (target, name) = rest.split_once("::").ok_or_else(|| {
            format!("a test proof is `[loom:|race:|miri:]<target>::<test path>`, not `{s}`")
        })?;
        Ok(Proof::Test {
            step,
            target: target.into(),
            name: name.into(),
        })
    }
}

/// Parses the checklist file's text.
pub(crate) fn parse(text: &str) -> Result<Vec<Day>> {
    let mut days: Vec<Day> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| anyhow!("journal/checklist.md:{}: {e}", n + 1);
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
                item.proofs.push(p.trim().parse().map_err(at)?);
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
    let path = ws::current()?.root.join("journal/checklist.md");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_items_and_proofs() {
        let text = "intro\n- not an item\n## day9-x — Someday: things\n\n- Do a thing\n  - proof: checklist::does_it\n  - proof: loom:loom_x::*\n- Race it\n  - proof: race:*\n  - proof: miri:stress::*\n  - proof: journal:day9-x#why\n";
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
                "miri:stress::*",
                "journal:day9-x#why"
            ]
        );
    }

    #[test]
    fn a_bad_proof_names_its_line_and_why() {
        let err = parse("## day9-x\n- item\n  - proof: tsan:lib::x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "journal/checklist.md:3: unknown proof prefix `tsan:` in `tsan:lib::x`"
        );
        let err = parse("## day9-x\n- item\n  - proof: no_target\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("journal/checklist.md:3: a test proof is"),
            "{err}"
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
}
