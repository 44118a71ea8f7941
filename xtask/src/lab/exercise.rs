//! A day's exercises: `<crate>/lab.toml` joined with the markers in `<crate>/src/**`.
//!
//! Everything is checked when a day is loaded, and every error names the file and line it is about
//! and the exercise id: a region without an exercise or the reverse, a duplicate id, a check that is
//! not in the checklist's proof syntax, a mistake edit whose `from` is not in the region exactly once.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::markers::{self, Region};
use crate::week::Proof;

/// The step that runs a check.
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

/// One check that proves an exercise: a test of the day's crate under a step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Check {
    pub(crate) step: Step,
    /// `lib` for the crate's unit tests, else an integration test file's stem.
    pub(crate) target: String,
    /// The test's path inside its target, or `*` for every test of the target.
    pub(crate) name: String,
}

impl Check {
    /// Parses a check in the checklist's proof syntax ([`Proof`]): `[loom:|race:|miri:]<target>::<test
    /// path>`, or `<step>:*` for every test of the crate under that step.
    pub(crate) fn parse(s: &str) -> Result<Check, String> {
        let not = |why: &str| format!("`{s}` is not a check: {why}");
        let (step, target, name) = match s.parse::<Proof>().map_err(|e| not(&e))? {
            Proof::Test { step, target, name } => (step, target, name),
            Proof::Journal { .. } => return Err(not("a check is a test, not a journal page")),
        };
        let step = match step {
            "loom" => Step::Loom,
            "race" => Step::Race,
            "miri" => Step::Miri,
            _ => Step::Test,
        };
        if target.is_empty() || name.is_empty() || target.contains(' ') {
            return Err(not("write `[loom:|race:|miri:]<target>::<test path>`"));
        }
        if target == "*" && (step == Step::Test || name != "*") {
            return Err(not(
                "`*` for the target is `loom:*`, `race:*` or `miri:*` (every test)",
            ));
        }
        Ok(Check { step, target, name })
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

/// One classic mistake kept beside an exercise.
#[derive(Debug)]
pub(crate) struct Mistake {
    pub(crate) name: String,
    pub(crate) why: String,
    edits: Vec<(String, String)>,
    pub(crate) caught_by: Check,
}

/// One exercise: its data and where its region is.
#[derive(Debug)]
pub(crate) struct Exercise {
    pub(crate) id: String,
    pub(crate) title: String,
    /// The source file, relative to the workspace root (`day1-sync-atomic/src/map.rs`).
    pub(crate) file: PathBuf,
    pub(crate) item: String,
    pub(crate) hint: String,
    pub(crate) checks: Vec<Check>,
    stub: Option<String>,
    pub(crate) mistakes: Vec<Mistake>,
    /// The begin marker's line and indentation when the day was loaded.
    pub(crate) line: usize,
    indent: String,
}

impl Exercise {
    /// `day1-sync-atomic/src/map.rs:193`, for messages.
    pub(crate) fn at(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// The learner's version of the region: the stub from `lab.toml`, re-indented like the region,
    /// or `todo!("<id>: <hint>")`.
    pub(crate) fn stub(&self) -> String {
        match &self.stub {
            Some(s) => reindent(s, &self.indent),
            None => {
                let msg: String = format!("{}: {}", self.id, self.hint)
                    .chars()
                    .flat_map(|c| match c {
                        '{' => vec!['{', '{'],
                        '}' => vec!['}', '}'],
                        '"' => vec!['\\', '"'],
                        '\\' => vec!['\\', '\\'],
                        c => vec![c],
                    })
                    .collect();
                format!("{}todo!(\"{msg}\")\n", self.indent)
            }
        }
    }

    /// The reference with mistake `n` (1-based) applied.
    pub(crate) fn with_mistake(&self, reference: &str, n: usize) -> Result<String> {
        let Some(m) = n.checked_sub(1).and_then(|i| self.mistakes.get(i)) else {
            bail!(
                "{}: {} has {} mistake(s); there is no mistake {n}",
                self.at(),
                self.id,
                self.mistakes.len()
            );
        };
        self.with_edits(reference, &format!("mistake {n} ({:?})", m.name), &m.edits)
    }

    /// The reference with `edits` applied, each `from` replaced by its `to`; `what` names the edits
    /// in the error when a `from` is not in the region exactly once.
    pub(crate) fn with_edits(
        &self,
        reference: &str,
        what: &str,
        edits: &[(String, String)],
    ) -> Result<String> {
        let mut body = reference.to_string();
        for (from, to) in edits {
            let found = reference.matches(from.as_str()).count();
            if found != 1 {
                bail!(
                    "{}: {}: {what}: `from` {from:?} occurs {found} times in the region; it must occur exactly once",
                    self.at(),
                    self.id,
                );
            }
            body = body.replacen(from.as_str(), to, 1);
        }
        Ok(body)
    }
}

/// `text` with its common indentation replaced by `indent`; ends with a newline.
fn reindent(text: &str, indent: &str) -> String {
    let lines: Vec<&str> = text.trim_matches('\n').lines().collect();
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                "\n".to_string()
            } else {
                format!("{indent}{}\n", &l[common..])
            }
        })
        .collect()
}

