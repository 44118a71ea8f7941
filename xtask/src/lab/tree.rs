//! A workspace in lab mode: its days, the regions in its source files, and the learner's state.
//! The same code works on the learner's tree and on the CI step's scratch copy (`root`).

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::exercise::{Day, Exercise, load_day};
use super::markers;
use super::state::{self, Saved, State};
use crate::ws::Workspace;

/// Where an exercise stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// The region holds the reference (never started, or its solution was shown).
    Reference,
    /// Started and not yet passing, or changed since it last passed.
    Open,
    /// Every check passed on the region's current text.
    Solved,
}

/// What a region holds, compared with what the lab knows about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Holds {
    Reference,
    Stub,
    /// Mistake N (1-based).
    Mistake(usize),
    /// Anything else: the learner's own code.
    Own,
}

/// The workspace at `root`, its days and its lab state.
#[derive(Debug)]
pub(crate) struct Lab {
    pub(crate) root: PathBuf,
    pub(crate) days: Vec<Day>,
    /// Changed by [`Lab::write`] and [`Lab::record`] while the days are borrowed.
    state: RefCell<State>,
}

impl Lab {
    /// Loads every member of the workspace `ws` that has a `lab.toml` (by name), and the state.
    pub(crate) fn open(ws: &Workspace) -> Result<Lab> {
        let members = ws.packages.iter().map(|p| {
            let dir = p.dir.strip_prefix(&ws.root).unwrap_or(&p.dir);
            (dir.to_path_buf(), p.name.clone())
        });
        Lab::load(&ws.root, members)
    }

    /// [`Lab::open`] for the crates `members` (directory relative to `root`, name).
    fn load(root: &Path, members: impl Iterator<Item = (PathBuf, String)>) -> Result<Lab> {
        let mut days = Vec::new();
        for (dir, name) in members {
            if root.join(&dir).join("lab.toml").is_file() {
                days.push(load_day(root, &dir, &name)?);
            }
        }
        Ok(Lab {
            root: root.to_path_buf(),
            days,
            state: RefCell::new(State::load(root)?),
        })
    }

    /// The exercises that `what` names: a day (`day1-sync-atomic` or `day1`) or one exercise
    /// ([`Lab::exercise`]).
    pub(crate) fn select(&self, what: &str) -> Result<Vec<&Exercise>> {
        if let Some(day) = self.day(what) {
            return Ok(day.exercises.iter().collect());
        }
        if self.matching(what).is_empty() {
            let days: Vec<&str> = self.days.iter().map(|d| d.krate.as_str()).collect();
            bail!(
                "{what:?} is neither a day ({}, or day1…) nor an exercise id (`cargo xtask lab list` shows them)",
                days.join(", ")
            );
        }
        Ok(vec![self.exercise(what)?])
    }

    /// The exercises whose id is `what`, or whose id without its day is `what`.
    fn matching(&self, what: &str) -> Vec<&Exercise> {
        if let Some(ex) = self.exercises().find(|e| e.id == what) {
            return vec![ex];
        }
        self.exercises()
            .filter(|e| e.id.split_once('/').map(|(_, slug)| slug) == Some(what))
            .collect()
    }

