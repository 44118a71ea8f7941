//! Measurements as rows; the tables are rendered from them, never parsed back.
//!
//! A day's measure example writes JSON lines to the file named by [`ROWS`] (`cargo xtask bench`
//! sets it to `<target>/bench/<day>.jsonl`; without it the example prints the rendered tables). A
//! line is one of three records:
//!
//! ```text
//! {"table":"maps","title":"90 % reads …","x":"threads","group":"keys","cell":"rate","ratios":[…]}
//! {"table":"maps","series":"dashmap","group":"1000","x":2,"threads":2,"ops":4000000,"wall_ns":…,"cpu_ns":…}
//! {"table":"maps","series":"sync.Map","lang":"go","group":"1000","x":2,"threads":2,"ops":4000000,…}
//! {"table":"maps","lang":"go","series":["sync.Map","map+RWMutex"],"skipped":"`go` is not on PATH …"}
//! ```
//!
//! — a [`TableSpec`] (what a table shows: its heading, and either a *grid* — the x and group
//! columns, one column per series showing a [`Figure`], the ratio columns — or a *list* of
//! [`Column`]s, one line per row), a [`Row`] (one measured case, the median run: `ops` operations
//! on `threads` threads took `wall_ns`, and the process used `cpu_ns` of CPU meanwhile; bytes read
//! and other named values where a table shows them), and a [`Skipped`] (the series that could not
//! run, and why). A row names its series and language, never a `Go:` prefix: Go's rows are rows of
//! their own series with `"lang":"go"`, and a Go twin sits at its Rust row's x. Rates, ratios
//! ([`Versus`]: a row against its Go twin or its language's baseline) and cores busy are computed
//! by [`Rows::markdown`] (and by the charts) from the raw measurement, never stored.
//!
//! The Go programs print [`Row`]s too (`day1-sync-atomic/go/timing`'s `Row`: `series`, `lang`,
//! `threads`, `ops`, `wall_ns`, `cpu_ns`); the measure example places them in a table
//! ([`Row::table`], [`Row::group`], [`Row::x`]).

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::go::{GoRows, SKIPPED};
use crate::measure::Sample;
use crate::table::{cores_busy_cell, si};

/// The language a contender is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// This workspace's code and the crates it measures against.
    #[default]
    Rust,
    /// The course's Go programs (`<day>/go/bench`).
    Go,
}

/// A row's place along a table's x axis: a number (threads, pool size, capacity …) or a name.
/// Numbers order as numbers, before names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum X {
    /// Threads, workers, capacity, batch size, jobs …
    Num(u64),
    /// An operation or workload.
    Name(String),
}

impl fmt::Display for X {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X::Num(n) => write!(f, "{n}"),
            X::Name(name) => f.write_str(name),
        }
    }
}

/// One measured case: the median run of a contender ([`Row::series`]) at one x of one table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The table it belongs to ([`TableSpec::table`]); empty in a Go program's output.
    #[serde(default)]
    pub table: String,
    /// The contender.
    pub series: String,
    /// The contender's language.
    #[serde(default)]
    pub lang: Lang,
    /// The table's group this row is in (a key space, a workload), if the table has groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Where along the x axis; `None` in a Go program's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<X>,
    /// Threads (goroutines) that did the work.
    pub threads: usize,
    /// Operations in the timed run.
    pub ops: u64,
    /// Wall-clock time of the run.
    pub wall_ns: u64,
    /// Process CPU time (every thread, user + system) during the run.
    pub cpu_ns: u64,
    /// Bytes processed, where the workload reads input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// The threads mostly wait (sleeping jobs): their cores busy is low by design, never flagged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waits: bool,
    /// Other measured quantities, by name (peak RSS, a latency percentile, a count), as a
    /// [`Value`] column shows them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
}

impl Row {
    /// A Rust row of `table`: `ops` operations of `series` on `threads` threads took `sample`;
    /// its x is the thread count.
    pub fn new(table: &str, series: &str, threads: usize, ops: u64, sample: Sample) -> Self {
        Row {
            table: table.to_owned(),
            series: series.to_owned(),
            lang: Lang::Rust,
            group: None,
            x: Some(X::Num(threads as u64)),
            threads,
            ops,
            wall_ns: nanos(sample.wall),
            cpu_ns: nanos(sample.cpu),
            bytes: None,
            waits: false,
            values: BTreeMap::new(),
        }
    }