/// One day: a workspace crate with a `lab.toml`.
#[derive(Debug)]
pub(crate) struct Day {
    /// The crate's name (`day1-sync-atomic`).
    pub(crate) krate: String,
    /// Its directory, relative to the workspace root.
    pub(crate) dir: PathBuf,
    /// `day1` for `day1-sync-atomic`.
    pub(crate) short: String,
    pub(crate) exercises: Vec<Exercise>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabToml {
    exercise: Vec<RawExercise>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    id: toml::Spanned<String>,
    title: String,
    file: String,
    item: String,
    hint: String,
    checks: Vec<String>,
    stub: Option<String>,
    #[serde(default)]
    mistake: Vec<RawMistake>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMistake {
    name: String,
    why: String,
    edits: Vec<RawEdit>,
    caught_by: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    from: String,
    to: String,
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Every marked region under `<root>/<dir>/src`, keyed by id, with the file it is in.
fn crate_regions(root: &Path, dir: &Path) -> Result<BTreeMap<String, (PathBuf, Region)>> {
    let mut files = Vec::new();
    rust_files(&root.join(dir).join("src"), &mut files)?;
    let mut all: BTreeMap<String, (PathBuf, Region)> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", rel.display()))?;
        for region in markers::regions(&rel.display().to_string(), &text)? {
            if let Some((other, r)) = all.get(&region.id) {
                bail!(
                    "{}:{}: duplicate exercise id {} (also at {}:{})",
                    rel.display(),
                    region.begin,
                    region.id,
                    other.display(),
                    r.begin
                );
            }
            all.insert(region.id.clone(), (rel.clone(), region));
        }
    }
    Ok(all)
}

/// Loads day `krate`, whose directory `dir` under `root` holds `lab.toml`, checking it against its
/// markers.
pub(crate) fn load_day(root: &Path, dir: &Path, krate: &str) -> Result<Day> {
    let toml_rel = dir.join("lab.toml").display().to_string();
    let text =
        fs::read_to_string(root.join(&toml_rel)).with_context(|| format!("reading {toml_rel}"))?;
    let raw: LabToml = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| format!(":{}", line_of(&text, s.start)))
            .unwrap_or_default();
        anyhow::anyhow!("{toml_rel}{line}: {}", e.message())
    })?;
    let short = krate.split('-').next().unwrap_or(krate).to_string();
    let mut regions = crate_regions(root, dir)?;
    let mut exercises: Vec<Exercise> = Vec::new();
    for ex in raw.exercise {
        let at = format!("{toml_rel}:{}", line_of(&text, ex.id.span().start));
        let id = ex.id.into_inner();
        markers::valid_id(&id).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        if id.split('/').next() != Some(short.as_str()) {
            bail!("{at}: {id}: the ids of {krate} start with `{short}/`");
        }
        if exercises.iter().any(|e| e.id == id) {
            bail!("{at}: duplicate exercise id {id}");
        }
        let file = dir.join(&ex.file);
        let Some((found_in, region)) = regions.remove(&id) else {
            bail!(
                "{at}: {id}: no `// lab:begin {id}` marker in {}/src (lab.toml says {})",
                dir.display(),
                file.display()
            );
        };
        if found_in != file {
            bail!(
                "{at}: {id}: lab.toml says file = {:?}, but its markers are in {}",
                ex.file,
                found_in.display()
            );
        }
        let check = |s: &str| Check::parse(s).map_err(|e| anyhow::anyhow!("{at}: {id}: {e}"));
        let checks = ex
            .checks
            .iter()
            .map(|c| check(c))
            .collect::<Result<Vec<_>>>()?;
        if checks.is_empty() {
            bail!("{at}: {id}: `checks` is empty; an exercise is proved by at least one check");
        }
        let mut mistakes = Vec::new();
        for m in ex.mistake {
            if m.edits.is_empty() {
                bail!("{at}: {id}: mistake {:?} has no edits", m.name);
            }
            mistakes.push(Mistake {
                caught_by: check(&m.caught_by)?,
                name: m.name,
                why: m.why,
                edits: m.edits.into_iter().map(|e| (e.from, e.to)).collect(),
            });
        }
        exercises.push(Exercise {
            id,
            title: ex.title,
            file,
            item: ex.item,
            hint: ex.hint,
            checks,
            stub: ex.stub,
            mistakes,
            line: region.begin,
            indent: region.indent,
        });
    }
    if let Some((id, (file, region))) = regions.into_iter().next() {
        bail!(
            "{}:{}: `lab:begin {id}` has no [[exercise]] in {toml_rel}",
            file.display(),
            region.begin
        );
    }
    Ok(Day {
        krate: krate.to_string(),
        dir: dir.to_path_buf(),
        short,
        exercises,
    })
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway workspace with crate `day1-x` holding `files`.
    fn day(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join("day1-x").join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        dir
    }

    const SRC: &str = "pub fn f() -> u32 {\n    // lab:begin day1/f\n    let x = 1;\n    x + 1\n    // lab:end day1/f\n}\n";

    const TOML: &str = r#"
