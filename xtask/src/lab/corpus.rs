//! `cargo xtask lab prove --mutants [<day>] [--runs N]`: proves each day's corpus
//! (`<crate>/lab-corpus.toml`) — wrong solutions written the way a learner errs, each of which the
//! exercise's checks must fail, and correct alternates, which they must pass.
//!
//! The corpus is not `lab.toml`'s classic mistakes: those name the one check that catches them and
//! are proved by `check-all`'s `lab` step; an entry here is judged exactly as `lab check <id>` judges
//! a learner's code — every check of its exercise, the tests first, then (once they pass) its loom,
//! ThreadSanitizer and Miri checks — and is ✗ if any of them fails. The format is in
//! `journal/README.md` ("The corpus").
//!
//! How: in the switched copy of the workspace ([`super::switched`]), where every entry is compiled
//! in beside its exercise's reference and picked by the [`SWITCH`](super::switched::SWITCH)
//! variable: the whole corpus costs one build per kind of check (none at all right after
//! `check-all`, whose `lab` step builds the same copy). Each entry is run `--runs` times (3 by
//! default) to show its verdict does not depend on luck. Two entries are judged at a time, and a
//! wrong entry's checks run one at a time, stopping at the first that fails (one failure is its
//! proof). A wrong entry that hangs is reported by the tests' watchdog ([`labkit::within`], which
//! gives up after [`labkit::LAB_PATIENCE`] when the switch is set) as a failed test, never as a
//! hang.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::exercise::Day;
use super::switched::{self, Job, Judged, Outcome, corpus_key, judge_all};
use super::tree::Lab;
use crate::ws;

/// The corpus file beside a day's `lab.toml`.
pub(crate) const FILE: &str = "lab-corpus.toml";

/// What kind of mistake an entry is: a small fixed set, so the corpus can be counted by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    /// A waiter that is never woken (a missed notify, a wait with no way out on cancel).
    LostWakeUp,
    /// A plain blocking send where it must be selected against cancellation.
    BlockingSend,
    /// Cancellation or closing ignored: work goes on, or more is sent, after the stop.
    IgnoresCancel,
    /// A shutdown, close or teardown path that ends too early, too late or not at all.
    ShutdownPath,
    /// A deadline or timeout taken from the wrong place, or not honoured.
    DeadlinePath,
    /// A memory ordering too weak for the happens-before edge the code relies on.
    Ordering,
    /// A read-modify-write split into separate atomic steps: updates lost.
    LostUpdate,
    /// A check and the act it guards in separate critical sections: two winners.
    CheckThenAct,
    /// A value read once and used after it changed (a CAS retried with a stale expected value).
    StaleValue,
    /// ABA, or memory freed while another thread may still read it.
    AbaOrReclaim,
    /// A count, bound or tie-break off by one.
    OffByOneOrTies,
    /// Something never released: a thread, a node, a value never dropped.
    Leak,
    /// A lock held while calling code that may take it again.
    LockAcrossCallback,
    /// An error or a failed write not reflected in the result or exit status.
    ExitStatus,
    /// A rule of Go's library read differently: what `strings.Fields`, `strings.ToLower` or a
    /// map's zero value do, done another way in Rust.
    GoSemantics,
    /// A correct alternative to the reference: the checks must pass it.
    Alternate,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Kind::LostWakeUp => "lost-wake-up",
            Kind::BlockingSend => "blocking-send",
            Kind::IgnoresCancel => "ignores-cancel",
            Kind::ShutdownPath => "shutdown-path",
            Kind::DeadlinePath => "deadline-path",
            Kind::Ordering => "ordering",
            Kind::LostUpdate => "lost-update",
            Kind::CheckThenAct => "check-then-act",
            Kind::StaleValue => "stale-value",
            Kind::AbaOrReclaim => "aba-or-reclaim",
            Kind::OffByOneOrTies => "off-by-one-or-ties",
            Kind::Leak => "leak",
            Kind::LockAcrossCallback => "lock-across-callback",
            Kind::ExitStatus => "exit-status",
            Kind::GoSemantics => "go-semantics",
            Kind::Alternate => "alternate",
        };
        f.write_str(s)
    }
}

/// One corpus entry: edits to one exercise's reference region.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) exercise: String,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// What a learner who writes this thinks (for a wrong entry, and why it is wrong).
    pub(crate) why: String,
    pub(crate) edits: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorpus {
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    exercise: String,
    name: String,
    kind: Kind,
    why: String,
    edits: Vec<RawEdit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    from: String,
    to: String,
}

