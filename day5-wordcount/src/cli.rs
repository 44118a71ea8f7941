//! The command line: `day5-wordcount [FILE]... [--top N] [--jobs N] [--timeout DURATION] [--json]`.
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

use crate::report::{self, Exit};
use crate::run::{self, Input, Options};
use crate::source::DEFAULT_CHUNK_SIZE;

const AFTER_HELP: &str = "\
Words: a word is a run of characters that are not Unicode white space, lower-cased with full
Unicode case mapping (Go's strings.Fields + strings.ToLower). Invalid UTF-8 never stops the tool:
each maximal invalid byte sequence inside a word is replaced by U+FFFD.

Output: `word count` lines (or JSON with --json) on standard output, most frequent first, ties in
word order. Errors and the partial-result notice go to standard error.

Exit status:
  0  every input was read and counted
  1  some input could not be read, or the output could not be written (the other inputs were counted)
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
    /// How many of the most frequent words to print.
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
    /// Bytes per read (a testing knob: the output never depends on it).
    #[arg(long, hide = true, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_SIZE,
          value_parser = parse_chunk_size)]
    pub chunk_size: usize,
    /// Accepted and ignored, so that `cargo xtask tour` can pass it to every day's binary.
    #[arg(long, hide = true)]
    pub quick: bool,
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
        eprintln!("day5-wordcount: warning: Ctrl-C will not give a partial result: {e}");
    }
    run(&root, &args)
}

/// Counts `args`' inputs under `parent` (plus `--timeout`), prints the result and the diagnostics,
/// and returns the exit status.
pub fn run(parent: &Context, args: &Args) -> ExitCode {
    let (ctx, _deadline) = match args.timeout {
        Some(t) => {
            let (ctx, handle) = Context::with_timeout(parent, t);
            (ctx, Some(handle))
        }
        None => (parent.clone(), None),
    };
    let opts = Options {
        chunk_size: args.chunk_size,
        ..Options::new(args.jobs())
    };
    let tally = run::count_inputs(&ctx, &args.inputs(), &opts);
    for line in report::diagnostics(&tally, args.timeout) {
        eprintln!("day5-wordcount: {line}");
    }
    let mut exit = Exit::of(&tally);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if let Err(e) = report::write_top(&mut out, &tally.counts.top(args.top), args.json) {
        // `day5-wordcount … | head -3` closing the pipe early is not an error.
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("day5-wordcount: standard output: {e}");
            exit = exit.worst(Exit::InputFailed);
        }
    }
    exit.into()
}