    /// The same row, of threads that mostly wait ([`Row::waits`]).
    #[must_use]
    pub fn waiting(self) -> Self {
        Row {
            waits: true,
            ..self
        }
    }

    /// The row's cores busy: [`cores_busy_cell`], never flagged when its threads wait.
    pub fn cores_busy_cell(&self) -> String {
        let threads = if self.waits { 1 } else { self.threads };
        cores_busy_cell(&self.sample(), threads)
    }

    /// The same row at `x` along the table's x axis.
    #[must_use]
    pub fn at(self, x: X) -> Self {
        Row { x: Some(x), ..self }
    }

    /// The same row with the measured quantity `key` (see [`Row::values`]).
    #[must_use]
    pub fn with(mut self, key: &str, value: f64) -> Self {
        self.values.insert(key.to_owned(), value);
        self
    }

    /// The same row in group `group`.
    #[must_use]
    pub fn in_group(self, group: &impl ToString) -> Self {
        Row {
            group: Some(group.to_string()),
            ..self
        }
    }

    /// The run's wall and CPU time.
    pub fn sample(&self) -> Sample {
        Sample {
            wall: Duration::from_nanos(self.wall_ns),
            cpu: Duration::from_nanos(self.cpu_ns),
        }
    }

    /// Operations per second of wall time.
    pub fn rate(&self) -> f64 {
        self.sample().per_second(self.ops)
    }

    /// The series as a table names it: `Go <series>` for Go's.
    pub fn label(&self) -> String {
        label(self.lang, &self.series)
    }
}

/// The Go row of `case` on `threads` goroutines, named `series`, in the place of the row `like`
/// (its table, group and x), with the threads, operations and times Go measured: `None` when Go
/// did not run (see [`GoRows::expect`]).
///
/// # Panics
/// As [`GoRows::expect`]: Go ran but printed no such row.
pub fn go_row(go: &GoRows, case: &str, threads: usize, series: &str, like: &Row) -> Option<Row> {
    let measured = go.expect(case, threads)?;
    Some(Row {
        series: series.to_owned(),
        lang: Lang::Go,
        threads: measured.threads,
        ops: measured.ops,
        wall_ns: nanos(measured.sample.wall),
        cpu_ns: nanos(measured.sample.cpu),
        values: BTreeMap::new(),
        ..like.clone()
    })
}

/// The Go row of `case` beside the Rust row `like` (same table, group, x, threads and
/// operations), named `series`: `None` when Go did not run (see [`GoRows::sample`]).
///
/// # Panics
/// As [`GoRows::sample`]: Go ran but printed no such row, or one of another size.
pub fn go_twin(go: &GoRows, case: &str, series: &str, like: &Row) -> Option<Row> {
    go.sample(case, like.threads, like.ops)?;
    go_row(go, case, like.threads, series, like)
}

/// The skip of Go's `series` in `table` when Go was asked for but is not installed.
pub fn go_skipped(go: &GoRows, table: &str, series: &[&str]) -> Option<Line> {
    go.skipped().map(|why| Line::go_skipped(table, series, why))
}

/// Go's series are named `Go <series>` in tables and legends.
fn label(lang: Lang, series: &str) -> String {
    match lang {
        Lang::Rust => series.to_owned(),
        Lang::Go => format!("Go {series}"),
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Series of a table that did not run, and why (Go not installed): their cells read `SKIPPED`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    /// The table ([`TableSpec::table`]).
    pub table: String,
    /// Their language.
    pub lang: Lang,
    /// The series that would have run.
    pub series: Vec<String>,
    /// Why they did not.
    pub skipped: String,
}

/// A figure computed from one row: what a cell shows, what a chart draws.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Figure {
    /// Operations per second, with an SI suffix ([`si`]).
    #[default]
    Rate,
    /// Nanoseconds per operation.
    NsPerOp,
    /// The wall time, with its unit (`29.1µs`).
    Wall,
    /// The wall time in milliseconds.
    WallMs,
    /// The process CPU time in milliseconds.
    CpuMs,
    /// The process CPU time in seconds.
    CpuS,
    /// CPU time / wall time ([`cores_busy_cell`]).
    CoresBusy,
    /// The operations.
    Ops,
    /// The threads.
    Threads,
    /// Bytes per second of wall time, in MB (10⁶).
    MbPerS,
    /// Bytes per second of CPU time, in MB (10⁶).
    MbPerCpuS,
    /// One of the row's [values](Row::values).
    Value(Value),
}

