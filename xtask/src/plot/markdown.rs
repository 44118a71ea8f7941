//! The days whose measure examples still print Markdown: their tables read back, cell by cell.
//!
//! [`tables`] reads the pipe tables and the heading above each; [`number`] reads a cell's leading
//! number (`12.3 M`, `1.500 µs`; times in ns). A [`Spec`] names the tables (by heading prefix), the
//! x column, and where the series are: a *long* table (a column naming the contender) or a
//! *pivoted* one (a column per contender). A row whose x cell starts with `Go:` is the Go twin of
//! the row above it. This module goes when every day writes rows (see the parent module).

use std::path::Path;

use anyhow::Result;

use super::{Drawn, Kind, Plot, Series, Skipped, UNNAMED, slug};

/// Draws every chart of [`SPECS`] for `day` from its measure example's Markdown output.
pub(crate) fn draw(day: &str, measure_output: &str, out_dir: &Path) -> Result<Drawn> {
    let tables = tables(measure_output);
    let plots = SPECS
        .iter()
        .filter(|s| super::is_for(s.day, day))
        .flat_map(|s| s.plots(day, &tables));
    super::write(plots, out_dir)
}

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

/// Headers that are never a pivoted table's contenders.
const NOT_CONTENDERS: [&str; 6] = ["×", "÷", "cores busy", "efficiency", "%", "ideal"];

/// The charts, day by day.
pub(crate) const SPECS: &[Spec] = &[
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

impl Spec {
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

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::plot::tests::{check_lines, read_svg};

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

    fn draw_one(day: &str, output: &str) -> (tempfile::TempDir, Drawn) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let drawn = draw(day, output, dir.path()).expect("drawn");
        (dir, drawn)
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

    /// Every measured page of a day still measured as Markdown, as `cargo xtask bench` wrote it,
    /// gives the day a chart.
    #[test]
    fn the_measured_pages_draw() {
        let measured = Path::new(env!("CARGO_MANIFEST_DIR")).join("../journal/measured");
        for day in [
            "day2-context",
            "day3-worker-pool",
            "day4-pipeline",
            "day5-wordcount",
        ] {
            let page = fs::read_to_string(measured.join(format!("{day}.md"))).expect("the page");
            let (_dir, drawn) = draw_one(day, &page);
            assert!(!drawn.charts.is_empty(), "{day}: {drawn:?}");
            for chart in &drawn.charts {
                assert!(!chart.series.is_empty());
                read_svg(&chart.file);
            }
        }
    }
}
