//! The copy of the workspace every proof of the lab runs in (`<target>/lab/ws`): each region holds
//! its reference and, compiled in beside it, every variant the proofs judge — its stub,
//! `lab.toml`'s classic mistakes and the corpus's entries — each picked at run time by the
//! [`SWITCH`] variable. So the `lab` step of `check-all` ([`super::ci`]) and `lab prove --mutants`
//! ([`super::corpus`]) share one build per kind of check (tests, loom, ThreadSanitizer) for the
//! whole workspace, instead of one per stubbed day and per mistake; run after `check-all`, the
//! corpus builds nothing.
//!
//! The switch is read once per process and kept in a `static` inside the region, so a region on a
//! hot path costs a load, not an environment lookup, per call.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result};

use super::check::run_step;
use super::corpus::{self, Entry};
use super::exercise::{Check, Day, Step};
use super::scratch::sync;
use super::tree::Lab;
use crate::checklist::{Ran, Verdict, judge};
use crate::ws::{self, Workspace};

/// The environment variable that picks the variant a switched region runs. The tests' watchdog
/// ([`labkit::within`]) shortens its bound to [`labkit::LAB_PATIENCE`] whenever it is set.
pub(super) const SWITCH: &str = labkit::watchdog::LAB_MISTAKE;

/// The key of exercise `id`'s stub.
pub(super) fn stub_key(id: &str) -> String {
    format!("stub:{id}")
}

/// The key of `lab.toml`'s mistake `n` (1-based) of exercise `id`.
pub(super) fn mistake_key(id: &str, n: usize) -> String {
    format!("{id}#{n}")
}

/// The key of corpus entry `n` (its index in the day's corpus file) of exercise `id`.
pub(super) fn corpus_key(id: &str, n: usize) -> String {
    format!("corpus:{id}#{n}")
}

/// A region holding every `(key, body)` variant beside `reference`, each picked at run time when
/// [`SWITCH`] is `key`: with the variable unset (or another key) the region runs its reference.
/// Unless `in_loom`, the variants are left out of loom builds (`#[cfg(not(loom))]`): no loom model
/// judges them, and a crate built under loom as another day's dependency may not offer the API they
/// call.
pub(super) fn switch(reference: &str, variants: &[(String, String)], in_loom: bool) -> String {
    let block = |body: &str| {
        let mut b = body.to_string();
        if !b.ends_with('\n') {
            b.push('\n');
        }
        b
    };
    let mut out = format!(
        "match {{\n\
         static LAB_SWITCH: ::std::sync::OnceLock<Option<String>> = ::std::sync::OnceLock::new();\n\
         LAB_SWITCH.get_or_init(|| ::std::env::var({SWITCH:?}).ok()).as_deref()\n\
         }} {{\n"
    );
    let cfg = if in_loom { "" } else { "#[cfg(not(loom))]\n" };
    for (key, body) in variants {
        out.push_str(&format!("{cfg}Some({key:?}) => {{\n{}}}\n", block(body)));
    }
    out.push_str(&format!("_ => {{\n{}}}\n}}\n", block(reference)));
    out
}

/// The switched copy, ready to build and run.
pub(super) struct Switched {
    pub(super) ws: Workspace,
    pub(super) lab: Lab,
    /// Each day's corpus (crate name, entries in file order: an entry's index is its key's `n`).
    pub(super) corpus: Vec<(String, Vec<Entry>)>,
}

/// Brings `<target>/lab/ws` up to date with the working tree, every region switched. Files whose
/// text is already right are not rewritten, so a second proof rebuilds nothing.
pub(super) fn prepare(real_ws: &Workspace, real: &Lab) -> Result<Switched> {
    let scratch = real_ws.target_subdir("lab/ws");
    println!("lab: copying the workspace to {}", scratch.display());
    sync(&real_ws.root, &scratch, &real_ws.target_dir, "lab")?;
    let copy_ws = ws::Workspace::load(&scratch)?;
    let copy = Lab::open(&copy_ws)?;
    let mut all = Vec::new();
    for day in &real.days {
        let entries = corpus::load(&real.root, day)?;
        for ex in &day.exercises {
            let reference = real.tree_reference(ex)?;
            let mut variants = vec![(stub_key(&ex.id), ex.stub())];
            for n in 1..=ex.mistakes.len() {
                variants.push((mistake_key(&ex.id, n), ex.with_mistake(&reference, n)?));
            }
            for (n, e) in entries.iter().enumerate() {
                if e.exercise == ex.id {
                    let what = format!("{} entry {:?}", corpus::FILE, e.name);
                    variants.push((
                        corpus_key(&ex.id, n),
                        ex.with_edits(&reference, &what, &e.edits)?,
                    ));
                }
            }
            let twin = copy
                .exercises()
                .find(|e| e.id == ex.id)
                .context("the copy has the working tree's exercises")?;
            let in_loom = ex
                .checks
                .iter()
                .chain(ex.mistakes.iter().map(|m| &m.caught_by))
                .any(|c| c.step == Step::Loom);
            copy.put(twin, &switch(&reference, &variants, in_loom))?;
        }
        all.push((day.krate.clone(), entries));
    }
    Ok(Switched {
        ws: copy_ws,
        lab: copy,
        corpus: all,
    })
}

/// How one run of one variant came out.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Every check passed.
    Passed,
    /// A check failed: the check, its first lines.
    Failed(String, String),
    /// A check did not run (`lab check` counts that as a failure): the check, why.
    NotRun(String, String),
    /// No check could say (a step skipped here, e.g. no nightly for ThreadSanitizer).
    Skipped(String),
    /// The run itself did not work (a build error).
    Error(String),
}

