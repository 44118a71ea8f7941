//! Charts of the days' measured tables, for `cargo xtask bench`.
//!
//! Each day's measure example prints Markdown: headings (`### …`, `#### …`) and pipe tables.
//! [`tables`] reads them back (cells as strings) and [`number`] reads a cell's leading number
//! (`12.3 M`, `1.500 µs`, `1.00 ⚠ …`; times in ns). [`SPECS`] says which charts each day gets:
//! the tables (by heading prefix), the x column, and where the series come from — a *long*
//! table (one row per contender and x, a column naming the contender) or a *pivoted* one (one
//! row per x, one column per contender); a spec lists the forms it accepts and the first that
//! fits a table is drawn. A spec can split a table into one chart per value of a column (day 1's
//! key spaces) and add a grey reference series (day 3's ideal); a row whose x cell starts with
//! `Go:` is the Go twin of the row above it, drawn in a lighter shade of its colour.
//!
//! [`draw`] writes one SVG per chart with plotters' SVG backend, whose text is SVG `<text>` laid
//! out by the viewer: plotters is built without its font features, so no font files or system
//! libraries are needed. A chart whose table or columns are missing is skipped with the reason,
//! never a panic: the tables change more often than this file.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A chart written by [`draw`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    /// `<out_dir>/<day>-<chart>.svg`.
    pub(crate) file: PathBuf,
    /// The chart's title.
    pub(crate) title: String,
    /// The legend: one name per series drawn, in legend order.
    pub(crate) series: Vec<String>,
}

/// A chart of the day's specs that was not drawn, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Skipped {
    /// `<day>-<chart>`, the file name it would have had without `.svg`.
    pub(crate) chart: String,
    /// What was missing.
    pub(crate) reason: String,
}

/// What [`draw`] did for a day.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Drawn {
    /// The charts written.
    pub(crate) charts: Vec<Chart>,
    /// The charts skipped, with the reason.
    pub(crate) skipped: Vec<Skipped>,
}

/// Draws every chart of [`SPECS`] for `day` (a crate name such as `day1-sync-atomic`, or `day1`)
/// from the measure example's output, into `out_dir/<day>-<chart>.svg`. Errors are I/O and
/// drawing errors only; a chart whose table or columns are missing is in [`Drawn::skipped`].
pub(crate) fn draw(day: &str, measure_output: &str, out_dir: &Path) -> Result<Drawn> {
    let tables = tables(measure_output);
    let mut drawn = Drawn::default();
    for spec in SPECS.iter().filter(|s| s.is_for(day)) {
        for plot in spec.plots(day, &tables) {
            let plot = match plot {
                Ok(plot) => plot,
                Err(skipped) => {
                    drawn.skipped.push(skipped);
                    continue;
                }
            };
            fs::create_dir_all(out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
            let file = out_dir.join(format!("{}.svg", plot.stem));
            let svg = render(&plot).with_context(|| format!("drawing {}", plot.stem))?;
            fs::write(&file, svg).with_context(|| format!("writing {}", file.display()))?;
            drawn.charts.push(Chart {
                file,
                title: plot.title,
                series: plot.series.into_iter().map(|s| s.name).collect(),
            });
        }
    }
    Ok(drawn)
}

// ---------------------------------------------------------------------------------------------
// Reading the tables.

/// A Markdown pipe table and the heading above it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// The last heading before the table, without its `#`s (empty if there was none).
    pub(crate) heading: String,
    /// The header cells.
    pub(crate) header: Vec<String>,
    /// The body rows, each as long as the header (missing cells are empty).
    pub(crate) rows: Vec<Vec<String>>,
}

/// Every pipe table in `markdown`, with the heading it sits under.
pub(crate) fn tables(markdown: &str) -> Vec<Table> {
    let mut found = Vec::new();
    let mut heading = String::new();
    let mut lines = markdown.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_owned();
        } else if line.starts_with('|') {
            let header = cells(line);
            let mut rows = Vec::new();
            while let Some(next) = lines.next_if(|l| l.starts_with('|')) {
                let mut row = cells(next);
                if row.iter().all(|c| is_delimiter(c)) {
                    continue;
                }
                row.resize(header.len(), String::new());
                rows.push(row);
            }
            found.push(Table {
                heading: heading.clone(),
                header,
                rows,
            });
        }
    }
    found
}

/// The cells of a table line: split on `|` (not `\|`), trimmed.
fn cells(line: &str) -> Vec<String> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('|') => cells.last_mut().expect("one cell").push('|'),
                Some(other) => cells.last_mut().expect("one cell").extend(['\\', other]),
                None => cells.last_mut().expect("one cell").push('\\'),
            },
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// `---`, `:---:`, `---:`: the line under the header.
fn is_delimiter(cell: &str) -> bool {
    cell.contains('-') && cell.chars().all(|c| matches!(c, '-' | ':'))
}

/// A cell's leading number, scaled by the SI prefix or time unit after it: `12.3 M` → 12.3e6,
/// `850.0 k`, `1.23 G`, `42.0`, `85`, `99%`, `1.82×`; times in ns (`56 ns`, `1.500 µs`,
/// `3.2 ms`, `1.2 s`, `12.3µs`); other text after the number is a note (`1.00 ⚠ threads did not
/// overlap: rerun` → 1.0). `None` when the cell does not start with a number (`SKIPPED`, `—`).
pub(crate) fn number(cell: &str) -> Option<f64> {
    let s = cell.trim();
    let digits_end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
        .map_or(s.len(), |(i, _)| i);
    let (digits, rest) = s.split_at(digits_end);
    if !digits.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    let unit = rest.split_whitespace().next().unwrap_or("");
    let scale = match unit {
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "ns" => 1.0,
        "µs" | "μs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => 1.0,
    };
    Some(value * scale)
}

/// A cell as a label: without Markdown backticks.
fn label(cell: &str) -> String {
    cell.replace('`', "").trim().to_owned()
}

// ---------------------------------------------------------------------------------------------
// What to draw.

/// One chart (or one per value of [`Spec::split`], or per table read) of a day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// `day1` … `day5`: the crate names start with it.
    pub(crate) day: &'static str,
    /// The chart's part of the file name: `<day>-<name>.svg`.
    pub(crate) name: &'static str,
    /// The chart's title (the split value or the table's heading is added to it).
    pub(crate) title: &'static str,
    /// Lines or bars.
    pub(crate) kind: Kind,
    /// The tables: those whose heading starts with one of these (`""`: any table).
    pub(crate) headings: &'static [&'static str],
    /// One chart per distinct value of this column, when the table has it.
    pub(crate) split: Option<&'static str>,
    /// The forms of the table this chart reads, tried in order.
    pub(crate) forms: &'static [Form],
    /// A reference series drawn as a grey band, one value per x: (column, legend name). Drawn
    /// when the table has the column.
    pub(crate) extra: Option<(&'static str, &'static str)>,
    /// The x axis's description.
    pub(crate) x_label: &'static str,
    /// The value axis's description, with its unit.
    pub(crate) y_label: &'static str,
    /// A logarithmic value axis.
    pub(crate) log: bool,
    /// The values are times (read in ns): the axis shows `ns`, `µs`, `ms`, `s`.
    pub(crate) times: bool,
}

