//! What the tool prints and the status it exits with.
//!
//! Standard output holds only the result — `word count` lines, or JSON with `--json` — so it can be
//! piped into other tools. Everything else goes to standard error, one line per message with the
//! input named (a path quoted, see [`Input::name`](crate::Input::name)): an input that could not be
//! read, an input that held words longer than `--max-word`, and, for a partial run, a summary of
//! which inputs were counted in full, in part, or not at all.
//!
//! Standard error failing (full, closed) never stops the tool: a message that cannot be written is
//! dropped ([`warn`]), the result still goes to standard output, the exit status is unchanged.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use day2_context::ContextError;
use serde::Serialize;

use crate::run::{Status, Tally};
use crate::source::io_reason;

/// The exit statuses, also listed in `--help` and the crate documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: every input was read to its end and counted.
    Complete = 0,
    /// 1: some input could not be read (missing, a directory, unreadable, a read error), or held a
    /// word longer than `--max-word` (skipped; the rest of it was counted), or standard output could
    /// not be written; every other input was counted.
    InputFailed = 1,
    /// 2: the command line was wrong (clap's usage error); nothing was counted.
    Usage = 2,
    /// 3: the deadline passed (`--timeout`) or Ctrl-C was pressed: the result is partial. Takes
    /// precedence over 1.
    Partial = 3,
}

impl Exit {
    /// The status for a finished run.
    pub fn of(tally: &Tally) -> Exit {
        if tally.stopped.is_some() {
            Exit::Partial
        } else if tally.any_failed() || tally.any_overlong() {
            Exit::InputFailed
        } else {
            Exit::Complete
        }
    }

    /// The more severe of two statuses: partial over failed over complete.
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Complete => 0,
            Exit::InputFailed => 1,
            Exit::Usage => 2,
            Exit::Partial => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Serialize)]
struct JsonWord<'a> {
    word: &'a str,
    count: u64,
}

/// Writes the top words: `word count` per line, or one JSON array of `{"word", "count"}` objects.
pub fn write_top(out: &mut impl Write, top: &[(&str, u64)], json: bool) -> io::Result<()> {
    if json {
        let words: Vec<JsonWord<'_>> = top
            .iter()
            .map(|&(word, count)| JsonWord { word, count })
            .collect();
        serde_json::to_writer(&mut *out, &words)?;
        writeln!(out)?;
    } else {
        for (word, count) in top {
            writeln!(out, "{word} {count}")?;
        }
    }
    out.flush()
}

/// Writes `day5-wordcount: {message}` as one line on standard error; if standard error cannot be
/// written (full, closed), the message is dropped.
pub fn warn(message: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "day5-wordcount: {message}");
}

/// The status for writing the result: complete, or 1 if standard output failed. A closed pipe
/// (`day5-wordcount … | head -3`) is silent; any other failure (a full disk) is reported.
pub fn output_status(written: io::Result<()>) -> Exit {
    match written {
        Ok(()) => Exit::Complete,
        Err(e) => {
            if e.kind() != io::ErrorKind::BrokenPipe {
                warn(format_args!("standard output: {}", io_reason(&e)));
            }
            Exit::InputFailed
        }
    }
}

/// The lines for standard error: one per failed input, one per input with words longer than
/// `max_word`, then the partial-result summary if the run stopped early. `timeout` is the
/// `--timeout` given, to name it in the message.
pub fn diagnostics(tally: &Tally, timeout: Option<Duration>, max_word: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &tally.inputs {
        if let Status::Failed(reason) = &r.status {
            lines.push(format!("{}: {reason}", r.name));
        }
    }
    for r in &tally.inputs {
        if let Some(o) = r.overlong {
            let more = match o.count {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            lines.push(format!(
                "{}: skipped a word longer than --max-word ({max_word} bytes) at byte {}{more}; \
                 the rest was counted",
                r.name, o.first
            ));
        }
    }
    let Some(why) = tally.stopped else {
        return lines;
    };
    lines.push(partial_line(why, timeout));
    let names = |want: fn(&Status) -> bool| -> Vec<String> {
        tally
            .inputs
            .iter()
            .filter(|r| want(&r.status))
            .map(|r| r.name.clone())
            .collect()
    };
    let full = names(|s| *s == Status::Full);
    if !full.is_empty() {
        lines.push(format!("counted in full: {}", full.join(", ")));
    }
    let part: Vec<String> = tally
        .inputs
        .iter()
        .filter(|r| r.status == Status::Partial)
        .map(|r| match r.size {
            Some(size) => format!("{} ({} of {size} bytes)", r.name, r.bytes),
            None => format!("{} ({} bytes)", r.name, r.bytes),
        })
        .collect();
    if !part.is_empty() {
        lines.push(format!("counted in part: {}", part.join(", ")));
    }
    let none = names(|s| *s == Status::NotCounted);
    if !none.is_empty() {
        lines.push(format!("not counted: {}", none.join(", ")));
    }
    lines
}

/// The partial-result line: why counting stopped (`timeout` is the `--timeout` given, to name it).
pub fn partial_line(why: ContextError, timeout: Option<Duration>) -> String {
    let why = match (why, timeout) {
        (ContextError::DeadlineExceeded, Some(t)) => {
            format!(
                "deadline exceeded (--timeout {})",
                humantime::format_duration(t)
            )
        }
        (ContextError::DeadlineExceeded, None) => "deadline exceeded".to_owned(),
        (ContextError::Canceled, _) => "interrupted".to_owned(),
    };
    format!("PARTIAL RESULT: {why}; the counts cover only what was read before")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_json() {
        let top = [("the", 3), ("\"quoted\"", 1)];
        let mut out = Vec::new();
        write_top(&mut out, &top, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "the 3\n\"quoted\" 1\n");
        let mut out = Vec::new();
        write_top(&mut out, &top, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[{\"word\":\"the\",\"count\":3},{\"word\":\"\\\"quoted\\\"\",\"count\":1}]\n"
        );
    }
}