/// Parses the corpus `text` of `day` (read from `file`, for messages); every entry names one of
/// the day's exercises, has edits, and a name unique within its exercise.
pub(crate) fn parse(day: &Day, file: &str, text: &str) -> Result<Vec<Entry>> {
    let raw: RawCorpus = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                format!(
                    ":{}",
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                )
            })
            .unwrap_or_default();
        anyhow::anyhow!("{file}{line}: {}", e.message())
    })?;
    let mut entries: Vec<Entry> = Vec::new();
    for e in raw.entry {
        if !day.exercises.iter().any(|x| x.id == e.exercise) {
            bail!(
                "{file}: entry {:?}: {} is not an exercise of {}",
                e.name,
                e.exercise,
                day.krate
            );
        }
        if e.edits.is_empty() {
            bail!("{file}: entry {:?} ({}) has no edits", e.name, e.exercise);
        }
        if entries
            .iter()
            .any(|o| o.exercise == e.exercise && o.name == e.name)
        {
            bail!(
                "{file}: two entries of {} are named {:?}",
                e.exercise,
                e.name
            );
        }
        entries.push(Entry {
            exercise: e.exercise,
            name: e.name,
            kind: e.kind,
            why: e.why,
            edits: e.edits.into_iter().map(|e| (e.from, e.to)).collect(),
        });
    }
    Ok(entries)
}

/// The corpus of `day`, empty if it has no corpus file.
pub(crate) fn load(root: &std::path::Path, day: &Day) -> Result<Vec<Entry>> {
    let rel = day.dir.join(FILE);
    match fs::read_to_string(root.join(&rel)) {
        Ok(text) => parse(day, &rel.display().to_string(), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", rel.display())),
    }
}

/// One row of the table.
struct Row<'a> {
    entry: &'a Entry,
    runs: Vec<Outcome>,
    seconds: f64,
}

impl<'a> Row<'a> {
    fn new(entry: &'a Entry, judged: Judged) -> Row<'a> {
        Row {
            entry,
            runs: judged.runs,
            seconds: judged.seconds,
        }
    }
}

impl Row<'_> {
    /// Whether every run came out as the entry's kind expects (a SKIPPED run proves nothing either
    /// way and is listed, not failed).
    fn holds(&self) -> bool {
        self.runs.iter().all(|o| match o {
            Outcome::Passed => self.entry.kind == Kind::Alternate,
            // A check that did not run fails `lab check` too.
            Outcome::Failed(..) | Outcome::NotRun(..) => self.entry.kind != Kind::Alternate,
            Outcome::Skipped(_) => true,
            Outcome::Error(_) => false,
        })
    }
}

