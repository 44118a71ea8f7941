//! The command line: `day5-wordcount [FILE]... [--top N] [--jobs N] [--timeout DURATION] [--json]
//! [--letters] [--max-word SIZE]`, and `day5-wordcount --quick`, the tour.
//!
//! | Go                                        | Rust, here                                    |
//! |-------------------------------------------|-----------------------------------------------|
//! | `flag.Duration("timeout", 0, …)`          | `--timeout` parsed by `humantime` (`500ms`, `2s`, `1m`) |
//! | `flag.Args()`                             | the `FILE` arguments (clap)                   |
//! | `ctx, cancel := context.WithTimeout(…)`   | [`Context::with_timeout`]                     |
//! | `signal.NotifyContext(ctx, os.Interrupt)` | a `ctrlc` handler that cancels the context    |
//! | `os.Exit(3)`                              | `ExitCode` from [`Exit`]                      |

use std::io;
use std::num::NonZero;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use day2_context::Context;

use crate::lesson;
use crate::report::{self, Exit};
use crate::run::{self, Input, Options, Tally};
use crate::source::{DEFAULT_CHUNK_SIZE, io_reason};
use crate::tour;

const AFTER_HELP: &str = "\
Words: exactly Go's strings.Fields + strings.ToLower: a run of characters that are not Unicode white
space, each character lower-cased on its own (Unicode's simple case mapping: İ -> i, Σ -> σ). Invalid
UTF-8 never stops the tool: each invalid byte is one U+FFFD, as in Go. With --letters, words are
Unicode word boundaries (UAX #29) holding a letter or digit, for prose: `|` and `--` are not words,
`end.` is `end`. A word longer than --max-word is skipped and reported; the rest is counted.

Output: `word count` lines (or JSON with --json) on standard output, most frequent first, ties in
word order. Messages go to standard error, one line each, file names quoted.

Exit status:
  0  every input was read and counted
  1  some input could not be read, or held a word longer than --max-word, or the output could not be
     written (everything else was counted)
  2  usage error
  3  partial result: the --timeout deadline passed or Ctrl-C was pressed (a second Ctrl-C exits at
     once with 130)";

/// Count the most frequent words in files, concurrently.
#[derive(Debug, Parser)]
#[command(name = "day5-wordcount", version, after_help = AFTER_HELP)]
pub struct Args {
    /// Files to count; with none, or `-`, standard input is read.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How many of the most frequent words to print; 0 prints none (the messages and the exit
    /// status still tell whether every input was counted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Worker threads [default: the number of available CPUs].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub jobs: Option<u32>,
    /// Stop counting after this long and print a partial result (e.g. `500ms`, `2s`, `1m`).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Print the result as a JSON array of `{"word", "count"}` objects.
    #[arg(long)]
    pub json: bool,
    /// Count words by Unicode word boundaries (letters and digits; punctuation is not a word)
    /// instead of Go's white-space rules: for prose and Markdown.
    #[arg(long)]
    pub letters: bool,
    /// Skip and report any word longer than this (bytes; units allowed: `64KiB`, `1MiB`, `1MB`).
    /// With --letters, the limit applies to a stretch of text without ASCII white space.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_max_word)]
    pub max_word: usize,
    /// Count with the lesson step (`src/lesson.rs`, what the course's Go writes: one job per file,
    /// a line at a time, a map per file) instead of the fast one; the output is the same.
    #[arg(long, conflicts_with_all = ["letters", "quick"])]
    pub lesson: bool,
    /// Bytes per read (a testing knob: the output never depends on it).
    #[arg(long, hide = true, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_SIZE,
          value_parser = parse_chunk_size)]
    pub chunk_size: usize,
    /// The tour (what `cargo xtask tour` runs): count the journal pages under the current
    /// directory (`journal/*.md`) with --letters and show the top 10.
    #[arg(long, conflicts_with = "files")]
    pub quick: bool,
}

fn parse_max_word(s: &str) -> Result<usize, String> {
    let bytes = parse_size::parse_size(s).map_err(|e| e.to_string())?;
    match usize::try_from(bytes) {
        Ok(0) => Err("must be at least 1 byte".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{bytes} bytes does not fit in memory")),
    }
}

fn parse_chunk_size(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

impl Args {
    /// The inputs: the files as given (`-` is standard input), or standard input alone.
    pub fn inputs(&self) -> Vec<Input> {
        if self.files.is_empty() {
            return vec![Input::Stdin];
        }
        self.files
            .iter()
            .map(|f| {
                if f.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(f.clone())
                }
            })
            .collect()
    }

    /// The pool size: `--jobs`, or the available parallelism (Go's `runtime.NumCPU()`).
    pub fn jobs(&self) -> usize {
        match self.jobs {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, NonZero::get),
        }
    }
}

