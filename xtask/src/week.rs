//! The registry of the week's checklist, `journal/checklist.md`: its days, their items, each keyed
//! once (`day3/wait-group-close`) with the text a learner reads and the proofs it needs (the format
//! is described at the top of that file). Journal pages and `lab.toml` files name items by key.
//! Data only: `checklist` judges the proofs, `journal` checks the pages against the registry and
//! `lab` resolves the keys its exercises serve.

use std::fmt;
use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::ws;

/// The registry's path, relative to the workspace root.
pub(crate) const PATH: &str = "journal/checklist.md";

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
    /// `<day>/<name>`, e.g. `day3/wait-group-close`: how pages and exercises refer to the item.
    pub(crate) key: String,
    /// The curriculum's words.
    pub(crate) text: String,
    pub(crate) proofs: Vec<Proof>,
}

impl Item {
    /// The item as a line of a list: `` `<key>` <text> ``.
    pub(crate) fn line(&self) -> String {
        format!("`{}` {}", self.key, self.text)
    }
}

/// The step that runs a test check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Step {
    Test,
    Loom,
    Race,
    Miri,
}

impl Step {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Step::Test => "test",
            Step::Loom => "loom",
            Step::Race => "race",
            Step::Miri => "miri",
        }
    }
}

/// A test of a day's crate under a step: a checklist proof, or a check that proves an exercise.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Check {
    pub(crate) step: Step,
    /// `lib` for the crate's unit tests, else an integration test file's stem; `*` (with a step
    /// other than `test`) for every test of the crate.
    pub(crate) target: String,
    /// The test's path inside its target, or `*` for every test of the target.
    pub(crate) name: String,
}

impl Check {
    /// `[loom:|race:|miri:]<target>::<test path>`, or `<step>:*` for every test of the crate under
    /// that step.
    pub(crate) fn parse(s: &str) -> Result<Check, String> {
        let not = |why: &str| format!("`{s}` is not a check: {why}");
        let (step, rest) = match s.split_once(':') {
            Some((p, r)) if !r.starts_with(':') => {
                let step = [Step::Loom, Step::Race, Step::Miri]
                    .into_iter()
                    .find(|k| k.name() == p)
                    .ok_or_else(|| not(&format!("unknown prefix `{p}:`")))?;
                (step, r)
            }
            _ => (Step::Test, s),
        };
        if rest == "*" && step != Step::Test {
            return Ok(Check {
                step,
                target: "*".into(),
                name: "*".into(),
            });
        }
        let (target, name) = rest
            .split_once("::")
            .filter(|(t, n)| !t.is_empty() && !n.is_empty() && *t != "*" && !t.contains(' '))
            .ok_or_else(|| not("write `[loom:|race:|miri:]<target>::<test path>` or `race:*`"))?;
        Ok(Check {
            step,
            target: target.into(),
            name: name.into(),
        })
    }

    /// Whether this check is about tests of `target`.
    pub(crate) fn covers(&self, target: &str) -> bool {
        self.target == "*" || self.target == target
    }

    /// Whether this check names the test `name` of `target`.
    pub(crate) fn matches(&self, target: &str, name: &str) -> bool {
        self.covers(target) && (self.name == "*" || self.name == name)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.step != Step::Test {
            write!(f, "{}:", self.step.name())?;
        }
        if self.target == "*" {
            return f.write_str("*");
        }
        write!(f, "{}::{}", self.target, self.name)
    }
}

/// Something that must pass for an item to be ✓ (see the format at the top of `checklist.md`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Proof {
    /// A test of the day's crate.
    Test(Check),
    /// A written answer in `journal/<page>.md` under the heading `#<anchor>`.
    Journal { page: String, anchor: String },
}

impl fmt::Display for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proof::Test(check) => check.fmt(f),
            Proof::Journal { page, anchor } => write!(f, "journal:{page}#{anchor}"),
        }
    }
}

impl std::str::FromStr for Proof {
    type Err = String;

    /// A [`Check`], or `journal:<page>#<anchor>`.
    fn from_str(s: &str) -> Result<Proof, String> {
        let Some(rest) = s.strip_prefix("journal:") else {
            return Check::parse(s).map(Proof::Test);
        };
        let (page, anchor) = rest
            .split_once('#')
            .ok_or("a journal proof is `journal:<page>#<heading>`")?;
        Ok(Proof::Journal {
            page: page.into(),
            anchor: anchor.into(),
        })
    }
}

/// Checks a key found under `## <krate>`: `<day>/<name>`, where `<day>` is the crate's name up to
/// its first `-` and `<name>` is lower-case ASCII letters, digits and single `-`.
fn valid_key(krate: &str, key: &str) -> Result<(), String> {
    let day = krate.split('-').next().unwrap_or(krate);
    let Some(name) = key.strip_prefix(day).and_then(|k| k.strip_prefix('/')) else {
        return Err(format!(
            "the keys of {krate} start with `{day}/`, not `{key}`"
        ));
    };
    let ok = name.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !ok {
        return Err(format!(
            "`{key}`: a key's name is lower-case words joined by `-`"
        ));
    }
    Ok(())
}

/// `(key, text)` of an item line's rest, `` `<key>` <text> ``.
pub(crate) fn split_item(line: &str) -> Result<(&str, &str), String> {
    line.strip_prefix('`')
        .and_then(|l| l.split_once('`'))
        .map(|(key, text)| (key, text.trim()))
        .filter(|(key, text)| !key.is_empty() && !text.is_empty())
        .ok_or_else(|| format!("an item is `` - `<key>` <text> ``, not `- {line}`"))
}