/// How a chart shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A line with markers per series over the x values (in the table's order, or ascending
    /// when they are numbers).
    Lines,
    /// Horizontal bars: one group per x value (read top to bottom), one bar per series.
    Bars,
}

/// A shape of table a chart can read.
///
/// In either shape a row whose x cell starts with `Go:` is the Go twin of the row above it: it
/// takes that row's x, and its series is the Go one (`Go` before the series' name).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Form {
    /// The x column.
    pub(crate) x: &'static str,
    /// When set, the x value is the number after this text in the x column's cell (`--jobs 2`),
    /// and rows without it are baselines drawn as flat grey bands.
    pub(crate) x_after: Option<&'static str>,
    /// Where the series are.
    pub(crate) ys: Ys,
}

/// Where a chart's series are.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ys {
    /// A long table: one series per distinct value of column `series`, values from column `y`.
    Long {
        /// The column naming the series.
        series: &'static str,
        /// The column of values.
        y: &'static str,
    },
    /// A pivoted table: one series per column whose header contains `keep` (`""`: any), except
    /// the x, split and extra columns, ratios (`×`, `÷`), cores busy, efficiencies and
    /// percentages, and columns with no number. The series' names are the headers without
    /// `keep` and `strip`; when nothing is left the contender is ours, "Rust" (named by its
    /// header when it is the only series).
    Pivot {
        /// Only headers containing this.
        keep: &'static str,
        /// Removed from the series' names too.
        strip: &'static [&'static str],
    },
}

impl Form {
    /// A long table: x from column `x`, one series per value of column `series`, values from
    /// column `y`.
    const fn long(x: &'static str, series: &'static str, y: &'static str) -> Self {
        Form {
            x,
            x_after: None,
            ys: Ys::Long { series, y },
        }
    }

    /// A pivoted table: x from column `x`, one series per contender column ([`Ys::Pivot`]).
    const fn pivot(x: &'static str, keep: &'static str, strip: &'static [&'static str]) -> Self {
        Form {
            x,
            x_after: None,
            ys: Ys::Pivot { keep, strip },
        }
    }

    /// The x value is the number after `marker` in the x cell ([`Form::x_after`]).
    const fn x_after(self, marker: &'static str) -> Self {
        Form {
            x_after: Some(marker),
            ..self
        }
    }
}

impl Spec {
    /// A chart of `day`'s, `<day>-<name>.svg`, reading any table in `forms`' shapes.
    const fn new(
        day: &'static str,
        name: &'static str,
        title: &'static str,
        kind: Kind,
        forms: &'static [Form],
    ) -> Self {
        Spec {
            day,
            name,
            title,
            kind,
            headings: &[""],
            split: None,
            forms,
            extra: None,
            x_label: "",
            y_label: "",
            log: false,
            times: false,
        }
    }

    /// Reads the tables under headings starting with one of `headings`.
    const fn under(self, headings: &'static [&'static str]) -> Self {
        Spec { headings, ..self }
    }

    /// One chart per distinct value of `column`.
    const fn split_by(self, column: &'static str) -> Self {
        Spec {
            split: Some(column),
            ..self
        }
    }

    /// A grey reference series `name` from `column` ([`Spec::extra`]).
    const fn reference(self, column: &'static str, name: &'static str) -> Self {
        Spec {
            extra: Some((column, name)),
            ..self
        }
    }

    /// The axes' descriptions.
    const fn axes(self, x_label: &'static str, y_label: &'static str) -> Self {
        Spec {
            x_label,
            y_label,
            ..self
        }
    }

    /// A logarithmic value axis.
    const fn log(self) -> Self {
        Spec { log: true, ..self }
    }

    /// Values that are times, in ns.
    const fn times(self) -> Self {
        Spec {
            times: true,
            ..self
        }
    }
}

/// A pivoted contender whose header is only the kept text: ours, beside named others (`Go …`).
const UNNAMED: &str = "Rust";

/// Headers that are never a pivoted table's contenders.
const NOT_CONTENDERS: [&str; 6] = ["×", "÷", "cores busy", "efficiency", "%", "ideal"];

/// The charts, day by day.
pub(crate) const SPECS: &[Spec] = &[
    // Day 1: ops/s by threads for every map (Go's too), one chart per key space.
    Spec::new(
        "day1",
        "maps",
        "Day 1: maps, 90 % reads / 10 % writes",
        Kind::Lines,
        &[
            Form::long("threads", "map", "ops/s"),
            Form::pivot("threads", "", &["ops/s"]),
        ],
    )
    .under(&["90 % reads"])
    .split_by("keys")
    .axes("threads", "operations per second (higher is better)"),
    Spec::new(
        "day1",
        "counters",
        "Day 1: counting",
        Kind::Lines,
        &[
            Form::long("threads", "counter", "increments/s"),
            Form::pivot("threads", "", &["increments/s"]),
        ],
    )
    .under(&["Counting"])
    .axes("threads", "increments per second (log, higher is better)")
    .log(),
    Spec::new(
        "day1",
        "stacks",
        "Day 1: stacks, push + pop",
        Kind::Lines,
        &[
            Form::long("threads", "stack", "push+pop/s"),
            Form::pivot("threads", "", &["push+pop rounds/s", "push+pop/s"]),
        ],
    )
    .under(&["Stack"])
    .axes("threads", "push + pop per second (higher is better)"),
    // Day 2: ns/op per operation, Rust beside Go.
    Spec::new(
        "day2",
        "operations",
        "Day 2: what one context operation costs",
        Kind::Bars,
        &[Form::pivot("operation", "ns/op", &[])],
    )
    .under(&["One context"])
    .axes("operation", "time per operation (log, lower is better)")
    .log()
    .times(),
    Spec::new(
        "day2",
        "shared-parent",
        "Day 2: threads deriving from one parent",
        Kind::Lines,
        &[
            Form::long("threads", "API", "derive+cancel/s"),
            Form::pivot("threads", "", &["derive+cancel/s"]),
        ],
    )
    .under(&["Many threads, one parent"])
    .axes("threads", "derive + cancel per second (higher is better)"),
    Spec::new(
        "day2",
        "fan-out",
        "Day 2: one cancel waking N waiters",
        Kind::Lines,
        &[Form::pivot("waiters", "", &[])],
    )
    .under(&["Fan-out"])
    .axes(
        "threads or tasks waiting on the context",
        "time until the last woke (log, lower is better)",
    )
    .log()
    .times(),
    // Day 3: jobs/s by pool size against the ideal, sleeping jobs apart from spinning ones.
    Spec::new(
        "day3",
        "pool-size",
        "Day 3: throughput by pool size",
        Kind::Lines,
        &[Form::pivot("workers", "", &["jobs/s"])],
    )
    .under(&["Sleeping jobs", "Spinning jobs"])
    .split_by("jobs")
    .reference("ideal jobs/s", "ideal")
    .axes("workers (pool size)", "jobs per second (higher is better)"),
    // Day 4: × sequential, then the cost per item by batch size and by channel capacity.
    Spec::new(
        "day4",
        "cpu-bound",
        "Day 4: CPU-bound stage, speed-up over the sequential loop",
        Kind::Bars,
        &[Form::pivot("computation", "× sequential", &[])],
    )
    .under(&["CPU-bound"])
    .axes(
        "computation",
        "× sequential, same language (higher is better)",
    ),
    Spec::new(
        "day4",
        "batch",
        "Day 4: trivial stage, items per second by batch size",
        Kind::Lines,
        &[Form::pivot("messages", "items/s", &[])],
    )
    .under(&["Trivial stage"])
    .axes(
        "messages on the channel",
        "items per second (log, higher is better)",
    )
    .log(),
    Spec::new(
        "day4",
        "capacity",
        "Day 4: trivial stage, cost per item by channel capacity",
        Kind::Lines,
        &[Form::pivot("capacity", "ns/item", &[])],
    )
    .under(&["Channel capacity"])
    .axes("channel capacity", "time per item (log, lower is better)")
    .log()
    .times(),
    // Day 5: MB/s by --jobs, Rust and Go, against the single-threaded baselines.
    Spec::new(
        "day5",
        "jobs",
        "Day 5: word count, MB/s by jobs",
        Kind::Lines,
        &[Form::long("counter", "counter", "MB/s").x_after("jobs")],
    )
    .split_by("input")
    .axes("--jobs (worker threads)", "MB/s (higher is better)"),
];