/// The binary's `main`: parse the command line (exit 2 on a usage error), count, print, exit.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] with the command line given (its first item is the program name); `examples/measure.rs`
/// runs the tool this way in a child process of its own.
pub fn main_from(argv: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let args = Args::parse_from(argv);
    let (root, cancel) = Context::with_cancel(&Context::background());
    let mut interrupted = false;
    // Ctrl-C cancels the context, like the deadline; a second one gives up at once.
    let handler = ctrlc::set_handler(move || {
        if interrupted {
            std::process::exit(130);
        }
        interrupted = true;
        cancel.cancel();
    });
    if let Err(e) = handler {
        report::warn(format_args!(
            "warning: Ctrl-C will not give a partial result: {e}"
        ));
    }
    if args.quick {
        return tour::run(&root);
    }
    run(&root, &args)
}

/// Counts `args`' inputs under `parent` (plus `--timeout`), prints the result and the diagnostics,
/// and returns the exit status.
pub fn run(parent: &Context, args: &Args) -> ExitCode {
    if args.lesson {
        return run_lesson(parent, args);
    }
    let tally = count(parent, args);
    for line in report::diagnostics(&tally, args.timeout, args.max_word) {
        report::warn(line);
    }
    let exit = Exit::of(&tally);
    let written = report::write_top(
        &mut io::BufWriter::new(io::stdout().lock()),
        &tally.counts.top(args.top),
        args.json,
    );
    exit.worst(report::output_status(written)).into()
}

/// The fast step's count of `args`' inputs, under a child of `parent` that `--timeout` ends.
pub fn count(parent: &Context, args: &Args) -> Tally {
    let (ctx, cancel) = match args.timeout {
        Some(t) => Context::with_timeout(parent, t),
        None => Context::with_cancel(parent),
    };
    let _cancel = cancel.drop_guard(); // Go: `defer cancel()`
    let opts = Options {
        chunk_size: args.chunk_size,
        max_word: args.max_word,
        letters: args.letters,
        ..Options::new(args.jobs())
    };
    run::count_inputs(&ctx, &args.inputs(), &opts)
}

/// `--lesson`: the same command line, counted by the lesson step ([`lesson`]), with the same
/// output and exit statuses.
fn run_lesson(parent: &Context, args: &Args) -> ExitCode {
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let counted = lesson::count_files(parent, &files, args.jobs(), args.timeout);
    for (path, e) in &counted.failed {
        report::warn(format_args!(
            "{}: {}",
            Input::Path(path.clone()).name(),
            io_reason(e)
        ));
    }
    if let Some(why) = counted.partial {
        report::warn(report::partial_line(why, args.timeout));
    }
    let exit = if counted.partial.is_some() {
        Exit::Partial
    } else if counted.failed.is_empty() {
        Exit::Complete
    } else {
        Exit::InputFailed
    };
    let top: Vec<(&str, u64)> = lesson::top_n(&counted.counts, args.top)
        .into_iter()
        .map(|(word, n)| (word, n as u64))
        .collect();
    let written = report::write_top(
        &mut io::BufWriter::new(io::stdout().lock()),
        &top,
        args.json,
    );
    exit.worst(report::output_status(written)).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunked::DEFAULT_MAX_WORD;

    #[test]
    fn max_word_takes_units_and_defaults_to_one_mib() {
        let parse = |extra: &[&str]| {
            let argv = ["day5-wordcount"].iter().chain(extra);
            Args::try_parse_from(argv).map(|a| a.max_word)
        };
        assert_eq!(parse(&[]).unwrap(), DEFAULT_MAX_WORD);
        assert_eq!(parse(&["--max-word", "64KiB"]).unwrap(), 64 << 10);
        assert_eq!(parse(&["--max-word", "1MB"]).unwrap(), 1_000_000);
        assert_eq!(parse(&["--max-word", "7"]).unwrap(), 7);
        for bad in ["0", "lots", "-1"] {
            assert!(parse(&["--max-word", bad]).is_err(), "{bad}");
        }
    }
}