/// A named [value](Row::values) of a row, and how it is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Value {
    /// The value's name.
    pub key: String,
    /// What the value counts.
    pub unit: Unit,
}

/// What a [`Value`] counts, and so how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// A whole number of things.
    Count,
    /// Bytes, shown as such.
    Bytes,
    /// Bytes, shown in MiB.
    Mib,
    /// Nanoseconds, shown in milliseconds.
    Ms,
    /// A fraction, shown as a percentage.
    Percent,
}

impl Figure {
    /// A row's [value](Row::values) `key`, shown in `unit`.
    pub fn value(key: &str, unit: Unit) -> Self {
        Figure::Value(Value {
            key: key.to_owned(),
            unit,
        })
    }

    /// The figure of `row`, in the unit [`Figure::cell`] shows (times in ns for [`Figure::Wall`]
    /// and [`Figure::NsPerOp`]); `None` when the row lacks it.
    pub fn of(&self, row: &Row) -> Option<f64> {
        let sample = row.sample();
        let per = |count: Option<u64>, time: Duration| {
            Some(count? as f64 / time.as_secs_f64().max(f64::MIN_POSITIVE) / 1e6)
        };
        match self {
            Figure::Rate => Some(row.rate()),
            Figure::NsPerOp => Some(row.wall_ns as f64 / row.ops.max(1) as f64),
            Figure::Wall => Some(row.wall_ns as f64),
            Figure::WallMs => Some(row.wall_ns as f64 / 1e6),
            Figure::CpuMs => Some(row.cpu_ns as f64 / 1e6),
            Figure::CpuS => Some(row.cpu_ns as f64 / 1e9),
            Figure::CoresBusy => Some(sample.cores_busy()),
            Figure::Ops => Some(row.ops as f64),
            Figure::Threads => Some(row.threads as f64),
            Figure::MbPerS => per(row.bytes, sample.wall),
            Figure::MbPerCpuS => per(row.bytes, sample.cpu),
            Figure::Value(v) => row.values.get(&v.key).map(|&x| match v.unit {
                Unit::Ms => x / 1e6,
                Unit::Mib => x / f64::from(1 << 20),
                Unit::Percent => x * 100.0,
                Unit::Count | Unit::Bytes => x,
            }),
        }
    }

    /// The cell of `row`: the figure with its unit or suffix, or `—` when the row lacks it.
    pub fn cell(&self, row: &Row) -> String {
        let Some(x) = self.of(row) else {
            return "—".to_owned();
        };
        match self {
            Figure::Rate => si(x),
            Figure::Wall => format!("{:.1?}", row.sample().wall),
            Figure::CoresBusy => row.cores_busy_cell(),
            Figure::Ops | Figure::Threads => format!("{x:.0}"),
            Figure::Value(v) => match v.unit {
                Unit::Count => format!("{x:.0}"),
                Unit::Bytes => format!("{x:.0} B"),
                Unit::Mib | Unit::Ms => format!("{x:.1}"),
                Unit::Percent => format!("{x:.2}"),
            },
            _ => digits(x),
        }
    }
}

/// Three significant digits or more: `56.0`, `1.50`, `1234`.
pub fn digits(x: f64) -> String {
    match x.abs() {
        a if a >= 100.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        _ => format!("{x:.2}"),
    }
}

/// The row a row is compared with, in a ratio: the row of language `lang` (the row's own when
/// `None`) at `x` (the row's own when `None`: then in the row's group), and the figure compared.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versus {
    /// The other row's language; the row's own when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The other row's x; the row's own when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<X>,
    /// The figure compared, higher being better: the ratio is the row's over the other's.
    #[serde(default)]
    pub figure: Figure,
    /// Shown as a percentage rather than `× n`.
    #[serde(default)]
    pub percent: bool,
}

impl Versus {
    /// The row of language `lang` at the same x (the Go twin, for `Lang::Go`).
    pub fn twin(lang: Lang) -> Self {
        Versus {
            lang: Some(lang),
            ..Versus::default()
        }
    }