/// A chart's data, ready to draw.
#[derive(Debug, Clone, PartialEq)]
struct Plot {
    /// `<day>-<name>[-<split>][-<n>]`.
    stem: String,
    title: String,
    x_label: &'static str,
    y_label: &'static str,
    log: bool,
    /// Values in ns, shown as times.
    times: bool,
    kind: Kind,
    /// The x values' labels, in axis order (for bars: top to bottom).
    categories: Vec<String>,
    series: Vec<Series>,
}

/// One line (or one colour of bars).
#[derive(Debug, Clone, PartialEq)]
struct Series {
    name: String,
    /// (index into the categories, value).
    points: Vec<(usize, f64)>,
    /// Drawn as a wide grey band under the others: an ideal or a baseline.
    reference: bool,
}

/// A table's column by name: the header equal to it (ignoring case and backticks), else the
/// first header starting with it.
fn column(table: &Table, name: &str) -> Option<usize> {
    let name = name.to_lowercase();
    let headers: Vec<String> = table
        .header
        .iter()
        .map(|h| label(h).to_lowercase())
        .collect();
    headers
        .iter()
        .position(|h| *h == name)
        .or_else(|| headers.iter().position(|h| h.starts_with(&name)))
}

/// `Generated, 40 MB` → `generated-40-mb`.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

impl Spec {
    /// Whether this spec is one of `day`'s (`day1` or `day1-sync-atomic`).
    fn is_for(&self, day: &str) -> bool {
        day == self.day
            || day
                .strip_prefix(self.day)
                .is_some_and(|rest| rest.starts_with('-'))
    }

    /// The charts of this spec from `tables`: one per split value of each table it reads, or the
    /// reason it reads none.
    fn plots(&self, day: &str, tables: &[Table]) -> Vec<Result<Plot, Skipped>> {
        let stem = format!("{day}-{}", self.name);
        let skip = |reason: String| {
            vec![Err(Skipped {
                chart: stem.clone(),
                reason,
            })]
        };
        let candidates: Vec<&Table> = tables
            .iter()
            .filter(|t| {
                let heading = t.heading.to_lowercase();
                self.headings
                    .iter()
                    .any(|h| heading.starts_with(&h.to_lowercase()))
            })
            .collect();
        if candidates.is_empty() {
            return skip(format!(
                "no table under a heading starting with {}",
                self.headings
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
        // The tables that fit one of the forms; the first misfit's reason if none does.
        let mut fitting = Vec::new();
        let mut first_misfit = None;
        for table in candidates {
            match self.forms.iter().find(|f| f.fits(table).is_ok()) {
                Some(form) => fitting.push((table, form)),
                None => {
                    first_misfit.get_or_insert_with(|| {
                        let why: Vec<String> = self
                            .forms
                            .iter()
                            .filter_map(|f| f.fits(table).err())
                            .collect();
                        format!(
                            "the table under {:?} (columns: {}) has {}",
                            table.heading,
                            table.header.join(", "),
                            why.join("; nor ")
                        )
                    });
                }
            }
        }
        if fitting.is_empty() {
            return skip(first_misfit.unwrap_or_default());
        }
        // Several tables: each chart is named after its table's heading (numbered when the
        // headings do not tell them apart).
        let headings: Vec<&str> = fitting.iter().map(|(t, _)| t.heading.as_str()).collect();
        let by_heading = headings
            .iter()
            .enumerate()
            .all(|(i, h)| !slug(h).is_empty() && !headings[..i].contains(h));
        let several = fitting.len() > 1;
        let mut plots = Vec::new();
        for (n, (table, form)) in fitting.into_iter().enumerate() {
            let (stem, title) = match (several, by_heading) {
                (false, _) => (stem.clone(), self.title.to_owned()),
                (true, true) => (
                    format!("{stem}-{}", slug(&table.heading)),
                    format!("{} — {}", self.title, label(&table.heading)),
                ),
                (true, false) => (format!("{stem}-{}", n + 1), self.title.to_owned()),
            };
            let split = self.split.and_then(|s| column(table, s));
            let mut groups: Vec<(Option<String>, Vec<&Vec<String>>)> = Vec::new();
            for row in &table.rows {
                let key = split.map(|c| row[c].clone());
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, rows)) => rows.push(row),
                    None => groups.push((key, vec![row])),
                }
            }
            for (key, rows) in groups {
                let (stem, title) = match (key, split) {
                    (Some(value), Some(c)) => {
                        let value = label(&value);
                        let shown = if number(&value).is_some() {
                            format!("{} {value}", label(&table.header[c]))
                        } else {
                            value
                        };
                        (
                            format!("{stem}-{}", slug(&shown)),
                            format!("{title} — {shown}"),
                        )
                    }
                    _ => (stem.clone(), title.clone()),
                };
                let plot = self.plot(table, form, split, &rows, stem.clone(), title);
                plots.push(plot.map_err(|why| Skipped {
                    chart: stem,
                    reason: format!("the table under {:?} has {why}", table.heading),
                }));
            }
        }
        plots
    }