    /// The exercise `what` names: its id (`day1/atomic-counter`), or the id without its day
    /// (`atomic-counter`) where only one day has it.
    pub(crate) fn exercise(&self, what: &str) -> Result<&Exercise> {
        match self.matching(what).as_slice() {
            [one] => Ok(one),
            [] => bail!("{what:?} is not an exercise id (`cargo xtask lab list` shows them)"),
            several => bail!(
                "{what:?} names more than one exercise: {}; give the whole id",
                several
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Counts one more hint level of `ex` as shown and returns how many are shown now (at most
    /// all of them); kept in the state, so `lab hint` goes on where it stopped.
    pub(crate) fn next_hint(&self, ex: &Exercise) -> Result<usize> {
        let mut state = self.state.borrow_mut();
        let shown = state.hints_shown.entry(ex.id.clone()).or_insert(0);
        *shown = (*shown + 1).min(ex.hints.len());
        let now = *shown;
        state.save(&self.root)?;
        Ok(now)
    }

    /// The day named `what` (`day1-sync-atomic` or `day1`).
    pub(crate) fn day(&self, what: &str) -> Option<&Day> {
        self.days
            .iter()
            .find(|d| d.krate == what || d.short == what)
    }

    /// The day an exercise belongs to.
    pub(crate) fn day_of(&self, ex: &Exercise) -> &Day {
        self.days
            .iter()
            .find(|d| d.exercises.iter().any(|e| e.id == ex.id))
            .expect("every exercise belongs to a loaded day")
    }

    pub(crate) fn exercises(&self) -> impl Iterator<Item = &Exercise> {
        self.days.iter().flat_map(|d| &d.exercises)
    }

    fn read(&self, ex: &Exercise) -> Result<String> {
        let path = self.root.join(&ex.file);
        fs::read_to_string(&path).with_context(|| format!("reading {}", ex.file.display()))
    }

    /// The region's text in the tree now.
    pub(crate) fn current(&self, ex: &Exercise) -> Result<String> {
        let name = ex.file.display().to_string();
        markers::regions(&name, &self.read(ex)?)?
            .into_iter()
            .find(|r| r.id == ex.id)
            .map(|r| r.body)
            .with_context(|| format!("{name}: the markers of {} are gone", ex.id))
    }

    /// The reference: kept in the state once the exercise was started, else the region as the
    /// last commit has it, else (no git) the tree's region. A region edited in place without
    /// `lab start` is therefore the learner's code, never the reference.
    pub(crate) fn reference(&self, ex: &Exercise) -> Result<String> {
        if let Some(saved) = self.state.borrow().exercise.get(&ex.id) {
            return Ok(saved.reference.clone());
        }
        match self.committed(ex) {
            Some(committed) => Ok(committed),
            None => self.current(ex),
        }
    }

    /// The reference as the working tree defines it, for proving the exercises (`check-all`'s `lab`
    /// step): kept in the state once the exercise was started, else the tree's region, edits not
    /// yet committed included (an author changing a reference proves the change).
    pub(crate) fn tree_reference(&self, ex: &Exercise) -> Result<String> {
        match self.state.borrow().exercise.get(&ex.id) {
            Some(saved) => Ok(saved.reference.clone()),
            None => self.current(ex),
        }
    }

    /// The region as the last commit has it, if git knows the file and the region.
    fn committed(&self, ex: &Exercise) -> Option<String> {
        let file = ex.file.to_str()?.replace('\\', "/");
        let out = std::process::Command::new("git")
            .args(["show", &format!("HEAD:{file}")])
            .current_dir(&self.root)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8(out.stdout).ok()?;
        let regions = markers::regions(&file, &text).ok()?;
        regions.into_iter().find(|r| r.id == ex.id).map(|r| r.body)
    }

    /// What the region holds now, compared with its [reference](Lab::reference).
    pub(crate) fn holds(&self, ex: &Exercise) -> Result<Holds> {
        let (now, reference) = (self.current(ex)?, self.reference(ex)?);
        if now == reference {
            return Ok(Holds::Reference);
        }
        if now == ex.stub() {
            return Ok(Holds::Stub);
        }
        for n in 1..=ex.mistakes.len() {
            if ex.with_mistake(&reference, n)? == now {
                return Ok(Holds::Mistake(n));
            }
        }
        Ok(Holds::Own)
    }

    pub(crate) fn status(&self, ex: &Exercise) -> Result<Status> {
        let now = self.current(ex)?;
        if now == self.reference(ex)? {
            return Ok(Status::Reference);
        }
        let state = self.state.borrow();
        let solved = state.exercise.get(&ex.id).and_then(|s| s.solved.as_deref());
        Ok(if solved == Some(now.as_str()) {
            Status::Solved
        } else {
            Status::Open
        })
    }

    /// Replaces the region's text with `body`, first keeping the reference in the state and, if the
    /// region holds the learner's own code, a copy of it in `saved/` (returned).
    pub(crate) fn write(&self, ex: &Exercise, body: &str) -> Result<Option<PathBuf>> {
        let kept = match self.holds(ex)? {
            Holds::Own => Some(state::keep_attempt(&self.root, &ex.id, &self.current(ex)?)?),
            _ => None,
        };
        if !self.state.borrow().exercise.contains_key(&ex.id) {
            let reference = self.reference(ex)?;
            let mut state = self.state.borrow_mut();
            state.exercise.insert(
                ex.id.clone(),
                Saved {
                    reference,
                    solved: None,
                },
            );
            state.save(&self.root)?;
        }
        self.put(ex, body)?;
        Ok(kept)
    }

    /// Replaces the region's text with `body` and nothing else: no state, no copy. The file is not
    /// touched when it already holds `body`, so cargo does not rebuild for nothing.
    pub(crate) fn put(&self, ex: &Exercise, body: &str) -> Result<()> {
        let old = self.read(ex)?;
        let text = markers::replace(&ex.file.display().to_string(), &old, &ex.id, body)?;
        if text != old {
            state::write_atomically(&self.root.join(&ex.file), &text)?;
        }
        Ok(())
    }

    /// Records whether the region's current text passed every check (a region edited in place
    /// without `lab start` is recorded as started, with its reference).
    pub(crate) fn record(&self, ex: &Exercise, passed: bool) -> Result<()> {
        let (now, reference) = (self.current(ex)?, self.reference(ex)?);
        let mut state = self.state.borrow_mut();
        let known = state.exercise.contains_key(&ex.id);
        if now == reference && !known {
            return Ok(());
        }
        let saved = state.exercise.entry(ex.id.clone()).or_insert(Saved {
            reference,
            solved: None,
        });
        let solved = passed.then_some(now);
        if !known || saved.solved != solved {
            saved.solved = solved;
            state.save(&self.root)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::edit;

    const SRC: &str = "pub fn f() -> u32 {\n    // lab:begin day1/f\n    let x = 1;\n    x + 1\n    // lab:end day1/f\n}\n";
    const TOML: &str = "[[exercise]]\nid = \"day1/f\"\ntitle = \"f\"\nfile = \"src/lib.rs\"\nitem = \"day1/f\"\nhint = \"add one\"\nchecks = [\"checklist::f\"]\n\n[[exercise.mistake]]\nname = \"off by one\"\nwhy = \"because\"\nedits = [{ from = \"x + 1\", to = \"x + 2\" }]\ncaught-by = \"checklist::f\"\n";

    /// A workspace with one day, `day1-x`, holding exercise `day1/f`.
    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("day1-x/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("lib.rs"), SRC).unwrap();
        fs::write(dir.path().join("day1-x/lab.toml"), TOML).unwrap();
        fs::create_dir_all(dir.path().join("journal")).unwrap();
        let registry = "## day1-x\n- `day1/f` Use f\n  - proof: checklist::f\n";
        fs::write(dir.path().join(crate::week::PATH), registry).unwrap();
        dir
    }

    fn open(dir: &Path) -> Lab {
        Lab::load(
            dir,
            [(PathBuf::from("day1-x"), "day1-x".to_string())].into_iter(),
        )
        .unwrap()
    }

    fn region(dir: &Path) -> String {
        let text = fs::read_to_string(dir.join("day1-x/src/lib.rs")).unwrap();
        markers::regions("lib.rs", &text).unwrap().remove(0).body
    }

    #[test]
    fn start_refuses_to_replace_own_code_and_solution_restores_the_reference() {
        let dir = workspace();
        let reference = "    let x = 1;\n    x + 1\n";
        let lab = open(dir.path());
        let ex = &lab.days[0].exercises[0];
        assert_eq!(lab.status(ex).unwrap(), Status::Reference);

        edit::start(&lab, "day1", false).unwrap();
        assert_eq!(region(dir.path()), "    todo!(\"day1/f: add one\")\n");
        // Progress survives a restart: a new `Lab` knows the reference from the state.
        let lab = open(dir.path());
        let ex = &lab.days[0].exercises[0];
        assert_eq!(lab.reference(ex).unwrap(), reference);
        assert_eq!(
            (lab.holds(ex).unwrap(), lab.status(ex).unwrap()),
            (Holds::Stub, Status::Open)
        );

        // The learner's own code: `start` refuses, names the region, and changes nothing.
        lab.put(ex, "    41 + 1\n").unwrap();
        let err = edit::start(&lab, "day1/f", false).unwrap_err().to_string();
        assert!(err.contains("day1-x/src/lib.rs:2: day1/f"), "{err}");
        assert_eq!(region(dir.path()), "    41 + 1\n");

        // Passing checks make it solved; any later change opens it again.
        lab.record(ex, true).unwrap();
        assert_eq!(open(dir.path()).status(ex).unwrap(), Status::Solved);

        // --force replaces it and keeps the learner's version.
        edit::start(&lab, "day1", true).unwrap();
        let kept = dir.path().join("xtask/lab-state/saved/day1/f.rs");
        assert_eq!(fs::read_to_string(kept).unwrap(), "    41 + 1\n");
        assert_eq!(lab.status(ex).unwrap(), Status::Open);

        edit::mistake(&lab, "day1/f", Some(1)).unwrap();
        assert_eq!(region(dir.path()), "    let x = 1;\n    x + 2\n");
        assert_eq!(lab.holds(ex).unwrap(), Holds::Mistake(1));
        // A mistake is the lab's text, not the learner's: `start` replaces it without --force.
        edit::start(&lab, "day1/f", false).unwrap();
        edit::reset(&lab, None).unwrap();

        edit::solution(&lab, "day1/f").unwrap();
        assert_eq!(region(dir.path()), reference);
        assert_eq!(
            fs::read_to_string(dir.path().join("day1-x/src/lib.rs")).unwrap(),
            SRC
        );
        assert_eq!(lab.status(ex).unwrap(), Status::Reference);
    }

    #[test]
    fn before_the_first_start_uncommitted_edits_are_the_learners_own() {
        let dir = workspace();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(["-c", "user.name=lab", "-c", "user.email=lab@example.com"])
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "reference"]);
        let lab = open(dir.path());
        let ex = &lab.days[0].exercises[0];
        assert_eq!(lab.holds(ex).unwrap(), Holds::Reference);
        assert_eq!(lab.status(ex).unwrap(), Status::Reference);
        lab.put(ex, "    2\n").unwrap();
        assert_eq!(lab.holds(ex).unwrap(), Holds::Own);
        assert!(edit::start(&lab, "day1", false).is_err());
        assert_eq!(region(dir.path()), "    2\n");
        // Never started, edited in place: open, so `lab check` judges it, and its reference is
        // the committed region, not the edit.
        assert_eq!(lab.status(ex).unwrap(), Status::Open);
        let committed = "    let x = 1;\n    x + 1\n";
        assert_eq!(lab.reference(ex).unwrap(), committed);
        assert_eq!(lab.tree_reference(ex).unwrap(), "    2\n");
        // Passing checks make it solved, as a started exercise would be.
        lab.record(ex, true).unwrap();
        assert_eq!(open(dir.path()).status(ex).unwrap(), Status::Solved);
        // `start --force` keeps the edit aside and stubs the region; the reference stays the
        // committed one.
        edit::start(&lab, "day1", true).unwrap();
        assert_eq!(open(dir.path()).reference(ex).unwrap(), committed);
        edit::solution(&lab, "day1/f").unwrap();
        assert_eq!(region(dir.path()), committed);
    }

    #[test]
    fn selecting_names_days_and_ids_and_rejects_the_rest() {
        let dir = workspace();
        let lab = open(dir.path());
        assert_eq!(lab.select("day1").unwrap().len(), 1);
        assert_eq!(lab.select("day1-x").unwrap().len(), 1);
        assert_eq!(lab.select("day1/f").unwrap()[0].id, "day1/f");
        let err = lab.select("day9").unwrap_err().to_string();
        assert!(
            err.contains("\"day9\" is neither a day (day1-x, or day1…)"),
            "{err}"
        );
        // Without the day, where unique.
        assert_eq!(lab.select("f").unwrap()[0].id, "day1/f");
        assert_eq!(lab.exercise("f").unwrap().id, "day1/f");
        assert!(lab.exercise("day1").is_err());
    }

    #[test]
    fn an_id_without_its_day_that_two_days_have_is_refused_naming_both() {
        let dir = workspace();
        let day2 = dir.path().join("day2-y");
        fs::create_dir_all(day2.join("src")).unwrap();
        fs::write(day2.join("src/lib.rs"), SRC.replace("day1/f", "day2/f")).unwrap();
        fs::write(day2.join("lab.toml"), TOML.replace("day1/f", "day2/f")).unwrap();
        let registry = "## day1-x\n- `day1/f` Use f\n  - proof: checklist::f\n\n## day2-y\n- `day2/f` Use f\n  - proof: checklist::f\n";
        fs::write(dir.path().join(crate::week::PATH), registry).unwrap();
        let lab = Lab::load(
            dir.path(),
            [
                (PathBuf::from("day1-x"), "day1-x".to_string()),
                (PathBuf::from("day2-y"), "day2-y".to_string()),
            ]
            .into_iter(),
        )
        .unwrap();
        let err = lab.select("f").unwrap_err().to_string();
        assert_eq!(
            err,
            "\"f\" names more than one exercise: day1/f, day2/f; give the whole id"
        );
        assert_eq!(lab.exercise("day2/f").unwrap().id, "day2/f");
    }

    #[test]
    fn each_hint_call_shows_one_more_level_and_remembers_it() {
        let dir = workspace();
        let toml = TOML.replace("hint = \"add one\"", "hints = [\"idea\", \"api\"]");
        fs::write(dir.path().join("day1-x/lab.toml"), toml).unwrap();
        let lab = open(dir.path());
        let ex = &lab.days[0].exercises[0];
        assert_eq!(lab.next_hint(ex).unwrap(), 1);
        // Survives a restart.
        let lab = open(dir.path());
        assert_eq!(lab.next_hint(ex).unwrap(), 2);
        assert_eq!(lab.next_hint(ex).unwrap(), 2, "the last level stays");
        crate::lab::list::hint(&lab, "f", true).unwrap();
    }
}