    /// The row of the same language at `x` (the same language's baseline).
    pub fn own(x: X) -> Self {
        Versus {
            x: Some(x),
            ..Versus::default()
        }
    }

    /// The row of `lang` at `x`.
    pub fn at(lang: Lang, x: X) -> Self {
        Versus {
            lang: Some(lang),
            x: Some(x),
            ..Versus::default()
        }
    }

    /// The row `row` is compared with among `rows`: of the language and at the x asked, in the
    /// row's group when there is one such (always, when the x is the row's own, and then never
    /// the row itself: a Go row has no Go twin).
    pub fn other<'a>(&self, row: &Row, rows: &[&'a Row]) -> Option<&'a Row> {
        let lang = self.lang.unwrap_or(row.lang);
        let x = self.x.as_ref().or(row.x.as_ref());
        let fits = |r: &&&Row| r.lang == lang && r.x.as_ref() == x;
        let same_group = rows.iter().filter(fits).find(|r| r.group == row.group);
        match self.x {
            None => same_group.filter(|r| !std::ptr::eq(**r, row)),
            Some(_) => same_group.or_else(|| rows.iter().find(fits)),
        }
        .copied()
    }

    /// The ratio of `row`'s figure over the other row's (see [`Versus::other`]).
    pub fn ratio(&self, row: &Row, rows: &[&Row]) -> Option<f64> {
        let other = self.other(row, rows)?;
        Some(self.figure.of(row)? / self.figure.of(other)?)
    }
}

/// A column of a [list table](TableSpec::columns): its heading and what it shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The heading.
    pub header: String,
    /// What each line's cell shows.
    pub show: Show,
}

/// What a [`Column`] shows of each row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Show {
    /// The group.
    Group,
    /// The series, as [`Row::label`].
    Series,
    /// The x.
    X,
    /// A figure of the row.
    Figure(Figure),
    /// The row's figure over another row's ([`Versus`]): `1.52`, or `46` as a percentage.
    Versus(Versus),
}

impl Column {
    /// A column `header` showing `show`.
    pub fn new(header: &str, show: Show) -> Self {
        Column {
            header: header.to_owned(),
            show,
        }
    }

    /// A column `header` showing `figure`.
    pub fn figure(header: &str, figure: Figure) -> Self {
        Column::new(header, Show::Figure(figure))
    }
}

/// A ratio column of a grid: `of`'s rate over `over`'s in each line (labels as [`Row::label`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    /// The column's heading (`ConcurrentMap × RwLock<HashMap>`).
    pub header: String,
    /// The series on top.
    pub of: String,
    /// The series below.
    pub over: String,
}

impl Ratio {
    /// The column `header`: `of`'s rate over `over`'s.
    pub fn new(header: &str, of: &str, over: &str) -> Self {
        Ratio {
            header: header.to_owned(),
            of: of.to_owned(),
            over: over.to_owned(),
        }
    }
}

/// A table. A grid (no [columns](TableSpec::columns)) has one line per (group, x), one column per
/// series (Rust's, then Go's), then the ratio columns, then the least busy Rust and Go
/// contender's cores busy; a list has one line per row, one cell per column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// The table's name, which its rows and the charts refer to.
    pub table: String,
    /// Paragraphs printed before the heading.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    /// The heading (`###`).
    pub title: String,
    /// The group column's heading, when rows have groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The x column's heading.
    pub x: String,
    /// What each series' cell shows (a grid).
    #[serde(default)]
    pub cell: Figure,
    /// The ratio columns, in order (a grid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratios: Vec<Ratio>,
    /// The series that is the ideal (a grid): every other series' cell shows its share of it
    /// (`194.6 · 100%`), and charts draw it as a grey band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideal: Option<String>,
    /// The columns of a list table, one line per row in order; when empty, the table is a grid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
}

impl TableSpec {
    /// A grid `table` titled `title`, its x column headed `x` and its cells showing `cell`.
    pub fn grid(table: &str, title: &str, x: &str, cell: Figure) -> Self {
        TableSpec {
            table: table.to_owned(),
            intro: String::new(),
            title: title.to_owned(),
            group: None,
            x: x.to_owned(),
            cell,
            ratios: Vec::new(),
            ideal: None,
            columns: Vec::new(),
        }
    }