    /// The chart of `rows` (one split group of `table`), or what it lacks: a series with a value
    /// (or, for lines, two x values).
    fn plot(
        &self,
        table: &Table,
        form: &Form,
        split: Option<usize>,
        rows: &[&Vec<String>],
        stem: String,
        title: String,
    ) -> Result<Plot, &'static str> {
        const NO_NUMBER: &str = "no number to draw in the chart's columns";
        let x = column(table, form.x).ok_or(NO_NUMBER)?;
        // Each row's x (its label and, when numeric, its value) and whether it is a Go twin.
        let mut xs: Vec<Option<(String, Option<f64>)>> = Vec::new();
        let mut go: Vec<bool> = Vec::new();
        for row in rows {
            let cell = label(&row[x]);
            let twin = cell.starts_with("Go:");
            let own = match form.x_after {
                None => Some((cell.clone(), number(&cell))),
                Some(marker) => cell.rfind(marker).and_then(|at| {
                    let rest =
                        cell[at + marker.len()..].trim_start_matches(|c: char| !c.is_ascii_digit());
                    let value = number(rest)?;
                    Some((format!("{value}"), Some(value)))
                }),
            };
            let above = xs
                .iter()
                .zip(&go)
                .rev()
                .find(|(_, g)| !**g)
                .and_then(|(x, _)| x.clone());
            xs.push(if twin { above.or(own) } else { own });
            go.push(twin);
        }
        let mut keys: Vec<(String, Option<f64>)> = Vec::new();
        for key in xs.iter().flatten() {
            if !keys.iter().any(|k| k.0 == key.0) {
                keys.push(key.clone());
            }
        }
        if keys.iter().all(|k| k.1.is_some()) {
            keys.sort_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)));
        }
        let categories: Vec<String> = keys.into_iter().map(|k| k.0).collect();
        let index: Vec<Option<usize>> = xs
            .iter()
            .map(|x| {
                let key = &x.as_ref()?.0;
                categories.iter().position(|c| c == key)
            })
            .collect();
        // A Go twin's series: `Go` before the series' name.
        let named = |r: usize, name: String| match (go[r], name.as_str()) {
            (false, _) => name,
            (true, UNNAMED) => "Go".to_owned(),
            (true, _) => format!("Go {name}"),
        };

        let mut series: Vec<Series> = Vec::new();
        let add =
            |series: &mut Vec<Series>, name: String, point: Option<(usize, f64)>, reference| {
                let i = match series.iter().position(|s| s.name == name) {
                    Some(i) => i,
                    None => {
                        series.push(Series {
                            name,
                            points: Vec::new(),
                            reference,
                        });
                        series.len() - 1
                    }
                };
                if let Some(p) = point {
                    series[i].points.push(p);
                }
            };
        let extra = self
            .extra
            .and_then(|(col, name)| Some((column(table, col)?, name)));
        match form.ys {
            Ys::Long { series: s, y } => {
                let (s, y) = (
                    column(table, s).ok_or(NO_NUMBER)?,
                    column(table, y).ok_or(NO_NUMBER)?,
                );
                for (r, row) in rows.iter().enumerate() {
                    let mut name = label(&row[s]);
                    if let (Some(marker), true) = (form.x_after, s == x)
                        && let Some(at) = name.rfind(marker)
                    {
                        name = name[..at]
                            .trim_end_matches(|c: char| c == '-' || c.is_whitespace())
                            .to_owned();
                    }
                    let value = number(&row[y]);
                    match index[r] {
                        Some(i) => add(&mut series, name, value.map(|v| (i, v)), false),
                        // A baseline: flat across the chart.
                        None if form.x_after.is_some() => {
                            for i in 0..categories.len() {
                                add(&mut series, name.clone(), value.map(|v| (i, v)), true);
                            }
                        }
                        None => {}
                    }
                }
            }
            Ys::Pivot { keep, strip } => {
                let keep_lower = keep.to_lowercase();
                let mut unnamed_header = None;
                for (c, header) in table.header.iter().enumerate() {
                    let lower = header.to_lowercase();
                    let contender = c != x
                        && Some(c) != split
                        && Some(c) != extra.map(|e| e.0)
                        && lower.contains(&keep_lower)
                        && NOT_CONTENDERS
                            .iter()
                            .all(|n| keep.contains(n) || !lower.contains(n));
                    if !contender {
                        continue;
                    }
                    let mut name = label(header);
                    for text in std::iter::once(&keep).chain(strip) {
                        if !text.is_empty() {
                            name = name.replace(text, "");
                        }
                    }
                    let name = match name.trim() {
                        "" => {
                            unnamed_header.get_or_insert_with(|| label(header));
                            UNNAMED.to_owned()
                        }
                        trimmed => trimmed.to_owned(),
                    };
                    for (r, row) in rows.iter().enumerate() {
                        if let (Some(i), Some(v)) = (index[r], number(&row[c])) {
                            add(&mut series, named(r, name.clone()), Some((i, v)), false);
                        }
                    }
                }
                // Alone, the unmarked contender is named by its column.
                if let ([only], Some(header)) = (series.as_mut_slice(), unnamed_header)
                    && only.name == UNNAMED
                {
                    only.name = header;
                }
            }
        }
        if let Some((c, name)) = extra {
            for (r, row) in rows.iter().enumerate() {
                if let Some(i) = index[r]
                    && !go[r]
                    && !series
                        .iter()
                        .any(|s| s.name == name && s.points.iter().any(|p| p.0 == i))
                {
                    add(
                        &mut series,
                        name.to_owned(),
                        number(&row[c]).map(|v| (i, v)),
                        true,
                    );
                }
            }
        }
        if self.log {
            // A logarithmic axis has no place for zero or less.
            for s in &mut series {
                s.points.retain(|p| p.1 > 0.0);
            }
        }
        series.retain(|s| !s.points.is_empty());
        if series.iter().all(|s| s.reference) {
            return Err(NO_NUMBER);
        }
        if self.kind == Kind::Lines && categories.len() < 2 {
            return Err("one x value only: no line to draw");
        }
        // Ours first, then the references (ideal, baselines) last in the legend.
        series.sort_by_key(|s| s.reference);
        Ok(Plot {
            stem,
            title,
            x_label: self.x_label,
            y_label: self.y_label,
            log: self.log,
            times: self.times,
            kind: self.kind,
            categories,
            series,
        })
    }
}

