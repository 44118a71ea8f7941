//! `day5-wordcount --quick`: the tour, which `cargo xtask tour` runs from the workspace root.
//!
//! The tour is a list of [`STEPS`], run in order; each prints its part on standard output and
//! returns its exit status, and the tour exits with the worst of them.

use std::fs;
use std::io::{self, Write};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use day2_context::Context;

use crate::report::{self, Exit};
use crate::run::{self, Input, Options};

/// One step of the tour: prints its part on `out`, returns its exit status.
pub type Step = fn(&Context, &mut dyn Write) -> io::Result<Exit>;

/// The tour's steps, in order.
pub const STEPS: &[Step] = &[
    count_the_journal,
    #[cfg(feature = "server")]
    crate::server::tour_demo,
];

/// Runs every step of the tour under `ctx` (Ctrl-C cancels it).
pub fn run(ctx: &Context) -> ExitCode {
    let mut out = io::stdout();
    let mut exit = Exit::Complete;
    for step in STEPS {
        match step(ctx, &mut out) {
            Ok(status) => exit = exit.worst(status),
            Err(e) => return exit.worst(report::output_status(Err(e))).into(),
        }
    }
    exit.into()
}

/// Counts the journal's pages with `--letters`, and shows what Go's rules make of Markdown.
fn count_the_journal(ctx: &Context, mut out: &mut dyn Write) -> io::Result<Exit> {
    writeln!(
        out,
        "Day 5: a concurrent word counter: Go's strings.Fields + strings.ToLower, counted on \
         day 3's pool, stopped by day 2's Context (--timeout, Ctrl-C)."
    )?;
    let pages = journal_pages(Path::new("journal"));
    if pages.is_empty() {
        writeln!(
            out,
            "No journal/*.md under the current directory, so there is nothing to count here; \
             run the tour from the workspace root (`cargo xtask tour`), or try \
             `day5-wordcount --letters --top 10 FILE...`."
        )?;
        return Ok(Exit::Complete);
    }
    let inputs: Vec<Input> = pages.iter().cloned().map(Input::Path).collect();
    let jobs = std::thread::available_parallelism().map_or(1, NonZero::get);
    let letters = Options {
        letters: true,
        ..Options::new(jobs)
    };
    let start = Instant::now();
    let tally = run::count_inputs(ctx, &inputs, &letters);
    let elapsed = start.elapsed();
    let bytes: u64 = tally.inputs.iter().map(|r| r.bytes).sum();
    writeln!(
        out,
        "\nThe journal's {} pages ({} KB) with --letters: words are Unicode word boundaries (UAX \
         #29) holding a letter or digit, so Markdown's `|` and `--` are not words and `end.` is \
         `end`.\n$ day5-wordcount --letters --top 10 journal/*.md",
        pages.len(),
        bytes / 1000
    )?;
    report::write_top(&mut out, &tally.counts.top(10), false)?;
    writeln!(
        out,
        "{} words, {} distinct, in {:.1} ms on {jobs} workers.",
        tally.counts.total(),
        tally.counts.len(),
        elapsed.as_secs_f64() * 1e3
    )?;
    for line in report::diagnostics(&tally, None, letters.max_word) {
        report::warn(line);
    }
    let go_rules = run::count_inputs(ctx, &inputs, &Options::new(jobs));
    let top: Vec<String> = go_rules
        .counts
        .top(3)
        .iter()
        .map(|(w, n)| format!("{w} {n}"))
        .collect();
    writeln!(
        out,
        "\nWithout --letters (Go's rules, the default: white space only) the top 3 of the same \
         pages are: {}. Go's rules are for comparing with a Go program; --letters is for prose.",
        top.join(", ")
    )?;
    Ok(Exit::of(&tally).worst(Exit::of(&go_rules)))
}

/// The `*.md` files directly in `dir`, sorted by name; none if `dir` cannot be read.
fn journal_pages(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut pages: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
        .collect();
    pages.sort();
    pages
}