    /// A list `table` titled `title`, with `columns`.
    pub fn list(table: &str, title: &str, columns: Vec<Column>) -> Self {
        TableSpec {
            columns,
            ..TableSpec::grid(table, title, "", Figure::Rate)
        }
    }

    /// The same table with the ratio columns `ratios`.
    #[must_use]
    pub fn with_ratios(self, ratios: Vec<Ratio>) -> Self {
        TableSpec { ratios, ..self }
    }

    /// The same table with its intro.
    #[must_use]
    pub fn with_intro(self, intro: impl Into<String>) -> Self {
        TableSpec {
            intro: intro.into(),
            ..self
        }
    }
}

/// One line of a rows file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line {
    /// A table's description.
    Table(TableSpec),
    /// Series that did not run.
    Skipped(Skipped),
    /// A measured case.
    Row(Row),
}

impl Line {
    /// Go's `series` in `table` did not run, because of `why`.
    pub fn go_skipped(table: &str, series: &[&str], why: &str) -> Self {
        Line::Skipped(Skipped {
            table: table.to_owned(),
            lang: Lang::Go,
            series: series.iter().map(|&s| s.to_owned()).collect(),
            skipped: why.to_owned(),
        })
    }
}

/// The heading of the column that shows the least busy Rust contender's cores busy.
pub const CORES_BUSY_RUST: &str = "cores busy, Rust (least)";
/// The heading of the column that shows the least busy Go contender's cores busy.
pub const CORES_BUSY_GO: &str = "cores busy, Go (least)";

/// The lines of a rows file, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    lines: Vec<Line>,
}

impl Rows {
    /// A table: `spec`, its `rows`, and the skip of Go's `go_series` when Go was asked for but is
    /// not installed (see [`go_skipped`]).
    pub fn table(
        spec: TableSpec,
        rows: impl IntoIterator<Item = Row>,
        go: &GoRows,
        go_series: &[&str],
    ) -> Self {
        let skip = go_skipped(go, &spec.table, go_series);
        let mut out = Rows::default();
        out.push(Line::Table(spec)).extend(rows);
        out.lines.extend(skip);
        out
    }

    /// Appends a line.
    pub fn push(&mut self, line: Line) -> &mut Self {
        self.lines.push(line);
        self
    }

