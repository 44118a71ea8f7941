//! A day's exercises: `<crate>/lab.toml` joined with the markers in `<crate>/src/**`.
//!
//! Everything is checked when a day is loaded, and every error names the file and line it is about
//! and the exercise id: a region without an exercise or the reverse, a duplicate id, an `item` that
//! is not a key of the day's items in the checklist registry (`journal/checklist.md`), a check that
//! is not in the checklist's proof syntax, a mistake edit whose `from` is not in the region exactly
//! once.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::markers::{self, Region};
use crate::week::{self as registry};
pub(crate) use crate::week::{Check, Step};

/// The checklist item an exercise serves: its key in the registry (`lab.toml`'s `item`) and the
/// registry's text for it; `lab list` and `lab hint` show both (`<text>  [<key>]`).
#[derive(Debug)]
pub(crate) struct ItemRef {
    pub(crate) key: String,
    pub(crate) text: String,
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}  [{}]", self.text, self.key)
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
    pub(crate) item: ItemRef,
    /// Graded hints, from the idea to the API to use (never the answer): `lab hint` gives one more
    /// each time. At least one.
    pub(crate) hints: Vec<String>,
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
    /// or `todo!("<id>: <first hint>")`.
    pub(crate) fn stub(&self) -> String {
        match &self.stub {
            Some(s) => reindent(s, &self.indent),
            None => {
                let msg: String = format!("{}: {}", self.id, self.hints[0])
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
    /// One hint: a single level (the older form, still accepted).
    hint: Option<String>,
    /// Graded hints, 2–3 levels.
    hints: Option<Vec<String>>,
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
    let week = registry::read(root)?;
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
        let item = match registry::find(&week, &ex.item) {
            Some((of, item)) if of == krate => ItemRef {
                key: item.key.clone(),
                text: item.text.clone(),
            },
            Some((of, _)) => bail!(
                "{at}: {id}: item `{}` is an item of {of}, not of {krate}",
                ex.item
            ),
            None => bail!(
                "{at}: {id}: item `{}` is not a key of {}",
                ex.item,
                registry::PATH
            ),
        };
        let check = |s: &str| Check::parse(s).map_err(|e| anyhow::anyhow!("{at}: {id}: {e}"));
        let checks = ex
            .checks
            .iter()
            .map(|c| check(c))
            .collect::<Result<Vec<_>>>()?;
        if checks.is_empty() {
            bail!("{at}: {id}: `checks` is empty; an exercise is proved by at least one check");
        }
        let hints =
            graded_hints(ex.hint, ex.hints).map_err(|e| anyhow::anyhow!("{at}: {id}: {e}"))?;
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
            item,
            hints,
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

/// The hint levels of an exercise: `hints = [...]` (2–3 levels, from the idea to the API) or one
/// `hint = "..."`, never both.
fn graded_hints(hint: Option<String>, hints: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let levels = match (hint, hints) {
        (Some(_), Some(_)) => return Err("give `hint` or `hints`, not both".into()),
        (None, None) => {
            return Err(
                "no hint: write `hints = [\"the idea\", \"more concrete\", \"the API to use\"]`"
                    .into(),
            );
        }
        (Some(one), None) => vec![one],
        (None, Some(levels)) if !(2..=3).contains(&levels.len()) => {
            return Err(format!(
                "`hints` has {} level(s); give 2 or 3, from the idea to the API to use (or one `hint`)",
                levels.len()
            ));
        }
        (None, Some(levels)) => levels,
    };
    if let Some(n) = levels.iter().position(|h| h.trim().is_empty()) {
        return Err(format!("hint {} is empty", n + 1));
    }
    Ok(levels)
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry of the throwaway workspaces: one item of `day1-x`, one of `day2-y`.
    const REGISTRY: &str = "## day1-x\n- `day1/use-f` Use f\n  - proof: checklist::f\n## day2-y\n- `day2/use-g` Use g\n";

    /// A throwaway workspace with crate `day1-x` holding `files`, and [`REGISTRY`].
    fn day(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("journal")).unwrap();
        fs::write(dir.path().join(registry::PATH), REGISTRY).unwrap();
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
item = "day1/use-f"
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
    fn graded_hints_parse_and_the_stub_names_only_the_first() {
        let toml = TOML.replace(
            "hint = \"add {one} \\\"more\\\"\"",
            "hints = [\"the idea\", \"more concrete\", \"`u32::wrapping_add`\"]",
        );
        let d = load(&toml, SRC).unwrap();
        let ex = &d.exercises[0];
        assert_eq!(
            ex.hints,
            ["the idea", "more concrete", "`u32::wrapping_add`"]
        );
        assert_eq!(ex.stub(), "    todo!(\"day1/f: the idea\")\n");
        // One `hint` is one level.
        assert_eq!(
            load(TOML, SRC).unwrap().exercises[0].hints,
            ["add {one} \"more\""]
        );
        for (bad, why) in [
            (
                "hints = [\"only one\"]",
                "`hints` has 1 level(s); give 2 or 3",
            ),
            (
                "hints = [\"a\", \"b\", \"c\", \"d\"]",
                "`hints` has 4 level(s)",
            ),
            ("hints = [\"a\", \" \"]", "hint 2 is empty"),
            (
                "hints = [\"a\", \"b\"]\nhint = \"c\"",
                "give `hint` or `hints`, not both",
            ),
            ("", "no hint"),
        ] {
            let toml = TOML.replace("hint = \"add {one} \\\"more\\\"\"", bad);
            let err = load(&toml, SRC).unwrap_err().to_string();
            assert!(err.starts_with("day1-x/lab.toml:3: day1/f: "), "{err}");
            assert!(err.contains(why), "{bad:?}: {err}");
        }
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
    fn the_item_is_a_key_of_the_days_registry_items() {
        let d = load(TOML, SRC).unwrap();
        let item = &d.exercises[0].item;
        assert_eq!(item.to_string(), "Use f  [day1/use-f]");
        let err = load(&TOML.replace("day1/use-f", "day1/use-h"), SRC)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "day1-x/lab.toml:3: day1/f: item `day1/use-h` is not a key of journal/checklist.md"
        );
        let err = load(&TOML.replace("day1/use-f", "day2/use-g"), SRC)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "day1-x/lab.toml:3: day1/f: item `day2/use-g` is an item of day2-y, not of day1-x"
        );
    }

    #[test]
    fn every_lab_toml_of_the_workspace_names_its_items_by_key() {
        let ws = crate::ws::current().unwrap();
        let mut exercises = 0;
        for p in ws.days().filter(|p| p.dir.join("lab.toml").is_file()) {
            let dir = p.dir.strip_prefix(&ws.root).unwrap();
            let day = load_day(&ws.root, dir, &p.name).unwrap();
            assert!(
                day.exercises
                    .iter()
                    .all(|e| e.item.key.starts_with(&day.short))
            );
            exercises += day.exercises.len();
        }
        assert!(exercises > 0);
    }
}