[[exercise]]
id = "day1/f"
title = "f"
file = "src/lib.rs"
item = "Use f"
hint = "add {one} \"more\""
checks = ["checklist::f_works", "loom:loom_f::*"]

[[exercise.mistake]]
name = "off by one"
why = "because"
edits = [{ from = "x + 1", to = "x + 2" }]
caught-by = "checklist::f_works"
"#;

    fn load(toml: &str, src: &str) -> Result<Day> {
        let dir = day(&[("lab.toml", toml), ("src/lib.rs", src)]);
        load_day(dir.path(), Path::new("day1-x"), "day1-x")
    }

    #[test]
    fn loads_a_day_and_makes_stubs_and_mistakes() {
        let d = load(TOML, SRC).unwrap();
        assert_eq!(d.short, "day1");
        let ex = &d.exercises[0];
        assert_eq!(ex.at(), "day1-x/src/lib.rs:2");
        assert_eq!(
            ex.checks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["checklist::f_works", "loom:loom_f::*"]
        );
        // Braces and quotes in the hint are escaped: the stub is a valid `todo!` format string.
        assert_eq!(
            ex.stub(),
            "    todo!(\"day1/f: add {{one}} \\\"more\\\"\")\n"
        );
        let reference = "    let x = 1;\n    x + 1\n";
        assert_eq!(
            ex.with_mistake(reference, 1).unwrap(),
            "    let x = 1;\n    x + 2\n"
        );
        assert!(ex.with_mistake(reference, 2).is_err());
        assert!(ex.with_mistake(reference, 0).is_err());
    }

    #[test]
    fn a_given_stub_is_indented_like_the_region() {
        let toml = TOML.replace("checks =", "stub = '''\n  let _ = 1;\n\n  0\n'''\nchecks =");
        let d = load(&toml, SRC).unwrap();
        assert_eq!(d.exercises[0].stub(), "    let _ = 1;\n\n    0\n");
    }

    #[test]
    fn an_edit_not_found_exactly_once_names_the_region_and_id() {
        let d = load(TOML, SRC).unwrap();
        let err = d.exercises[0]
            .with_mistake("    x + 1\n    x + 1\n", 1)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "day1-x/src/lib.rs:2: day1/f: mistake 1 (\"off by one\"): `from` \"x + 1\" occurs 2 times in the region; it must occur exactly once"
        );
    }

    #[test]
    fn duplicate_ids_are_errors_in_source_and_in_lab_toml() {
        let twice = format!("{SRC}{}", SRC.replace("fn f", "fn g"));
        let err = load(TOML, &twice).unwrap_err().to_string();
        assert_eq!(
            err,
            "day1-x/src/lib.rs:8: duplicate exercise id day1/f (also at day1-x/src/lib.rs:2)"
        );
        let toml = format!(
            "{TOML}{}",
            TOML.split("[[exercise.mistake]]").next().unwrap()
        );
        let err = load(&toml, SRC).unwrap_err().to_string();
        assert!(
            err.starts_with("day1-x/lab.toml:17: duplicate exercise id day1/f"),
            "{err}"
        );
    }

    #[test]
    fn markers_and_exercises_must_match_one_to_one() {
        let err = load(TOML, "fn f() {}\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "day1-x/lab.toml:3: day1/f: no `// lab:begin day1/f` marker in day1-x/src (lab.toml says day1-x/src/lib.rs)"
        );
        let extra = format!("{SRC}{}", SRC.replace("day1/f", "day1/g"));
        let err = load(TOML, &extra).unwrap_err().to_string();
        assert_eq!(
            err,
            "day1-x/src/lib.rs:8: `lab:begin day1/g` has no [[exercise]] in day1-x/lab.toml"
        );
        let err = load(TOML, "// lab:begin day1/f\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "day1-x/src/lib.rs:1: `lab:begin day1/f` has no `lab:end day1/f`"
        );
    }

    #[test]
    fn bad_toml_and_bad_checks_name_the_line() {
        let err = load(&TOML.replace("title = \"f\"\n", ""), SRC)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("day1-x/lab.toml:2: missing field `title`"),
            "{err}"
        );
        let err = load(
            &TOML.replace("\"checklist::f_works\", ", "\"f_works\", "),
            SRC,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("day1-x/lab.toml:3: day1/f: `f_works` is not a check"),
            "{err}"
        );
        let err = load(&TOML.replace("id = \"day1/f\"", "id = \"day2/f\""), SRC)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the ids of day1-x start with `day1/`"),
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
}