    /// Appends rows.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = Row>) -> &mut Self {
        self.lines.extend(rows.into_iter().map(Line::Row));
        self
    }

    /// Sets the first table's [intro](TableSpec::intro).
    pub fn set_intro(&mut self, text: impl Into<String>) {
        if let Some(Line::Table(t)) = self.lines.iter_mut().find(|l| matches!(l, Line::Table(_))) {
            t.intro = text.into();
        }
    }

    /// Every line.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Reads JSON lines (blank lines and lines starting with `#` are skipped).
    ///
    /// # Errors
    /// Names the first line that is not a record, and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let record = serde_json::from_str(line).map_err(|e| {
                format!("line {}: {line:?} is not a table, row or skip: {e}", i + 1)
            })?;
            lines.push(record);
        }
        Ok(Rows { lines })
    }

    /// Reads a rows file.
    ///
    /// # Errors
    /// Names the file, and the line as [`Rows::parse`].
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Rows::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The tables described, in order.
    pub fn tables(&self) -> impl Iterator<Item = &TableSpec> {
        self.lines.iter().filter_map(|l| match l {
            Line::Table(t) => Some(t),
            _ => None,
        })
    }

    /// The rows of `table`, in order.
    pub fn rows<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.lines.iter().filter_map(move |l| match l {
            Line::Row(r) if r.table == table => Some(r),
            _ => None,
        })
    }

    /// The skips of `table`.
    pub fn skipped<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Skipped> + 'a {
        self.lines.iter().filter_map(move |l| match l {
            Line::Skipped(s) if s.table == table => Some(s),
            _ => None,
        })
    }

    /// Every table as Markdown: its intro, `### title`, the table, and a `SKIPPED` note.
    pub fn markdown(&self) -> String {
        self.tables().map(|t| self.table_markdown(t)).collect()
    }

    /// One table as Markdown: its intro, `### title`, the [grid](Self::grid) or the
    /// [list](Self::list), and a note under it naming why a language's series were `SKIPPED`.
    pub fn table_markdown(&self, spec: &TableSpec) -> String {
        let table = if spec.columns.is_empty() {
            self.grid(spec)
        } else {
            self.list(spec)
        };
        let mut out = format!("{}### {}\n\n{table}\n", paragraph(&spec.intro), spec.title,);
        for s in self.skipped(&spec.table) {
            let lang = match s.lang {
                Lang::Rust => "Rust",
                Lang::Go => "Go",
            };
            out.push_str(&format!("{lang} rows SKIPPED: {}.\n\n", s.skipped));
        }
        out
    }

    /// The Markdown list table of `spec`'s rows: one line per row, in order, one cell per
    /// [column](TableSpec::columns). A ratio whose other row is missing reads `SKIPPED` when that
    /// row's language was skipped, else `—`.
    pub fn list(&self, spec: &TableSpec) -> String {
        let rows: Vec<&Row> = self.rows(&spec.table).collect();
        let skipped = |lang: Lang| self.skipped(&spec.table).any(|s| s.lang == lang);
        let header: Vec<String> = spec.columns.iter().map(|c| c.header.clone()).collect();
        let mut out = markdown_line(&header);
        out.push_str(&format!("|{}\n", "---:|".repeat(header.len())));
        for r in &rows {
            let cells: Vec<String> = spec
                .columns
                .iter()
                .map(|c| match &c.show {
                    Show::Group => r.group.clone().unwrap_or_default(),
                    Show::Series => r.label(),
                    Show::X => r.x.as_ref().map_or_else(String::new, X::to_string),
                    Show::Figure(f) => f.cell(r),
                    Show::Versus(v) => match v.ratio(r, &rows) {
                        Some(x) if v.percent => format!("{:.0}", x * 100.0),
                        Some(x) => format!("{x:.2}"),
                        None if skipped(v.lang.unwrap_or(r.lang)) => SKIPPED.to_owned(),
                        None => "—".to_owned(),
                    },
                })
                .collect();
            out.push_str(&markdown_line(&cells));
        }
        out
    }

    /// The Markdown grid of `spec`'s rows (see [`TableSpec`]).
    pub fn grid(&self, spec: &TableSpec) -> String {
        let rows: Vec<&Row> = self.rows(&spec.table).collect();
        let skips: Vec<&Skipped> = self.skipped(&spec.table).collect();
        // The series' columns: Rust's in order of appearance, then Go's (skipped ones too).
        let mut series: Vec<(Lang, String)> = Vec::new();
        for lang in [Lang::Rust, Lang::Go] {
            let named = rows.iter().filter(|r| r.lang == lang).map(|r| &r.series);
            let skipped = skips
                .iter()
                .filter(|s| s.lang == lang)
                .flat_map(|s| &s.series);
            for name in named.chain(skipped) {
                if !series.iter().any(|(l, s)| *l == lang && s == name) {
                    series.push((lang, name.clone()));
                }
            }
        }
        let labels: Vec<String> = series.iter().map(|(l, s)| label(*l, s)).collect();
        let ratios: Vec<&Ratio> = spec
            .ratios
            .iter()
            .filter(|r| labels.contains(&r.of) && labels.contains(&r.over))
            .collect();
        let langs: Vec<Lang> = [Lang::Rust, Lang::Go]
            .into_iter()
            .filter(|&l| series.iter().any(|s| s.0 == l))
            .collect();
        let mut header: Vec<String> = spec.group.iter().cloned().collect();
        header.push(spec.x.clone());
        header.extend(labels.iter().cloned());
        header.extend(ratios.iter().map(|r| r.header.clone()));
        header.extend(langs.iter().map(|l| match l {
            Lang::Rust => CORES_BUSY_RUST.to_owned(),
            Lang::Go => CORES_BUSY_GO.to_owned(),
        }));
        let mut keys: Vec<(Option<&String>, Option<&X>)> = Vec::new();
        for r in &rows {
            if !keys.contains(&(r.group.as_ref(), r.x.as_ref())) {
                keys.push((r.group.as_ref(), r.x.as_ref()));
            }
        }
        let mut out = markdown_line(&header);
        out.push_str(&format!("|{}\n", "---:|".repeat(header.len())));
        for (group, x) in keys {
            let at: Vec<&Row> = rows
                .iter()
                .copied()
                .filter(|r| (r.group.as_ref(), r.x.as_ref()) == (group, x))
                .collect();
            let find = |label: &str| at.iter().find(|r| r.label() == label);
            let figure = |label: &str| find(label).map(|r| r.rate());
            let mut cells: Vec<String> = group.into_iter().cloned().collect();
            cells.push(x.map_or_else(String::new, X::to_string));
            let ideal = spec.ideal.as_deref().and_then(figure);
            for (lang, label) in series.iter().map(|s| s.0).zip(&labels) {
                cells.push(match (find(label), lang) {
                    (Some(r), _) => match ideal {
                        Some(ideal) if spec.ideal.as_ref() != Some(label) => {
                            format!("{} · {:.0}%", spec.cell.cell(r), r.rate() / ideal * 100.0)
                        }
                        _ => spec.cell.cell(r),
                    },
                    (None, _) if skips.iter().any(|s| s.lang == lang) => SKIPPED.to_owned(),
                    (None, _) => "—".to_owned(),
                });
            }
            for ratio in &ratios {
                cells.push(match (figure(&ratio.of), figure(&ratio.over)) {
                    (Some(of), Some(over)) => format!("{:.2}", of / over),
                    _ => SKIPPED.to_owned(),
                });
            }
            for &lang in &langs {
                let least = at
                    .iter()
                    .filter(|r| r.lang == lang && spec.ideal.as_ref() != Some(&r.label()))
                    .min_by(|a, b| a.sample().cores_busy().total_cmp(&b.sample().cores_busy()));
                cells.push(least.map_or_else(|| SKIPPED.to_owned(), |r| r.cores_busy_cell()));
            }
            out.push_str(&markdown_line(&cells));
        }
        out
    }
}

