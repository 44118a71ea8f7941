//! `cargo xtask lab`: the week as exercises cut from the reference code, checked by the tests, loom
//! and ThreadSanitizer that prove it.
//!
//! Each day marks the regions a learner writes with `// lab:begin <id>` / `// lab:end <id>` in its
//! `src/`, and describes them in its `lab.toml` (title, graded hints, the checks that prove it, its classic
//! mistakes); the format is in `journal/README.md`. The learner's loop:
//!
//! ```text
//! cargo xtask lab start day1     # each region of day 1 becomes a stub: todo!("<id>: <first hint>")
//! cargo xtask lab watch          # re-checks on every save; ✓ / ✗ per exercise, then what to do next
//! cargo xtask lab hint <id>      # when stuck: one more hint level each time (`--all`: every level);
//!                                # `lab solution <id>` shows and restores the reference
//! cargo xtask lab mistake <id> 1 # a classic mistake, to see which check catches it and how
//! ```
//!
//! Progress is kept in `xtask/lab-state/` (git-ignored): the reference of every started region (so
//! `solution` can restore it whatever the working tree holds) and which regions passed. Nothing
//! here reads or writes `journal/`.
//!
//! # What an exercise is checked against
//!
//! A check often runs more than its own exercise: a pipeline test goes through every stage, and
//! days 3–5 use day 2's `Context`, days 4–5 day 3's `Pool`. A stub keeps every signature, so the
//! workspace always builds, but in the working tree a test fails on the first `todo!` it reaches,
//! whichever exercise that is. So `lab check` (and `lab watch`) run the checks in a copy of the
//! workspace under `<target>/lab/check` in which the day's exercises that still hold their stub,
//! and the open exercises of the days it builds on, hold their reference; every other region holds
//! what the working tree holds. An exercise then turns ✓ as soon as its own code is right, in any
//! order, and the other days' checks pass while you work on one (an earlier exercise you solved is
//! used as you wrote it). Once a day has no stub left, its checks run in the working tree, all of
//! your code together. A plain `cargo test` always links the working tree, stubs included. (A
//! pristine earlier day cannot be linked beside the stubbed one in the working tree itself: a
//! workspace member cannot also be a path dependency from another directory under the same name,
//! and `[patch]` does not apply to path dependencies.)
//!
//! The `lab` step of `check-all` ([`ci`]) proves every exercise in a scratch copy of the workspace:
//! its stub compiles and fails a proving check, each mistake is caught by the check it names, and
//! the reference passes. `lab prove --mutants` ([`corpus`]) proves each day's `lab-corpus.toml`:
//! learner-style wrong solutions that `lab check` must report ✗, correct alternates it must pass.

mod check;
pub(crate) mod ci;
mod corpus;
mod edit;
pub(crate) mod excerpt;
mod exercise;
mod list;
mod markers;
mod scratch;
mod state;
mod switched;
mod tree;
mod watch;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;

use crate::{step, ws};
pub(crate) use excerpt::compile_errors;
use tree::Lab;

/// `cargo xtask lab …`; `<day>` is a crate name (`day1-sync-atomic`) or `day1`.
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Every exercise by day: open, solved or at the reference; the checklist item it serves.
    List,
    /// Writes the exercise version of a day or one exercise: each region becomes its stub.
    Start {
        /// A day or an exercise id (`day1/treiber-push`).
        what: String,
        /// Replace regions that hold your own code too (a copy is kept in xtask/lab-state/saved/).
        #[arg(long)]
        force: bool,
    },
    /// Runs the checks that prove each exercise: ✓ / ✗, the first failure, what to do next.
    Check {
        /// A day or an exercise id; by default every day with a started exercise.
        what: Option<String>,
    },
    /// `lab check <day>` again on every save of one of that day's files.
    Watch {
        /// By default the first day with an open exercise.
        day: Option<String>,
    },
    /// The next hint level of one exercise (each call one more), the checklist item it serves and
    /// the checks that prove it.
    Hint {
        /// An exercise id; `atomic-counter` for `day1/atomic-counter` where only one day has it.
        id: String,
        /// Every hint level at once.
        #[arg(long)]
        all: bool,
    },
    /// Shows how the reference differs from your version, and restores the reference.
    Solution {
        /// An exercise id, or a day for all of its exercises.
        what: String,
    },
    /// Puts the stub back (your version is kept in xtask/lab-state/saved/).
    Reset {
        /// A day or an exercise id; by default every exercise not at its reference or stub.
        what: Option<String>,
    },
    /// Lists an exercise's classic mistakes, or writes mistake N into it to see what catches it.
    Mistake { id: String, n: Option<usize> },
    /// The `lab` step of `check-all` alone: proves every exercise in a scratch copy (for authors
    /// of exercises; reads the latest `test`, `loom`, `race` and `miri` runs for the reference).
    /// With `--mutants`: proves each day's corpus (`<crate>/lab-corpus.toml`) instead.
    Prove {
        /// Each wrong solution of the corpus fails its exercise's checks and each alternate passes.
        #[arg(long)]
        mutants: bool,
        /// With `--mutants`: one day only.
        #[arg(requires = "mutants")]
        day: Option<String>,
        /// With `--mutants`: how many times each entry runs.
        #[arg(long, default_value_t = 3, requires = "mutants")]
        runs: usize,
        /// With `--mutants`: start no entry after this many seconds (the rest are listed as
        /// SKIPPED), for a CI run with a time limit.
        #[arg(long, value_name = "SECS", requires = "mutants")]
        budget: Option<u64>,
    },
}

fn open() -> Result<(Lab, &'static ws::Workspace)> {
    let ws = ws::current()?;
    Ok((Lab::open(ws)?, ws))
}

/// Runs one `lab` command.
pub(crate) fn run(command: Option<Command>) -> ExitCode {
    let outcome = (|| -> Result<bool> {
        let (lab, ws) = open()?;
        match command.unwrap_or(Command::List) {
            Command::List => list::list(&lab)?,
            Command::Start { what, force } => edit::start(&lab, &what, force)?,
            Command::Check { what } => return check::run(&lab, ws, what.as_deref()),
            Command::Watch { day } => watch::run(ws, day.as_deref())?,
            Command::Hint { id, all } => list::hint(&lab, &id, all)?,
            Command::Solution { what } => edit::solution(&lab, &what)?,
            Command::Reset { what } => edit::reset(&lab, what.as_deref())?,
            Command::Mistake { id, n } => edit::mistake(&lab, &id, n)?,
            Command::Prove {
                mutants: true,
                day,
                runs,
                budget,
            } => return corpus::run(day.as_deref(), runs, budget.map(Duration::from_secs)),
            Command::Prove { .. } => {
                let row = step::run("lab", ci::run);
                return Ok(!matches!(row.state, step::State::Failed(_)));
            }
        }
        Ok(true)
    })();
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => step::plain(Err(e)),
    }
}
