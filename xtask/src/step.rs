//! Steps: what a check ends with ([`Done`] or an error), running one with its time, recording how
//! it ended (so `checklist` can tell a skipped step from one that never ran), and the exit code.
//!
//! Every command module returns a [`Step`] (or `anyhow::Result<()>` for commands that are not
//! checks) and `main` turns it into an exit code with [`single`] or [`plain`]; `check-all` runs its
//! steps through [`run`].

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::{suite, ws};

/// How a step that did not fail ended.
#[derive(Debug)]
pub(crate) enum Done {
    Ok,
    /// The step could not run here (a missing toolchain, say); the reason is shown, never "ok".
    Skipped(String),
}

/// A step's outcome: done (ok or skipped with a reason), or failed with an error.
pub(crate) type Step = Result<Done>;

/// How a step ended the last time it ran, as recorded in `<target>/xtask/steps.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Ok,
    Failed(String),
    Skipped(String),
}

impl State {
    fn of(outcome: &Step) -> State {
        match outcome {
            Ok(Done::Ok) => State::Ok,
            Ok(Done::Skipped(why)) => State::Skipped(why.clone()),
            Err(e) => State::Failed(format!("{e:#}")),
        }
    }

    /// `ok`, `FAILED` or `SKIPPED: <why>`.
    pub(crate) fn label(&self) -> String {
        match self {
            State::Ok => "ok".into(),
            State::Failed(_) => "FAILED".into(),
            State::Skipped(why) => format!("SKIPPED: {why}"),
        }
    }
}

/// A finished step: its name, how it ended, and how long it took.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) state: State,
    pub(crate) seconds: f64,
}

/// Runs `step` under `name` (`race`, `bench --smoke`; the first word is the name it is recorded
/// under), prints how it ended, and records it.
pub(crate) fn run(name: &str, step: impl FnOnce() -> Step) -> Row {
    let started = Instant::now();
    let outcome = step();
    let seconds = started.elapsed().as_secs_f64();
    let key = name.split(' ').next().unwrap_or(name);
    match &outcome {
        Ok(Done::Ok) => {}
        Ok(Done::Skipped(why)) => println!("{name}: SKIPPED: {why}"),
        Err(e) => {
            let e = format!("{e:#}");
            let e = e.strip_prefix(&format!("{key}: ")).unwrap_or(&e);
            println!("{name}: FAILED: {e}");
        }
    }
    let state = State::of(&outcome);
    if let Err(e) = record(key, &state) {
        println!("{name}: could not record the step's state: {e:#}");
    }
    Row {
        name: name.into(),
        state,
        seconds,
    }
}

/// Runs one step on its own (`cargo xtask race`), recording it like `check-all` does.
pub(crate) fn single(name: &str, step: impl FnOnce() -> Step) -> ExitCode {
    match run(name, step).state {
        State::Failed(_) => ExitCode::FAILURE,
        State::Ok | State::Skipped(_) => ExitCode::SUCCESS,
    }
}

/// A command that is not a check (`tour`, `profile`): its error, if any, and the exit code.
pub(crate) fn plain(outcome: Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Turns a suite report into the step's outcome, printing the counts. A step that ran no test
/// fails: an empty selection proves nothing.
pub(crate) fn summarise(step: &str, report: &suite::Report) -> Step {
    let (passed, failed, ignored) = report.counts();
    println!("\n{step}: {passed} passed, {failed} failed, {ignored} skipped");
    if report.sanitizer_reports > 0 {
        bail!(
            "{step}: ThreadSanitizer printed {} data race report(s)",
            report.sanitizer_reports
        );
    }
    if failed > 0 || !report.failed_binaries.is_empty() {
        bail!("{step}: failures in {}", report.failed_binaries.join(", "));
    }
    if passed == 0 {
        bail!("{step}: no test ran");
    }
    Ok(Done::Ok)
}

fn state_path() -> Result<PathBuf> {
    Ok(ws::current()?.target_subdir("xtask/steps.tsv"))
}

fn all() -> Vec<(String, State)> {
    let text = state_path()
        .ok()
        .and_then(|p| fs::read_to_string(p).ok())
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (step, status, why) = (f.next()?, f.next()?, f.next().unwrap_or("").to_string());
            let state = match status {
                "ok" => State::Ok,
                "SKIPPED" => State::Skipped(why),
                _ => State::Failed(why),
            };
            Some((step.to_string(), state))
        })
        .collect()
}

/// The state the latest run of `step` recorded.
pub(crate) fn last_state(step: &str) -> Option<State> {
    all().into_iter().find(|(s, _)| s == step).map(|(_, st)| st)
}

/// Records how `step` ended.
fn record(step: &str, state: &State) -> Result<()> {
    let mut rows: Vec<_> = all().into_iter().filter(|(s, _)| s != step).collect();
    rows.push((step.to_string(), state.clone()));
    let text: String = rows
        .iter()
        .map(|(s, st)| {
            let (status, why) = match st {
                State::Ok => ("ok", ""),
                State::Failed(w) => ("FAILED", w.as_str()),
                State::Skipped(w) => ("SKIPPED", w.as_str()),
            };
            format!("{s}\t{status}\t{}\n", why.replace(['\n', '\t'], " "))
        })
        .collect();
    let path = state_path()?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(&path, text)?;
    Ok(())
}