/// A Markdown table line of `cells`.
fn markdown_line(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// `text` and a blank line, or nothing.
fn paragraph(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{}\n\n", text.trim_end())
    }
}

/// The environment variable that names a measure example's rows file (`cargo xtask bench` sets it
/// to `<target>/bench/<day>.jsonl`).
pub const ROWS: &str = "BENCH_ROWS";

/// Where a measure example's rows go: the file named by [`ROWS`], or stdout as Markdown tables.
#[derive(Debug)]
pub struct Writer {
    file: Option<BufWriter<File>>,
}

impl Writer {
    /// Writes to `path` (created, with its directory; emptied first), or prints Markdown when
    /// `None`.
    ///
    /// # Errors
    /// When the file or its directory cannot be created.
    pub fn new(path: Option<&Path>) -> io::Result<Self> {
        let file = match path {
            None => None,
            Some(path) => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir)?;
                }
                Some(BufWriter::new(File::create(path)?))
            }
        };
        Ok(Writer { file })
    }

    /// Writes to the file named by [`ROWS`], or prints Markdown when it is not set.
    ///
    /// # Errors
    /// As [`Writer::new`].
    pub fn from_env() -> io::Result<Self> {
        Writer::new(std::env::var_os(ROWS).map(PathBuf::from).as_deref())
    }

    /// Writes `rows` (a table and its rows): to the file, flushed, so a later failure keeps them;
    /// or as Markdown on stdout.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&mut self, rows: &Rows) -> io::Result<()> {
        match &mut self.file {
            Some(file) => {
                for line in rows.lines() {
                    serde_json::to_writer(&mut *file, line)?;
                    file.write_all(b"\n")?;
                }
                file.flush()
            }
            None => {
                let mut out = io::stdout().lock();
                out.write_all(rows.markdown().as_bytes())?;
                out.flush()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(wall_ms: u64, cpu_ms: u64) -> Sample {
        Sample {
            wall: Duration::from_millis(wall_ms),
            cpu: Duration::from_millis(cpu_ms),
        }
    }

    fn spec() -> TableSpec {
        TableSpec {
            table: "maps".into(),
            intro: "Intro.".into(),
            title: "Maps".into(),
            group: Some("keys".into()),
            x: "threads".into(),
            cell: Figure::Rate,
            ideal: None,
            columns: Vec::new(),
            ratios: vec![
                Ratio {
                    header: "A × B".into(),
                    of: "A".into(),
                    over: "B".into(),
                },
                Ratio {
                    header: "A × Go A".into(),
                    of: "A".into(),
                    over: "Go A".into(),
                },
            ],
        }
    }

    fn measured(with_go: Option<bool>) -> Rows {
        let mut rows = Rows::default();
        rows.push(Line::Table(spec()));
        for threads in [1, 2] {
            rows.extend([
                Row::new(
                    "maps",
                    "A",
                    threads,
                    2_000_000,
                    sample(100, 100 * threads as u64),
                )
                .in_group(&10),
                Row::new("maps", "B", threads, 1_000_000, sample(100, 100)).in_group(&10),
            ]);
            if with_go == Some(true) {
                let mut go = Row::new(
                    "maps",
                    "A",
                    threads,
                    4_000_000,
                    sample(1000, 1000 * threads as u64),
                );
                go.lang = Lang::Go;
                rows.extend([go.in_group(&10)]);
            }
        }
        if with_go == Some(false) {
            rows.push(Line::go_skipped("maps", &["A"], "`go` is not on PATH"));
        }
        rows
    }

    #[test]
    fn a_table_has_a_column_per_series_then_ratios_then_cores_busy() {
        let md = measured(Some(true)).markdown();
        let two_cores = std::thread::available_parallelism().map_or(1, usize::from) >= 2;
        let b_busy = if two_cores {
            "1.00 ⚠ threads did not overlap: rerun"
        } else {
            "1.00"
        };
        let want = format!(
            "Intro.\n\n### Maps\n\n\
             | keys | threads | A | B | Go A | A × B | A × Go A | {CORES_BUSY_RUST} | {CORES_BUSY_GO} |\n\
             |---:|---:|---:|---:|---:|---:|---:|---:|---:|\n\
             | 10 | 1 | 20.00 M | 10.00 M | 4.00 M | 2.00 | 5.00 | 1.00 | 1.00 |\n\
             | 10 | 2 | 20.00 M | 10.00 M | 4.00 M | 2.00 | 5.00 | {b_busy} | 2.00 |\n\n"
        );
        assert_eq!(md, want);
    }

    #[test]
    fn skipped_go_reads_skipped_with_the_reason_and_no_go_asked_has_no_go_columns() {
        let md = measured(Some(false)).markdown();
        assert!(
            md.contains(
                "| 10 | 1 | 20.00 M | 10.00 M | SKIPPED | 2.00 | SKIPPED | 1.00 | SKIPPED |"
            ),
            "{md}"
        );
        assert!(
            md.ends_with("\n\nGo rows SKIPPED: `go` is not on PATH.\n\n"),
            "{md}"
        );
        let md = measured(None).markdown();
        assert!(
            md.contains(&format!(
                "| keys | threads | A | B | A × B | {CORES_BUSY_RUST} |\n"
            )),
            "{md}"
        );
        assert!(!md.contains("Go") && !md.contains(SKIPPED), "{md}");
    }

    #[test]
    fn rows_round_trip_through_json_lines_and_a_go_line_is_a_row() {
        let rows = measured(Some(false));
        let dir = std::env::temp_dir().join(format!("rows-test-{}", std::process::id()));
        let path = dir.join("day.jsonl");
        Writer::new(Some(&path))
            .and_then(|mut w| w.write(&rows))
            .expect("written");
        assert_eq!(Rows::read(&path), Ok(rows));
        fs::remove_dir_all(&dir).expect("removed");
        // What go/timing prints: a row with no table, group or x yet.
        let go = Rows::parse(
            "# comment\n{\"series\":\"sync.Map\",\"lang\":\"go\",\"threads\":2,\"ops\":10,\"wall_ns\":5,\"cpu_ns\":7}\n",
        )
        .expect("a Go row");
        let [Line::Row(row)] = go.lines() else {
            panic!("{go:?}")
        };
        assert_eq!((row.lang, row.threads, row.x.clone()), (Lang::Go, 2, None));
        assert_eq!(row.label(), "Go sync.Map");
        let err = Rows::parse("{}\n{\"series\":\"a\",\"threads\":\"two\"}\n").unwrap_err();
        assert!(err.starts_with("line 1: "), "{err}");
    }
}
