//! The learner's progress, kept in `xtask/lab-state/` (git-ignored) so it survives restarts:
//! `state.toml` holds, per started exercise, the reference region (to show and restore it) and the
//! region text that last passed all its checks, and how many hint levels `lab hint` has shown per
//! exercise; `saved/<day>/<slug>.rs` keeps the learner's last
//! version of a region whenever a command replaces it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The folder, relative to the workspace root.
pub(crate) const DIR: &str = "xtask/lab-state";

/// What is kept for one exercise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Saved {
    /// The reference region, as it was when the exercise was first started.
    pub(crate) reference: String,
    /// The region's text when `lab check` last found every check of the exercise passing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) solved: Option<String>,
}

/// Every started exercise, by id, and how many hint levels each exercise has shown.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    pub(crate) exercise: BTreeMap<String, Saved>,
    /// Per exercise id, the hint levels `lab hint` has shown so far.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) hints_shown: BTreeMap<String, usize>,
}

impl State {
    fn path(root: &Path) -> PathBuf {
        root.join(DIR).join("state.toml")
    }

    /// Reads the state under `root` (empty if there is none yet).
    pub(crate) fn load(root: &Path) -> Result<State> {
        let path = State::path(root);
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| {
                format!(
                    "{}: not a lab state file (move it away to start over)",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the state under `root`, replacing the file in one rename so a crash leaves the old
    /// or the new state, never half of one.
    pub(crate) fn save(&self, root: &Path) -> Result<()> {
        let path = State::path(root);
        let text = toml::to_string(self).context("serialising the lab state")?;
        write_atomically(&path, &text)
    }
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().context("a file path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

/// Keeps `body`, the learner's version of exercise `id`, in `saved/`; returns where.
pub(crate) fn keep_attempt(root: &Path, id: &str, body: &str) -> Result<PathBuf> {
    let rel = Path::new(DIR).join("saved").join(format!("{id}.rs"));
    write_atomically(&root.join(&rel), body)?;
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_multiline_regions_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), State::default());
        let mut s = State::default();
        s.exercise.insert(
            "day1/a".into(),
            Saved {
                reference: "    let s = \"'''\\\"\";\n\tx\n".into(),
                solved: Some("    todo!()\n".into()),
            },
        );
        s.exercise.insert("day2/b".into(), Saved::default());
        s.hints_shown.insert("day1/a".into(), 2);
        s.save(dir.path()).unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), s);
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write_atomically(&State::path(dir.path()), "exercise = 3").unwrap();
        let err = format!("{:#}", State::load(dir.path()).unwrap_err());
        assert!(
            err.contains("lab-state/state.toml: not a lab state file"),
            "{err}"
        );
    }
}