impl Form {
    /// `Ok` if `table` has this form's columns, else what it lacks.
    fn fits(&self, table: &Table) -> Result<(), String> {
        let mut needed = vec![self.x];
        if let Ys::Long { series, y } = self.ys {
            needed.extend([series, y]);
        }
        let missing: Vec<String> = needed
            .into_iter()
            .filter(|c| column(table, c).is_none())
            .map(|c| format!("`{c}`"))
            .collect();
        if !missing.is_empty() {
            return Err(format!("no column {}", missing.join(", ")));
        }
        if let Ys::Pivot { keep, .. } = self.ys
            && !table
                .header
                .iter()
                .any(|h| h.to_lowercase().contains(&keep.to_lowercase()))
        {
            return Err(format!("no column containing `{keep}`"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing.

/// The whole picture, in pixels.
const SIZE: (u32, u32) = (960, 540);
/// Tableau 10, the contenders' colours in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0x4b, 0x4b, 0x4b),
];
/// `colour` halfway to white: a Go twin's shade.
fn lighter(colour: RGBColor) -> RGBColor {
    let mix = |c: u8| c + (255 - c) / 2;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Greys for the reference series (ideal, baselines).
const REFERENCE: [RGBColor; 3] = [
    RGBColor(0xcc, 0xcc, 0xcc),
    RGBColor(0x99, 0x99, 0x99),
    RGBColor(0xe6, 0xe6, 0xe6),
];
const FONT: &str = "sans-serif";
/// Labels on the value axis, at most (a logarithmic axis then labels its powers of ten only).
const VALUE_LABELS: usize = 6;

/// Rough width in pixels of `text` at `size` px (the viewer lays out the real text).
fn text_width(text: &str, size: u32) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    chars.saturating_mul(size) * 11 / 20
}

impl Plot {
    /// The series that `series[k]` is the Go twin of (`Go X` of `X`, `Go` of `Rust`), if any.
    fn twin_of(&self, k: usize) -> Option<usize> {
        let name = &self.series[k].name;
        let ours = if name == "Go" {
            UNNAMED
        } else {
            name.strip_prefix("Go ")?
        };
        self.series.iter().position(|s| s.name == ours)
    }

    /// Each series' colour: contenders from the palette, a Go twin in a lighter shade of its
    /// Rust series' colour, references in grey.
    fn colours(&self) -> Vec<RGBColor> {
        let mut colours = vec![BLACK; self.series.len()];
        let (mut ours, mut refs) = (PALETTE.iter().cycle(), REFERENCE.iter().cycle());
        for (k, s) in self.series.iter().enumerate() {
            if s.reference {
                colours[k] = *refs.next().expect("cycled");
            } else if self.twin_of(k).is_none() {
                colours[k] = *ours.next().expect("cycled");
            }
        }
        for k in 0..self.series.len() {
            if let Some(twin) = self.twin_of(k) {
                colours[k] = lighter(colours[twin]);
            }
        }
        colours
    }

    /// The value axis: from zero to a little above the greatest value, or (log) from the power
    /// of ten below the least to the one above the greatest.
    fn value_range(&self) -> Range<f64> {
        let values = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
        };
        let hi = values().fold(f64::MIN, f64::max);
        if self.log {
            // Out to whole powers of ten, where the axis has its labels (values are positive).
            let lo = values().fold(f64::MAX, f64::min);
            let below = 10f64.powf(lo.log10().floor());
            let above = 10f64.powf(hi.log10().ceil());
            below..above.max(below * 10.0)
        } else {
            0.0..if hi > 0.0 { hi * 1.1 } else { 1.0 }
        }
    }
}

/// The SVG of `plot`: title, the chart on the left, the legend on the right.
fn render(plot: &Plot) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(&plot.title, (FONT, 24))?;
        let legend_width = plot
            .series
            .iter()
            .map(|s| text_width(&s.name, 16) + 60)
            .max()
            .unwrap_or(0)
            .clamp(120, SIZE.0 / 3);
        let (chart_area, legend_area) = root.split_horizontally(SIZE.0 - legend_width);
        let colours = plot.colours();
        match plot.kind {
            Kind::Lines => {
                let builder = || {
                    let mut b = ChartBuilder::on(&chart_area);
                    b.margin(12).x_label_area_size(50).y_label_area_size(80);
                    b
                };
                let xs = -0.5..plot.categories.len() as f64 - 0.5;
                let ys = plot.value_range();
                if plot.log {
                    lines(
                        builder().build_cartesian_2d(xs, ys.log_scale())?,
                        plot,
                        &colours,
                    )?;
                } else {
                    lines(builder().build_cartesian_2d(xs, ys)?, plot, &colours)?;
                }
            }
            Kind::Bars => {
                let longest = plot.categories.iter().map(|c| text_width(c, 15)).max();
                let builder = || {
                    let mut b = ChartBuilder::on(&chart_area);
                    b.margin(12)
                        .x_label_area_size(50)
                        .y_label_area_size(longest.unwrap_or(0).clamp(60, SIZE.0 / 2) + 20);
                    b
                };
                let ys = -0.5..plot.categories.len() as f64 - 0.5;
                let xs = plot.value_range();
                if plot.log {
                    bars(
                        builder().build_cartesian_2d(xs.log_scale(), ys)?,
                        plot,
                        &colours,
                    )?;
                } else {
                    bars(builder().build_cartesian_2d(xs, ys)?, plot, &colours)?;
                }
            }
        }
        legend(&legend_area, plot, &colours)?;
        root.present()?;
    }
    Ok(svg)
}

/// An axis value, short: `12 M`, `850 k`, `1.5`; for times (in ns) `56 ns`, `1.5 µs`, `3 ms`.
fn axis_value(v: f64, times: bool) -> String {
    let units: [(f64, &str); 4] = if times {
        [(1e9, " s"), (1e6, " ms"), (1e3, " µs"), (1.0, " ns")]
    } else {
        [(1e9, " G"), (1e6, " M"), (1e3, " k"), (1.0, "")]
    };
    let (scale, suffix) = units
        .into_iter()
        .find(|&(scale, _)| v.abs() >= scale)
        .unwrap_or(units[3]);
    let text = format!("{:.2}", v / scale);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

/// The category at an axis position, if it is one (ticks between categories stay blank).
fn category(plot: &Plot, at: f64) -> String {
    let i = at.round();
    if (at - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    plot.categories.get(i as usize).cloned().unwrap_or_default()
}

/// The lines chart: categories along x, values up.
fn lines<'a, V>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, V>>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()>
where
    V: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(plot.categories.len())
        .y_labels(VALUE_LABELS)
        .x_label_formatter(&|x| category(plot, *x))
        .y_label_formatter(&|y| axis_value(*y, plot.times))
        .x_desc(plot.x_label)
        .y_desc(plot.y_label)
        .max_light_lines(1)
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()?;
    // References first, as wide light bands under the contenders' lines.
    let mut order: Vec<usize> = (0..plot.series.len()).collect();
    order.sort_by_key(|&k| !plot.series[k].reference);
    for k in order {
        let (s, colour) = (&plot.series[k], colours[k]);
        let points: Vec<(f64, f64)> = s.points.iter().map(|&(i, v)| (i as f64, v)).collect();
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            colour.stroke_width(line_width(s)),
        ))?;
        // Filled markers for ours, hollow ones for a Go twin.
        let marker = if plot.twin_of(k).is_some() {
            colour.stroke_width(2)
        } else {
            colour.filled()
        };
        if !s.reference {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, marker)))?;
        }
    }
    Ok(())
}

