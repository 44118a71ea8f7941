//! What the latest run of each step ended with, kept in `target/xtask/steps.tsv` so that
//! `cargo xtask checklist` can tell a skipped step from one that never ran.

use std::fs;
use std::path::PathBuf;

use crate::cmd::root;

/// How a step ended the last time it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StepState {
    Ok,
    Failed(String),
    Skipped(String),
}

fn path() -> PathBuf {
    root().join("target/xtask/steps.tsv")
}

fn all() -> Vec<(String, StepState)> {
    let text = fs::read_to_string(path()).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (step, status, why) = (f.next()?, f.next()?, f.next().unwrap_or("").to_string());
            let state = match status {
                "ok" => StepState::Ok,
                "SKIPPED" => StepState::Skipped(why),
                _ => StepState::Failed(why),
            };
            Some((step.to_string(), state))
        })
        .collect()
}

/// The state the latest run of `step` recorded.
pub(crate) fn get(step: &str) -> Option<StepState> {
    all().into_iter().find(|(s, _)| s == step).map(|(_, st)| st)
}

/// Records how `step` ended.
pub(crate) fn set(step: &str, state: &StepState) {
    let mut rows: Vec<_> = all().into_iter().filter(|(s, _)| s != step).collect();
    rows.push((step.to_string(), state.clone()));
    let text: String = rows
        .iter()
        .map(|(s, st)| {
            let (status, why) = match st {
                StepState::Ok => ("ok", ""),
                StepState::Failed(w) => ("FAILED", w.as_str()),
                StepState::Skipped(w) => ("SKIPPED", w.as_str()),
            };
            format!("{s}\t{status}\t{}\n", why.replace(['\n', '\t'], " "))
        })
        .collect();
    let _ = fs::create_dir_all(root().join("target/xtask"));
    let _ = fs::write(path(), text);
}
