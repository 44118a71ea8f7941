//! The course's Go programs, measured beside the Rust contenders in the same run.
//!
//! Each day crate has a `go/` folder, a Go module (standard library only, Go 1.19): `go/bench` is
//! the day's measured experiment as the course has a learner write it in Go, and `go/small` the
//! Go-by-Example-sized version read first (its Rust twin is `go/small/main.rs`). The day's measure
//! example runs `go run ./bench` with the same parameters as its Rust rows and reads its standard
//! output, one [`Row`](crate::rows::Row) per line as JSON — the median run (by wall time) of `ops`
//! operations on `threads` goroutines, and the process CPU time used meanwhile, so Go rows have a
//! *cores busy* figure too:
//!
//! ```text
//! {"series":"sync.Map/1000","lang":"go","threads":2,"ops":4000000,"wall_ns":61000000,"cpu_ns":120000000}
//! ```
//!
//! Lines starting with `#` are comments. `day1-sync-atomic/go/timing` writes the lines; [`parse`]
//! reads them.
//!
//! Without `go` on `PATH` the rows are skipped, never faked: [`GoRows::skipped`] says why and how
//! to install it.

use std::fmt;
use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::measure::Sample;
use crate::rows::{Lang, Line, Rows};

/// The text of a Go cell whose row was skipped because Go is missing.
pub const SKIPPED: &str = "SKIPPED";

/// How to install Go where it is missing (Debian's package is Go 1.19, which the programs target).
pub const INSTALL: &str = "apt-get install golang-go";

/// One measured case of a Go program.
#[derive(Clone, Debug, PartialEq)]
pub struct GoRow {
    /// The case's name, as the day's table matches it.
    pub case: String,
    /// Goroutines that did the work.
    pub threads: usize,
    /// Operations in the timed run.
    pub ops: u64,
    /// Wall and process CPU time of the median run.
    pub sample: Sample,
}

/// Why a Go program gave no rows.
#[derive(Debug)]
pub enum GoError {
    /// `go` is not on `PATH`.
    Missing,
    /// The program could not be built or run, or printed a line that is not a row.
    Failed(String),
}

impl fmt::Display for GoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoError::Missing => write!(f, "`go` is not on PATH (install it: `{INSTALL}`)"),
            GoError::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for GoError {}

/// Reads a Go program's rows (the line protocol in the module docs).
///
/// ```
/// use labkit::go::parse;
/// let line = r#"{"series":"sync.Map","lang":"go","threads":2,"ops":1000,"wall_ns":500000,"cpu_ns":750000}"#;
/// let rows = parse(&format!("# comment\n{line}\n")).unwrap();
/// assert_eq!((rows[0].case.as_str(), rows[0].threads, rows[0].ops), ("sync.Map", 2, 1000));
/// assert_eq!(rows[0].sample.cores_busy(), 1.5);
/// assert!(parse("sync.Map\t2\t1000\n").unwrap_err().contains("line 1"));
/// ```
///
/// # Errors
/// Names the first line that is not a row, or is a row of another language than Go's.
pub fn parse(stdout: &str) -> Result<Vec<GoRow>, String> {
    let rows = Rows::parse(stdout)?;
    rows.lines()
        .iter()
        .map(|line| match line {
            Line::Row(r) if r.lang == Lang::Go => Ok(GoRow {
                case: r.series.clone(),
                threads: r.threads,
                ops: r.ops,
                sample: r.sample(),
            }),
            other => Err(format!("{other:?} is not a Go row")),
        })
        .collect()
}

/// Runs `go <args>` in the Go module `dir` and returns its standard output; its standard error
/// (progress, build errors) passes through.
///
/// # Errors
/// [`GoError::Missing`] when `go` is not on `PATH`; [`GoError::Failed`], naming the command line,
/// when it cannot start or exits unsuccessfully.
pub fn go<I, S>(dir: &Path, args: I) -> Result<Vec<u8>, GoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = format!(
        "`go {}` in {}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        dir.display()
    );
    let out = Command::new("go")
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => GoError::Missing,
            _ => GoError::Failed(format!("{shown}: {e}")),
        })?;
    if !out.status.success() {
        return Err(GoError::Failed(format!("{shown}: {}", out.status)));
    }
    Ok(out.stdout)
}

/// Runs `go run ./<command> <args>` in the Go module `dir` and parses its rows (see [`go`]).
///
/// # Errors
/// As [`go`], and [`GoError::Failed`] when `dir` has no such package or a line is not a row.
pub fn run<I, S>(dir: &Path, command: &str, args: I) -> Result<Vec<GoRow>, GoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let shown = format!("`go run ./{command}` in {}", dir.display());
    if !dir.join(command).is_dir() {
        return Err(GoError::Failed(format!("{shown}: no such Go package")));
    }
    let mut line = vec![
        std::ffi::OsString::from("run"),
        format!("./{command}").into(),
    ];
    line.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
    let stdout = go(dir, line)?;
    let text = String::from_utf8(stdout)
        .map_err(|_| GoError::Failed(format!("{shown}: its output is not UTF-8")))?;
    parse(&text).map_err(|why| GoError::Failed(format!("{shown}: {why}")))
}

/// A Go program's rows for a day's tables, or why there are none.
#[derive(Debug, Default)]
pub struct GoRows {
    rows: Vec<GoRow>,
    skipped: Option<String>,
}