impl Outcome {
    /// The line a run prints after its mark.
    pub(super) fn detail(&self) -> String {
        match self {
            Outcome::Failed(check, first) | Outcome::NotRun(check, first) => format!(
                "{check}: {}",
                first.lines().take(2).collect::<Vec<_>>().join(" / ")
            ),
            Outcome::Skipped(why) | Outcome::Error(why) => {
                why.lines().next().unwrap_or_default().to_string()
            }
            Outcome::Passed => "every check passes".into(),
        }
    }

    pub(super) fn mark(&self) -> &'static str {
        match self {
            Outcome::Passed => "✓",
            Outcome::Failed(..) | Outcome::NotRun(..) => "✗",
            Outcome::Skipped(_) => "SKIPPED",
            Outcome::Error(_) => "error",
        }
    }
}

/// One variant to judge in the switched copy.
pub(super) struct Job<'a> {
    /// The key that switches it in.
    pub(super) key: String,
    /// The checks it runs: its exercise's (as `lab check` runs them), or the one a mistake names.
    pub(super) checks: Vec<&'a Check>,
    /// A wrong variant, which one failing check proves: its checks run one at a time and the
    /// first failure ends the run.
    pub(super) wrong: bool,
    /// The first line of its block of output.
    pub(super) title: String,
}

/// A job's runs, in order, and the seconds each took on average.
pub(super) struct Judged {
    pub(super) runs: Vec<Outcome>,
    pub(super) seconds: f64,
}

/// Runs `checks` as `lab check` does with variant `key` switched in: the tests, then each other
/// step in order, stopping at the first failure. With `fail_fast` (a wrong variant), each check of
/// a step runs on its own, in order, and the first that fails ends the run: a deadlock costs one
/// watchdog's wait, not one per test it stalls.
fn judge_variant(
    copy_ws: &Workspace,
    day: &Day,
    checks: &[&Check],
    key: &str,
    fail_fast: bool,
) -> Outcome {
    let env = [(SWITCH, key.to_string())];
    let mut steps: Vec<Step> = checks.iter().map(|c| c.step).collect();
    steps.sort();
    steps.dedup();
    let mut skipped = Vec::new();
    for step in steps {
        let of_step: Vec<&Check> = checks.iter().copied().filter(|c| c.step == step).collect();
        let batches: Vec<&[&Check]> = if fail_fast {
            of_step.chunks(1).collect()
        } else {
            vec![&of_step[..]]
        };
        for batch in batches {
            let mut ran = Ran::new();
            match run_step(copy_ws, &day.krate, step, batch, &env, false) {
                Ok(r) => ran.insert(step, r),
                Err(e) => return Outcome::Error(format!("{e:#}")),
            };
            for c in batch {
                match judge(&day.krate, c, &ran) {
                    Verdict::Passed(_) => {}
                    Verdict::Failed(why) => return Outcome::Failed(c.to_string(), why),
                    Verdict::NotRun(why) => return Outcome::NotRun(c.to_string(), why),
                    Verdict::Skipped(why) => skipped.push(format!("{c}: {why}")),
                }
            }
        }
    }
    if skipped.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Skipped(skipped.join("; "))
    }
}

/// How many variants are judged at once. A wrong one often waits (on a test's watchdog, on a
/// deadlock) and a loom model keeps one core busy: two at a time keep a 2-core machine working.
const AT_ONCE: usize = 2;

/// Judges each job of `day` `runs` times, [`AT_ONCE`] jobs at a time, printing each job's runs as
/// a block once it is judged; a job not started by `deadline` is not run (SKIPPED). The results
/// come back in `jobs`' order.
pub(super) fn judge_all(
    copy_ws: &Workspace,
    day: &Day,
    jobs: &[Job<'_>],
    runs: usize,
    deadline: Option<Instant>,
) -> Vec<Judged> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Judged>>> = Mutex::new(jobs.iter().map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                // Relaxed: the counter only hands out indices; the results are published by the
                // mutex and by the scope's join.
                loop {
                    let i = next.fetch_add(1, Relaxed);
                    let Some(job) = jobs.get(i) else {
                        break;
                    };
                    let mut block = format!("\n{}\n", job.title);
                    let t = Instant::now();
                    let outcomes: Vec<Outcome> = if deadline.is_some_and(|d| t >= d) {
                        block.push_str("  SKIPPED: not run, the time budget was spent\n");
                        vec![Outcome::Skipped(
                            "not run: the time budget was spent".into(),
                        )]
                    } else {
                        (1..=runs)
                            .map(|i| {
                                let o =
                                    judge_variant(copy_ws, day, &job.checks, &job.key, job.wrong);
                                block.push_str(&format!(
                                    "  run {i}: {} {}\n",
                                    o.mark(),
                                    o.detail()
                                ));
                                o
                            })
                            .collect()
                    };
                    print!("{block}");
                    let judged = Judged {
                        runs: outcomes,
                        seconds: t.elapsed().as_secs_f64() / runs.max(1) as f64,
                    };
                    done.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(judged);
                }
            });
        }
    });
    done.into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_runs_the_reference_unless_a_variant_is_picked() {
        let variants = [(corpus_key("d/f", 0), "    x + 2".into())];
        let s = switch("    x + 1\n", &variants, true);
        assert!(s.contains("::std::env::var(\"LAB_MISTAKE\")"), "{s}");
        assert!(
            s.ends_with("Some(\"corpus:d/f#0\") => {\n    x + 2\n}\n_ => {\n    x + 1\n}\n}\n"),
            "{s}"
        );
        let s = switch("    x + 1\n", &variants, false);
        assert!(
            s.contains("#[cfg(not(loom))]\nSome(\"corpus:d/f#0\") => {\n    x + 2\n}\n"),
            "{s}"
        );
    }
}