/// Parses the registry's text.
pub(crate) fn parse(text: &str) -> Result<Vec<Day>> {
    let mut days: Vec<Day> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| anyhow!("{PATH}:{}: {e}", n + 1);
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
            } else if let Some(rest) = line.strip_prefix("- ") {
                let (key, text) = split_item(rest).map_err(at)?;
                valid_key(&day.krate, key).map_err(at)?;
                day.items.push(Item {
                    key: key.into(),
                    text: text.into(),
                    proofs: Vec::new(),
                });
            }
        }
    }
    let mut keys: Vec<&str> = days
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| i.key.as_str())
        .collect();
    keys.sort_unstable();
    if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
        bail!("{PATH}: the key `{}` names two items", w[0]);
    }
    Ok(days)
}

/// Reads the registry of the workspace at `root`.
pub(crate) fn read(root: &Path) -> Result<Vec<Day>> {
    let path = root.join(PATH);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text)
}

/// Reads the registry of the current workspace.
pub(crate) fn load() -> Result<Vec<Day>> {
    read(&ws::current()?.root)
}

/// The item keyed `key`, and the crate whose day lists it.
pub(crate) fn find<'a>(days: &'a [Day], key: &str) -> Option<(&'a str, &'a Item)> {
    days.iter().find_map(|d| {
        d.items
            .iter()
            .find(|i| i.key == key)
            .map(|i| (d.krate.as_str(), i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "intro\n- not an item\n## day9-x — Someday: things\n\n- `day9/do-it` Do a thing\n  - proof: checklist::does_it\n  - proof: loom:loom_x::*\n- `day9/race-it` Race it\n  - proof: race:*\n  - proof: miri:stress::*\n  - proof: journal:day9-x#why\n";

    #[test]
    fn parses_days_keyed_items_and_proofs() {
        let days = parse(TEXT).unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!(
            (days[0].krate.as_str(), days[0].title.as_str()),
            ("day9-x", "Someday: things")
        );
        let items: Vec<(&str, &str)> = days[0]
            .items
            .iter()
            .map(|i| (i.key.as_str(), i.text.as_str()))
            .collect();
        assert_eq!(
            items,
            [("day9/do-it", "Do a thing"), ("day9/race-it", "Race it")]
        );
        assert_eq!(days[0].items[0].line(), "`day9/do-it` Do a thing");
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
        let (krate, item) = find(&days, "day9/race-it").unwrap();
        assert_eq!((krate, item.text.as_str()), ("day9-x", "Race it"));
        assert!(find(&days, "day9/race").is_none());
    }

    #[test]
    fn a_bad_key_names_its_line_and_why() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            err("## day9-x\n- Do a thing\n"),
            "journal/checklist.md:2: an item is `` - `<key>` <text> ``, not `- Do a thing`"
        );
        assert_eq!(
            err("## day9-x\n- `day8/do-it` Do a thing\n"),
            "journal/checklist.md:2: the keys of day9-x start with `day9/`, not `day8/do-it`"
        );
        for bad in [
            "day9/Do-it",
            "day9/do--it",
            "day9/",
            "day9/do it",
            "day9/do_it",
        ] {
            assert_eq!(
                err(&format!("## day9-x\n- `{bad}` Do a thing\n")),
                format!(
                    "journal/checklist.md:2: `{bad}`: a key's name is lower-case words joined by `-`"
                ),
            );
        }
        assert_eq!(
            err("## day9-x\n- `day9/a` A\n## day9-y\n- `day9/a` B\n"),
            "journal/checklist.md: the key `day9/a` names two items"
        );
        assert_eq!(
            err("## day9-x\n- `day9/a`\n"),
            "journal/checklist.md:2: an item is `` - `<key>` <text> ``, not `- `day9/a``"
        );
    }

    #[test]
    fn a_bad_proof_names_its_line_and_why() {
        let err = parse("## day9-x\n- `day9/a` item\n  - proof: tsan:lib::x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "journal/checklist.md:3: `tsan:lib::x` is not a check: unknown prefix `tsan:`"
        );
        let err = parse("## day9-x\n- `day9/a` item\n  - proof: no_target\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("journal/checklist.md:3: `no_target` is not a check"),
            "{err}"
        );
    }

    #[test]
    fn checks_parse_and_match() {
        let c = Check::parse("race:stress::*").unwrap();
        assert_eq!(
            (c.step, c.target.as_str(), c.name.as_str()),
            (Step::Race, "stress", "*")
        );
        assert!(c.matches("stress", "anything") && !c.matches("lib", "anything"));
        let c = Check::parse("lib::map::tests::range").unwrap();
        assert_eq!(
            (c.step, c.target.as_str(), c.name.as_str()),
            (Step::Test, "lib", "map::tests::range")
        );
        assert!(c.matches("lib", "map::tests::range") && !c.matches("lib", "map::tests::rang"));
        assert_eq!(
            Check::parse("miri:lib::a").unwrap().to_string(),
            "miri:lib::a"
        );
        let c = Check::parse("race:*").unwrap();
        assert!(c.matches("stress", "a") && c.matches("lib", "b"));
        assert_eq!(c.to_string(), "race:*");
        for bad in [
            "",
            "x",
            "::x",
            "loom:x",
            "a b::c",
            "*::x",
            "*",
            "journal:d#a",
            "tsan:a::b",
        ] {
            assert!(Check::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_workspace_registry_keys_the_weeks_37_items() {
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