impl GoRows {
    /// Runs the day's `go/bench` (see [`run`]); `manifest_dir` is the day crate's directory.
    ///
    /// # Panics
    /// Panics when Go is installed but the program fails or prints no row: a broken Go program
    /// must fail the bench, not vanish from the table. Without Go the rows are
    /// [skipped](Self::skipped).
    pub fn bench<I, S>(manifest_dir: &str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        match run(&Path::new(manifest_dir).join("go"), "bench", args) {
            Ok(rows) if rows.is_empty() => panic!("the Go rows: `go run ./bench` printed no row"),
            Ok(rows) => GoRows {
                rows,
                skipped: None,
            },
            Err(GoError::Missing) => GoRows {
                rows: Vec::new(),
                skipped: Some(GoError::Missing.to_string()),
            },
            Err(e) => panic!("the Go rows: {e}"),
        }
    }

    /// Rows from a Go program's output (see [`parse`]), as if it had just run: for tables
    /// tested without Go installed.
    ///
    /// # Errors
    /// As [`parse`].
    pub fn from_output(stdout: &str) -> Result<Self, String> {
        Ok(GoRows {
            rows: parse(stdout)?,
            skipped: None,
        })
    }

    /// The row of `case` on `threads` goroutines.
    fn get(&self, case: &str, threads: usize) -> Option<&GoRow> {
        self.rows
            .iter()
            .find(|r| r.case == case && r.threads == threads)
    }

    /// The row of `case` on `threads` goroutines for a table's Go cell: `None` when Go was skipped
    /// (the cell reads [`SKIPPED`]) or not asked for.
    ///
    /// # Panics
    /// Panics when the program ran but printed no such row: the Go program and the table
    /// disagree, and a blank cell would hide it.
    pub fn expect(&self, case: &str, threads: usize) -> Option<&GoRow> {
        if self.rows.is_empty() {
            return None;
        }
        let row = self.get(case, threads);
        assert!(
            row.is_some(),
            "go/bench printed no row {case:?} on {threads} goroutine(s)"
        );
        row
    }

    /// Why there are no Go rows, if there are none because Go is missing.
    pub fn skipped(&self) -> Option<&str> {
        self.skipped.as_deref()
    }

    /// The sample of `case` on `threads` goroutines for a Go cell beside a Rust row of `ops`
    /// operations: [`GoRows::expect`]'s row, checked to have done the same work.
    ///
    /// # Panics
    /// As [`GoRows::expect`], and when the Go row ran another number of operations.
    pub fn sample(&self, case: &str, threads: usize, ops: u64) -> Option<Sample> {
        let row = self.expect(case, threads)?;
        assert_eq!(
            row.ops, ops,
            "go/bench: {case:?} on {threads} goroutine(s) ran {} operations, the Rust row {ops}",
            row.ops
        );
        Some(row.sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Go row as `go/timing` prints it.
    fn line(case: &str, threads: usize, ops: u64, wall_ns: u64, cpu_ns: u64) -> String {
        format!(
            r#"{{"series":"{case}","lang":"go","threads":{threads},"ops":{ops},"wall_ns":{wall_ns},"cpu_ns":{cpu_ns}}}"#
        )
    }

    #[test]
    fn rows_are_go_rows_with_every_measurement() {
        assert!(
            parse("a\t1\t2\t3\t4\n").is_err(),
            "the old tab-separated line"
        );
        assert!(parse(&line("a", 1, 2, 3, 4).replace(",\"cpu_ns\":4", "")).is_err());
        assert!(parse(&line("a", 1, 2, 3, 4).replace("\"go\"", "\"rust\"")).is_err());
        assert!(parse(&line("a", 1, 2, 3, 4).replace(":1,", ":\"one\",")).is_err());
        let rows =
            parse(&format!("\n# header\n{}\n", line("a b", 4, 10, 2000, 1000))).expect("one row");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].case, "a b");
        assert_eq!(rows[0].sample.per_second(rows[0].ops), 5e6);
    }

    #[test]
    fn a_go_cell_is_its_row_none_when_skipped_and_a_missing_row_panics() {
        let ran = GoRows::from_output(&line("a", 2, 10, 100, 100)).expect("a row");
        assert_eq!(ran.expect("a", 2).map(|r| r.ops), Some(10));
        assert_eq!(ran.sample("a", 2, 10).map(|s| s.wall.as_nanos()), Some(100));
        assert!(std::panic::catch_unwind(|| ran.sample("a", 2, 11)).is_err());
        assert!(std::panic::catch_unwind(|| ran.expect("a", 4)).is_err());
        let skipped = GoRows {
            rows: Vec::new(),
            skipped: Some(GoError::Missing.to_string()),
        };
        assert_eq!(skipped.expect("a", 2), None);
        assert!(
            skipped
                .skipped()
                .is_some_and(|why| why.starts_with("`go` is not on PATH"))
        );
        assert_eq!(GoRows::default().expect("a", 2), None);
    }

    #[test]
    fn a_missing_program_directory_is_a_failure_not_a_skip() {
        // With Go installed the run fails (no such directory); without it, it is `Missing`.
        match run(Path::new("/nonexistent/go"), "bench", ["-quick"]) {
            Err(GoError::Failed(why)) => assert!(why.contains("/nonexistent/go"), "{why}"),
            Err(GoError::Missing) => {}
            Ok(rows) => panic!("rows from nowhere: {rows:?}"),
        }
    }
}