/// `lab prove --mutants [<day>] --runs N [--budget SECS]`.
pub(crate) fn run(day: Option<&str>, runs: usize, budget: Option<Duration>) -> Result<bool> {
    let started = Instant::now();
    let deadline = budget.map(|b| started + b);
    let real_ws = ws::current()?;
    let real = Lab::open(real_ws)?;
    let days: Vec<&Day> = match day {
        Some(d) => vec![
            real.day(d)
                .with_context(|| format!("{d:?} is not a lab day"))?,
        ],
        None => real.days.iter().collect(),
    };
    let copy = switched::prepare(real_ws, &real)?;
    let per_day: Vec<&(String, Vec<Entry>)> = copy
        .corpus
        .iter()
        .filter(|(krate, _)| days.iter().any(|d| d.krate == *krate))
        .collect();
    let mut rows = Vec::new();
    for (krate, entries) in &per_day {
        let day = copy
            .lab
            .day(krate)
            .context("the copy has the working tree's days")?;
        if entries.is_empty() {
            println!("\n{krate}: no {FILE}");
            continue;
        }
        let jobs = entries
            .iter()
            .enumerate()
            .map(|(n, entry)| {
                let ex = day
                    .exercises
                    .iter()
                    .find(|e| e.id == entry.exercise)
                    .context("parse checked the exercise")?;
                Ok(Job {
                    key: corpus_key(&ex.id, n),
                    checks: ex.checks.iter().collect(),
                    wrong: entry.kind != Kind::Alternate,
                    title: format!(
                        "lab prove --mutants: {} {:?} ({})",
                        ex.id, entry.name, entry.kind
                    ),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let judged = judge_all(&copy.ws, day, &jobs, runs, deadline);
        rows.extend(entries.iter().zip(judged).map(|(e, j)| Row::new(e, j)));
    }

    print_table(&rows, runs);
    print_counts(&per_day);
    let bad: Vec<&Row<'_>> = rows.iter().filter(|r| !r.holds()).collect();
    for r in &bad {
        let expected = if r.entry.kind == Kind::Alternate {
            "✓"
        } else {
            "✗"
        };
        println!(
            "  not proved: {} {:?} ({}) should be {expected} in every run\n    why: {}",
            r.entry.exercise, r.entry.name, r.entry.kind, r.entry.why
        );
    }
    let not_run = rows
        .iter()
        .filter(|r| r.runs.iter().all(|o| matches!(o, Outcome::Skipped(_))))
        .count();
    println!(
        "\nlab prove --mutants: {} entries × {runs} runs, {} not proved, {}in {:.0} s",
        rows.len(),
        bad.len(),
        if not_run > 0 {
            format!("{not_run} SKIPPED (not run within the time budget, or a step skipped here), ")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    Ok(bad.is_empty())
}

/// The table: entry, kind, the verdict of each run, the check that caught it, seconds per run.
fn print_table(rows: &[Row<'_>], runs: usize) {
    println!("\n| entry | kind | runs ({runs}) | caught by | s/run |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let marks: Vec<&str> = r.runs.iter().map(Outcome::mark).collect();
        let mut caught: Vec<&str> = r
            .runs
            .iter()
            .filter_map(|o| match o {
                Outcome::Failed(c, _) | Outcome::NotRun(c, _) => Some(c.as_str()),
                _ => None,
            })
            .collect();
        caught.dedup();
        println!(
            "| {} {:?} | {} | {} | {} | {:.1} |",
            r.entry.exercise,
            r.entry.name,
            r.entry.kind,
            marks.join(" "),
            if caught.is_empty() {
                "—".to_string()
            } else {
                caught.join(", ")
            },
            r.seconds
        );
    }
}

/// Counts per kind and per day.
fn print_counts(per_day: &[&(String, Vec<Entry>)]) {
    let mut by_kind: BTreeMap<Kind, BTreeMap<&str, usize>> = BTreeMap::new();
    for (day, entries) in per_day {
        for e in entries {
            *by_kind
                .entry(e.kind)
                .or_default()
                .entry(day.as_str())
                .or_default() += 1;
        }
    }
    let days: Vec<&str> = per_day.iter().map(|(d, _)| d.as_str()).collect();
    println!("\n| kind | {} | total |", days.join(" | "));
    println!("|---|{}---|", "---|".repeat(days.len()));
    for (kind, counts) in &by_kind {
        let cells: Vec<String> = days
            .iter()
            .map(|d| counts.get(d).copied().unwrap_or(0).to_string())
            .collect();
        println!(
            "| {kind} | {} | {} |",
            cells.join(" | "),
            counts.values().sum::<usize>()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_days_corpus_parses_and_applies_to_its_reference() {
        let ws = ws::current().unwrap();
        let lab = Lab::open(ws).unwrap();
        for day in &lab.days {
            for e in load(&lab.root, day).unwrap() {
                let ex = day.exercises.iter().find(|x| x.id == e.exercise).unwrap();
                let reference = lab.reference(ex).unwrap();
                ex.with_edits(&reference, &e.name, &e.edits).unwrap();
                assert!(
                    !e.why.trim().is_empty(),
                    "{}: {:?} has no why",
                    e.exercise,
                    e.name
                );
            }
        }
    }

    #[test]
    fn an_unknown_kind_or_exercise_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("day1-x/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(
            src.join("lib.rs"),
            "fn f() -> u32 {\n    // lab:begin day1/f\n    1\n    // lab:end day1/f\n}\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("day1-x/lab.toml"),
            "[[exercise]]\nid = \"day1/f\"\ntitle = \"f\"\nfile = \"src/lib.rs\"\nitem = \"day1/f\"\nhint = \"h\"\nchecks = [\"checklist::f\"]\n",
        )
        .unwrap();
        fs::create_dir_all(dir.path().join("journal")).unwrap();
        fs::write(
            dir.path().join(crate::week::PATH),
            "## day1-x\n- `day1/f` Use f\n  - proof: checklist::f\n",
        )
        .unwrap();
        let day =
            super::super::exercise::load_day(dir.path(), std::path::Path::new("day1-x"), "day1-x")
                .unwrap();
        let entry = |exercise: &str, kind: &str| {
            format!(
                "[[entry]]\nexercise = \"{exercise}\"\nname = \"n\"\nkind = \"{kind}\"\nwhy = \"w\"\nedits = [{{ from = \"1\", to = \"2\" }}]\n"
            )
        };
        assert_eq!(
            parse(&day, "c.toml", &entry("day1/f", "ordering"))
                .unwrap()
                .len(),
            1
        );
        let err = parse(&day, "c.toml", &entry("day1/f", "typo"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:4: unknown variant `typo`"), "{err}");
        let err = parse(&day, "c.toml", &entry("day1/g", "ordering"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "c.toml: entry \"n\": day1/g is not an exercise of day1-x"
        );
        let twice = format!("{}{}", entry("day1/f", "leak"), entry("day1/f", "leak"));
        assert!(parse(&day, "c.toml", &twice).is_err());
    }
}