/// A series' line width: references are wide light bands.
fn line_width(s: &Series) -> u32 {
    if s.reference { 8 } else { 2 }
}

/// The bar chart: categories down the left (first on top), one bar per series in each.
fn bars<'a, V>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<V, RangedCoordf64>>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()>
where
    V: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let n = plot.categories.len();
    // Category i sits at y = n - 1 - i, so the first is on top.
    let top_down = |y: f64| n as f64 - 1.0 - y;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .x_labels(VALUE_LABELS)
        .y_label_formatter(&|y| category(plot, top_down(*y)))
        .x_label_formatter(&|x| axis_value(*x, plot.times))
        .x_desc(plot.y_label)
        .max_light_lines(1)
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()?;
    let base = plot.value_range().start;
    let band = 0.8 / plot.series.len() as f64;
    for (k, (s, &colour)) in plot.series.iter().zip(colours).enumerate() {
        chart.draw_series(s.points.iter().map(|&(i, v)| {
            let top = top_down(i as f64) + 0.4 - band * k as f64;
            Rectangle::new([(base, top), (v, top - band)], colour.filled())
        }))?;
    }
    Ok(())
}

/// The legend: a swatch (a short line, or a square for bars) and the name of each series.
fn legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    plot: &Plot,
    colours: &[RGBColor],
) -> Result<()> {
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let rows = (60..).step_by(24);
    for ((s, &colour), y) in plot.series.iter().zip(colours).zip(rows) {
        match plot.kind {
            Kind::Lines => area.draw(&PathElement::new(
                vec![(8, y), (36, y)],
                colour.stroke_width(line_width(s)),
            ))?,
            Kind::Bars => {
                area.draw(&Rectangle::new([(14, y - 6), (28, y + 6)], colour.filled()))?;
            }
        }
        area.draw(&Text::new(s.name.clone(), (44, y), style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_si_prefixes_and_time_units() {
        let cases: [(&str, Option<f64>); 20] = [
            ("12.3 M", Some(12.3e6)),
            ("850.0 k", Some(850e3)),
            ("42.0", Some(42.0)),
            ("1.23 G", Some(1.23e9)),
            ("56 ns", Some(56.0)),
            ("1.500 µs", Some(1500.0)),
            ("3.2 ms", Some(3.2e6)),
            ("1.2 s", Some(1.2e9)),
            ("12.3µs", Some(12_300.0)),
            ("85", Some(85.0)),
            ("1.00 ⚠ threads did not overlap: rerun", Some(1.0)),
            ("99%", Some(99.0)),
            ("1.82×", Some(1.82)),
            ("-3", Some(-3.0)),
            ("SKIPPED", None),
            ("—", None),
            ("–", None),
            ("", None),
            ("`Vec` of 16", None),
            (".", None),
        ];
        for (cell, want) in cases {
            let got = number(cell);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() <= w.abs() * 1e-9, "{cell:?}: {g}"),
                _ => assert_eq!(got, want, "{cell:?}"),
            }
        }
    }

    #[test]
    fn axis_values_are_short() {
        assert_eq!(axis_value(25e6, false), "25 M");
        assert_eq!(axis_value(1500.0, false), "1.5 k");
        assert_eq!(axis_value(0.5, false), "0.5");
        assert_eq!(axis_value(0.0, false), "0");
        assert_eq!(axis_value(58_056.0, true), "58.06 µs");
        assert_eq!(axis_value(20.0, true), "20 ns");
        assert_eq!(axis_value(3e6, true), "3 ms");
    }

    #[test]
    fn tables_keep_their_heading_and_cells() {
        let t = tables(
            "# Top\n\nintro\n\n### One\n\ntext\n\n| a | b \\| c |\n|---|---:|\n| 1 | `x` |\n| 2 |\n\n#### Two\n| z |\n|:-:|\n",
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].heading, "One");
        assert_eq!(t[0].header, ["a", "b | c"]);
        assert_eq!(t[0].rows, [vec!["1", "`x`"], vec!["2", ""]]);
        assert_eq!(t[1].heading, "Two");
        assert!(t[1].rows.is_empty());
    }

    /// Day 1's long 90/10 table as measured (journal/day1-sync-atomic.md), cut to two maps.
    const DAY1_LONG: &str = "\
### 90 % reads / 10 % writes, u64 keys (2000000 ops per thread, median of 5)

| keys | threads | map | ops/s | × RwLock<HashMap> | cores busy |
|---:|---:|---:|---:|---:|---:|
| 1000 | 1 | Mutex<HashMap> | 27.07 M | 0.76 | 1.00 |
| 1000 | 1 | RwLock<HashMap> | 35.73 M | 1.00 | 1.00 |
| 1000 | 2 | Mutex<HashMap> | 6.05 M | 0.61 | 1.96 |
| 1000 | 2 | RwLock<HashMap> | 9.88 M | 1.00 | 1.91 |
| 100000 | 1 | Mutex<HashMap> | 31.05 M | 1.04 | 1.00 |
| 100000 | 1 | RwLock<HashMap> | 29.72 M | 1.00 | 1.00 |
| 100000 | 2 | Mutex<HashMap> | 6.41 M | 0.81 | 1.83 |
| 100000 | 2 | RwLock<HashMap> | 7.92 M | 1.00 | 1.87 |
";

    /// The same table pivoted, with Go columns, ratios and flagged cores busy; Go skipped in the
    /// last row.
    const DAY1_PIVOTED: &str = "\
### 90 % reads / 10 % writes, u64 keys (2000000 ops per thread, median of 5)

| keys | threads | Mutex<HashMap> | ConcurrentMap (this crate) | Go sync.Map | Go map+RWMutex | ConcurrentMap × Go sync.Map | cores busy, Rust (least) | cores busy, Go (least) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 1000 | 1 | 27.07 M | 40.68 M | 20.1 M | 25.3 M | 2.02 | 1.00 | 1.00 |
| 1000 | 2 | 6.05 M | 31.85 M | 30.2 M | 8.1 M | 1.05 | 1.20 ⚠ threads did not overlap: rerun | 1.97 |
| 1000 | 4 | 7.28 M | 27.03 M | SKIPPED | SKIPPED | SKIPPED | 1.95 | SKIPPED |
";

    /// Day 2's single-thread table with Go columns (some operations without a Go twin).
    const DAY2_GO: &str = "\
### One context: derive and cancel (1 thread)

| operation | ns/op | ops/s | Go twin | Go ns/op | × Go |
|---:|---:|---:|---:|---:|---:|
| `Context::with_cancel` + `cancel` | 262 | 3.81 M | `WithCancel + cancel()` | 300 | 1.15 |
| `Context::with_value` | 81 | 12.39 M | `WithValue` | 40 | 0.49 |
| `CancellationToken::is_cancelled()` | 22 | 45.72 M | — | — | — |
";

    /// Day 3's throughput tables pivoted, one per workload, with the Go pool's column; each
    /// cell `jobs/s · efficiency · cores busy`.
    const DAY3_PIVOTED: &str = "\
### Throughput by pool size

Each cell: jobs/s · efficiency · cores busy.

#### Sleeping jobs (I/O-bound)

| workers | ideal jobs/s | day3 Pool | rayon ThreadPool | Go pool (goroutines) | × Go |
|---:|---:|---:|---:|---:|---:|
| 1 | 194.6 | 193.5 · 99% · 0.01 | 195.7 · 101% · 0.01 | 190.0 · 98% · 0.01 | 1.02 |
| 2 | 389.1 | 388.9 · 100% · 0.02 | 391.3 · 101% · 0.01 | 380.0 · 98% · 0.01 | 1.02 |

#### Spinning jobs (CPU-bound)

| workers | ideal jobs/s | day3 Pool | rayon ThreadPool | Go pool (goroutines) | × Go |
|---:|---:|---:|---:|---:|---:|
| 1 | 950.6 | 968.6 · 102% · 1.02 | 989.3 · 104% · 1.00 | SKIPPED | SKIPPED |
| 2 | 1.9 k | 1.9 k · 99% · 1.98 | 1.9 k · 102% · 1.98 ⚠ threads did not overlap: rerun | SKIPPED | SKIPPED |
";

    /// Day 4's capacity table with each Rust row's Go twin under it.
    const DAY4_TWINS: &str = "\
#### Channel capacity: throughput and memory (trivial stage)

| capacity | unbatched ns/item | cores busy | batch 64 ns/item | cores busy | items waiting, at most | channel memory |
|---:|---:|---:|---:|---:|---:|---:|
| 0 | 23874.0 | 1.43 | 379.1 | 1.49 | 0 / 0 | 0 B / 0 B |
| Go: 0 | 900.0 | 1.10 | 30.0 | 1.20 | 0 / 0 | 0 B / 0 B |
| 64 | 908.8 | 1.02 | 16.0 | 1.26 | 128 / 8192 | 2048 B / 69632 B |
| Go: 64 | 300.0 | 1.30 | 12.0 | 1.40 | 128 / 8192 | 1024 B / 49152 B |
";

    /// Day 5's table as measured (no heading), one input.
    const DAY5: &str = "\
Median of 5 runs, each a child process; 2 cores.

| input | counter | MB/s | wall ms | CPU ms | cores busy | peak RSS MiB | merge % of wall |
|---:|---:|---:|---:|---:|---:|---:|---:|
| generated, 40 MB, 1 file | naive (baseline) | 74 | 566 | 566 | 1.00 | 44.5 | – |
| generated, 40 MB, 1 file | sequential (baseline) | 271 | 155 | 155 | 1.00 | 4.5 | – |
| generated, 40 MB, 1 file | day5-wordcount --jobs 1 | 321 | 131 | 130 | 0.99 | 4.8 | 0.00 |
| generated, 40 MB, 1 file | day5-wordcount --jobs 2 | 567 | 74 | 137 | 1.86 | 6.5 | 1.83 |
| generated, 40 MB, 1 file | go/wc -jobs 1 | 250 | 160 | 160 | 1.00 | 9.0 | – |
| generated, 40 MB, 1 file | go/wc -jobs 2 | 420 | 95 | 170 | 1.80 | 11.0 | – |
";

    /// What a test reads back from a chart's SVG.
    #[derive(Debug)]
    struct Svg {
        /// The `<text>` contents.
        texts: Vec<String>,
        /// The strokes of the coloured (not black) polylines, in document order.
        line_strokes: Vec<String>,
        /// The fills of the rectangles that are neither white nor black (bars, legend swatches).
        bar_fills: Vec<String>,
    }

    fn read_svg(path: &Path) -> Svg {
        let text = fs::read_to_string(path).expect("the chart was written");
        let doc = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "the root element");
        let named = |name: &'static str| {
            root.descendants()
                .filter(move |n| n.is_element() && n.tag_name().name() == name)
        };
        let plain = |c: &str| matches!(c, "#000000" | "#FFFFFF");
        Svg {
            texts: named("text")
                .map(|n| n.text().unwrap_or_default().trim().to_owned())
                .collect(),
            line_strokes: named("polyline")
                .filter_map(|n| n.attribute("stroke"))
                .filter(|c| !plain(c))
                .map(str::to_owned)
                .collect(),
            bar_fills: named("rect")
                .filter_map(|n| n.attribute("fill"))
                .filter(|c| !plain(c))
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Checks a line chart's SVG: each series is one line in the plot and one swatch in the
    /// legend, each in its own colour, and its name is a legend text.
    fn check_lines(chart: &Chart) -> Svg {
        let svg = read_svg(&chart.file);
        let n = chart.series.len();
        assert_eq!(svg.line_strokes.len(), 2 * n, "{:?}: {svg:?}", chart.file);
        let mut colours = svg.line_strokes.clone();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), n, "one colour per series: {svg:?}");
        for name in &chart.series {
            assert!(
                svg.texts.contains(name),
                "legend {name:?} in {:?}",
                svg.texts
            );
        }
        assert!(svg.texts.contains(&chart.title), "the title");
        svg
    }

    fn draw_one(day: &str, output: &str) -> (tempfile::TempDir, Drawn) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let drawn = draw(day, output, dir.path()).expect("drawn");
        (dir, drawn)
    }

    #[test]
    fn a_long_table_gives_one_series_per_map_and_one_chart_per_key_space() {
        let (dir, drawn) = draw_one("day1-sync-atomic", DAY1_LONG);
        let skipped: Vec<&str> = drawn.skipped.iter().map(|s| s.chart.as_str()).collect();
        assert_eq!(
            skipped,
            ["day1-sync-atomic-counters", "day1-sync-atomic-stacks"]
        );
        let files: Vec<PathBuf> = drawn.charts.iter().map(|c| c.file.clone()).collect();
        assert_eq!(
            files,
            [
                dir.path().join("day1-sync-atomic-maps-keys-1000.svg"),
                dir.path().join("day1-sync-atomic-maps-keys-100000.svg"),
            ]
        );
        for chart in &drawn.charts {
            assert_eq!(chart.series, ["Mutex<HashMap>", "RwLock<HashMap>"]);
            let svg = check_lines(chart);
            for axis in [
                "threads",
                "1",
                "2",
                "operations per second (higher is better)",
            ] {
                assert!(svg.texts.iter().any(|t| t == axis), "{axis:?}");
            }
        }
        assert!(drawn.charts[1].title.ends_with("keys 100000"));
    }

    #[test]
    fn a_pivoted_table_gives_one_series_per_contender_column() {
        let (_dir, drawn) = draw_one("day1", DAY1_PIVOTED);
        assert_eq!(drawn.charts.len(), 1, "{drawn:?}");
        let chart = &drawn.charts[0];
        assert_eq!(
            chart.series,
            [
                "Mutex<HashMap>",
                "ConcurrentMap (this crate)",
                "Go sync.Map",
                "Go map+RWMutex"
            ]
        );
        let svg = check_lines(chart);
        assert!(svg.texts.iter().any(|t| t == "4"), "the x value without Go");
    }

    #[test]
    fn bars_for_each_operation_rust_beside_go() {
        let (_dir, drawn) = draw_one("day2-context", DAY2_GO);
        let chart = drawn
            .charts
            .iter()
            .find(|c| c.file.ends_with("day2-context-operations.svg"))
            .expect("the operations chart");
        assert_eq!(chart.series, ["Rust", "Go"]);
        let svg = read_svg(&chart.file);
        // 3 Rust bars, 2 Go bars (one operation has no twin), 2 legend swatches.
        assert_eq!(svg.bar_fills.len(), 3 + 2 + 2, "{svg:?}");
        for label in [
            "Context::with_cancel + cancel",
            "Context::with_value",
            "CancellationToken::is_cancelled()",
            "Rust",
            "Go",
        ] {
            assert!(svg.texts.iter().any(|t| t == label), "{label:?} in {svg:?}");
        }
        let skipped: Vec<&str> = drawn.skipped.iter().map(|s| s.chart.as_str()).collect();
        assert_eq!(
            skipped,
            ["day2-context-shared-parent", "day2-context-fan-out"],
            "no such tables"
        );
    }

    #[test]
    fn pivoted_pool_tables_give_one_chart_per_heading() {
        let (_dir, drawn) = draw_one("day3-worker-pool", DAY3_PIVOTED);
        let stems: Vec<String> = drawn
            .charts
            .iter()
            .map(|c| {
                c.file
                    .file_stem()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            stems,
            [
                "day3-worker-pool-pool-size-sleeping-jobs-i-o-bound",
                "day3-worker-pool-pool-size-spinning-jobs-cpu-bound"
            ]
        );
        assert_eq!(
            drawn.charts[0].series,
            [
                "day3 Pool",
                "rayon ThreadPool",
                "Go pool (goroutines)",
                "ideal"
            ]
        );
        // Go skipped: no Go series.
        assert_eq!(
            drawn.charts[1].series,
            ["day3 Pool", "rayon ThreadPool", "ideal"]
        );
        for chart in &drawn.charts {
            check_lines(chart);
        }
    }

    #[test]
    fn go_twin_rows_share_the_x_of_the_row_above() {
        let (_dir, drawn) = draw_one("day4-pipeline", DAY4_TWINS);
        assert_eq!(drawn.charts.len(), 1, "{drawn:?}");
        let chart = &drawn.charts[0];
        assert_eq!(
            chart.series,
            ["unbatched", "Go unbatched", "batch 64", "Go batch 64"]
        );
        let svg = check_lines(chart);
        assert!(!svg.texts.iter().any(|t| t.starts_with("Go:")), "{svg:?}");
        let plot = SPECS
            .iter()
            .find(|s| s.name == "capacity")
            .expect("the capacity spec")
            .plots("day4", &tables(DAY4_TWINS))
            .remove(0)
            .expect("a plot");
        assert_eq!(plot.categories, ["0", "64"]);
        assert_eq!(plot.series[1].points, [(0, 900.0), (1, 300.0)]);
    }

    #[test]
    fn jobs_come_from_the_counter_and_baselines_are_flat() {
        let (_dir, drawn) = draw_one("day5-wordcount", DAY5);
        assert_eq!(drawn.charts.len(), 1, "{drawn:?}");
        let chart = &drawn.charts[0];
        assert_eq!(
            chart.series,
            [
                "day5-wordcount",
                "go/wc",
                "naive (baseline)",
                "sequential (baseline)"
            ]
        );
        check_lines(chart);
        let tables = tables(DAY5);
        let plot = SPECS
            .iter()
            .find(|s| s.day == "day5")
            .expect("day 5's spec")
            .plots("day5", &tables)
            .remove(0)
            .expect("a plot");
        assert_eq!(plot.categories, ["1", "2"]);
        assert_eq!(plot.series[3].points, [(0, 271.0), (1, 271.0)]);
    }

    #[test]
    fn a_missing_column_or_table_skips_the_chart_with_the_reason() {
        let no_threads =
            DAY1_LONG.replace("| keys | threads | map |", "| keys | thread count | map |");
        let (dir, drawn) = draw_one("day1", &no_threads);
        assert!(drawn.charts.is_empty());
        let maps = &drawn.skipped[0];
        assert_eq!(maps.chart, "day1-maps");
        assert!(
            maps.reason.contains("no column `threads`"),
            "{}",
            maps.reason
        );
        assert!(
            drawn.skipped[1]
                .reason
                .contains("no table under a heading starting with \"Counting\""),
            "{drawn:?}"
        );
        assert_eq!(fs::read_dir(dir.path()).expect("the directory").count(), 0);
        // A table whose numbers are all missing is skipped too.
        let all_skipped: String = DAY1_LONG
            .lines()
            .map(
                |line| match line.split(" | ").collect::<Vec<_>>().as_slice() {
                    [keys, threads, map, ops, rest @ ..] if ops.ends_with(" M") => {
                        format!(
                            "{keys} | {threads} | {map} | SKIPPED | {}\n",
                            rest.join(" | ")
                        )
                    }
                    _ => format!("{line}\n"),
                },
            )
            .collect();
        let (_dir, drawn) = draw_one("day1", &all_skipped);
        assert!(drawn.charts.is_empty());
        assert!(drawn.skipped[0].reason.contains("no number"), "{drawn:?}");
        // A day without specs draws nothing.
        assert_eq!(draw_one("day9", DAY1_LONG).1, Drawn::default());
    }

    /// Every page's measured block, as `cargo xtask bench` wrote it, gives each day a chart.
    #[test]
    fn the_journal_pages_measured_blocks_draw() {
        let journal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../journal");
        for day in [
            "day1-sync-atomic",
            "day2-context",
            "day3-worker-pool",
            "day4-pipeline",
            "day5-wordcount",
        ] {
            let page = fs::read_to_string(journal.join(format!("{day}.md"))).expect("the page");
            let block = page
                .split_once("<!-- measured:begin -->")
                .and_then(|(_, rest)| rest.split_once("<!-- measured:end -->"))
                .map_or("", |(block, _)| block);
            let (_dir, drawn) = draw_one(day, block);
            assert!(!drawn.charts.is_empty(), "{day}: {drawn:?}");
            for chart in &drawn.charts {
                assert!(!chart.series.is_empty());
                read_svg(&chart.file);
            }
        }
    }
}
