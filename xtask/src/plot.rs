//! Charts of the days' measured rows, for `cargo xtask bench`.
//!
//! A chart is a [`Spec`]: a table of the day's rows file (see `labkit::rows`), its x axis (the
//! rows' x), what goes up ([`Y`], computed from each row's raw measurement) and the scale. Each
//! series of the table is a line; bars have one colour per language, one group of bars per x. A
//! table with groups (day 1's key spaces) gives one chart per group. The table's ideal series and
//! its rows without an x (baselines) are drawn as grey bands; a Go series whose Rust twin has the
//! same name is drawn in a lighter shade of its colour.
//!
//! [`draw`] writes one SVG per chart with plotters' SVG backend, whose text is SVG `<text>` laid
//! out by the viewer: plotters is built without its font features, so no font files or system
//! libraries are needed. A chart whose table is missing is skipped with the reason, never a panic.

mod svg;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use labkit::rows::{Figure, Lang, Row, Rows, TableSpec, Versus, X};
use svg::{Kind, Plot, Series, UNNAMED, render};

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

/// Draws every chart of [`SPECS`] for `day` (a crate name such as `day1-sync-atomic`) from its
/// rows, into `out_dir/<day>-<chart>.svg`. Errors are I/O and drawing errors only.
pub(crate) fn draw(day: &str, rows: &Rows, out_dir: &Path) -> Result<Drawn> {
    let plots = SPECS
        .iter()
        .filter(|s| is_for(s.day, day))
        .flat_map(|s| s.plots(day, rows));
    let mut drawn = Drawn::default();
    for plot in plots {
        let Ok(plot) = plot.map_err(|skipped| drawn.skipped.push(skipped)) else {
            continue;
        };
        fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
        let file = out_dir.join(format!("{}.svg", plot.stem));
        let svg = render(&plot).with_context(|| format!("drawing {}", plot.stem))?;
        fs::write(&file, svg).with_context(|| format!("writing {}", file.display()))?;
        drawn.charts.push(Chart {
            file,
            title: plot.title,
            series: plot.series.into_iter().map(|s| s.name).collect(),
        });
    }
    Ok(drawn)
}

/// Whether a spec of `spec_day` (`day1`) is one of `day`'s (`day1` or `day1-sync-atomic`).
fn is_for(spec_day: &str, day: &str) -> bool {
    day.strip_prefix(spec_day)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// What a chart's values are, computed from each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Y {
    /// Operations per second.
    Rate,
    /// Time per operation.
    NsPerOp,
    /// The run's wall time.
    Wall,
    /// Bytes per second, in MB.
    MbPerS,
    /// The row's rate over that of its language's row at this x: a speed-up.
    Over(&'static str),
}

impl Y {
    fn of(self, row: &Row, rows: &[&Row]) -> Option<f64> {
        let figure = match self {
            Y::Rate => Figure::Rate,
            Y::NsPerOp => Figure::NsPerOp,
            Y::Wall => Figure::Wall,
            Y::MbPerS => Figure::MbPerS,
            Y::Over(x) => return Versus::own(X::Name(x.to_owned())).ratio(row, rows),
        };
        figure.of(row)
    }
}

/// One chart of a day (one per group, when the table's rows have groups).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// `day1` … `day5`: the crate names start with it.
    pub(crate) day: &'static str,
    /// The rows' table, and the chart's part of the file name: `<day>-<table>.svg`.
    pub(crate) table: &'static str,
    /// The chart's title (the group is added to it).
    pub(crate) title: &'static str,
    /// Lines or bars.
    pub(crate) kind: Kind,
    /// The values.
    pub(crate) y: Y,
    /// A logarithmic value axis.
    pub(crate) log: bool,
    /// The x axis's description.
    pub(crate) x_label: &'static str,
    /// The value axis's description, with its unit.
    pub(crate) y_label: &'static str,
}

impl Spec {
    /// Lines of `y` over the rows' x, on a linear axis.
    const fn lines(
        day: &'static str,
        table: &'static str,
        title: &'static str,
        y: Y,
        axes: (&'static str, &'static str),
    ) -> Self {
        Spec {
            day,
            table,
            title,
            kind: Kind::Lines,
            y,
            log: false,
            x_label: axes.0,
            y_label: axes.1,
        }
    }

    /// Bars instead of lines.
    const fn bars(self) -> Self {
        Spec {
            kind: Kind::Bars,
            ..self
        }
    }

    /// A logarithmic value axis.
    const fn log(self) -> Self {
        Spec { log: true, ..self }
    }
}

/// The charts drawn from rows, day by day.
pub(crate) const SPECS: &[Spec] = &[
    Spec::lines(
        "day1",
        "maps",
        "Day 1: maps, 90 % reads / 10 % writes",
        Y::Rate,
        ("threads", "operations per second (higher is better)"),
    ),
    Spec::lines(
        "day1",
        "counters",
        "Day 1: counting",
        Y::Rate,
        ("threads", "increments per second (log, higher is better)"),
    )
    .log(),
    Spec::lines(
        "day1",
        "stacks",
        "Day 1: stacks, push + pop",
        Y::Rate,
        ("threads", "push + pop per second (higher is better)"),
    ),
    Spec::lines(
        "day2",
        "operations",
        "Day 2: what one context operation costs",
        Y::NsPerOp,
        ("operation", "time per operation (log, lower is better)"),
    )
    .bars()
    .log(),
    Spec::lines(
        "day2",
        "shared-parent",
        "Day 2: threads deriving from one parent",
        Y::Rate,
        ("threads", "derive + cancel per second (higher is better)"),
    ),
    Spec::lines(
        "day2",
        "fan-out",
        "Day 2: one cancel waking N waiters",
        Y::Wall,
        (
            "threads or tasks waiting on the context",
            "time until the last woke (log, lower is better)",
        ),
    )
    .log(),
    Spec::lines(
        "day3",
        "pool-size",
        "Day 3: throughput by pool size",
        Y::Rate,
        ("workers (pool size)", "jobs per second (higher is better)"),
    ),
    Spec::lines(
        "day4",
        "cpu-bound",
        "Day 4: CPU-bound stage, speed-up over the sequential loop",
        Y::Over("sequential loop"),
        (
            "computation",
            "× sequential, same language (higher is better)",
        ),
    )
    .bars(),
    Spec::lines(
        "day4",
        "batch",
        "Day 4: trivial stage, items per second by batch size",
        Y::Rate,
        (
            "items per message",
            "items per second (log, higher is better)",
        ),
    )
    .log(),
    Spec::lines(
        "day4",
        "capacity",
        "Day 4: trivial stage, cost per item by channel capacity",
        Y::NsPerOp,
        ("channel capacity", "time per item (log, lower is better)"),
    )
    .log(),
    Spec::lines(
        "day5",
        "jobs",
        "Day 5: word count, MB/s by jobs",
        Y::MbPerS,
        ("--jobs (worker threads)", "MB/s (higher is better)"),
    ),
];

impl Spec {
    /// The charts of this spec from `rows`: one per group of its table, or why there are none.
    fn plots(&self, day: &str, rows: &Rows) -> Vec<Result<Plot, Skipped>> {
        let stem = format!("{day}-{}", self.table);
        let Some(table) = rows.tables().find(|t| t.table == self.table) else {
            return vec![Err(Skipped {
                chart: stem,
                reason: format!("no table `{}` in the rows", self.table),
            })];
        };
        let all: Vec<&Row> = rows.rows(self.table).collect();
        let mut groups: Vec<Option<&String>> = Vec::new();
        for r in &all {
            if !groups.contains(&r.group.as_ref()) {
                groups.push(r.group.as_ref());
            }
        }
        if groups.is_empty() {
            groups.push(None);
        }
        let mut plots = Vec::new();
        for group in groups {
            let (stem, title) = match (group, &table.group) {
                (Some(value), header) => {
                    let shown = match header {
                        Some(h) => format!("{h} {value}"),
                        None => value.clone(),
                    };
                    (
                        format!("{stem}-{}", slug(&shown)),
                        format!("{} — {shown}", self.title),
                    )
                }
                (None, _) => (stem.clone(), self.title.to_owned()),
            };
            let rows: Vec<&Row> = all
                .iter()
                .copied()
                .filter(|r| r.group.as_ref() == group)
                .collect();
            plots.push(
                self.plot(table, &rows, stem.clone(), title)
                    .map_err(|reason| Skipped {
                        chart: stem,
                        reason: format!("table `{}`: {reason}", self.table),
                    }),
            );
        }
        plots
    }

    /// The chart of `rows` (one group of the table), or what it lacks.
    fn plot(
        &self,
        table: &TableSpec,
        rows: &[&Row],
        stem: String,
        title: String,
    ) -> Result<Plot, &'static str> {
        let mut categories: Vec<&X> = Vec::new();
        for x in rows.iter().filter_map(|r| r.x.as_ref()) {
            if !categories.contains(&x) {
                categories.push(x);
            }
        }
        if categories.iter().all(|x| matches!(x, X::Num(_))) {
            categories.sort();
        }
        let mut series: Vec<Series> = Vec::new();
        // Rust's series first, then Go's, as in the table.
        let by_lang = [Lang::Rust, Lang::Go].map(|l| rows.iter().filter(move |r| r.lang == l));
        for r in by_lang.into_iter().flatten() {
            let Some(y) = self.y.of(r, rows) else {
                continue;
            };
            if !(y.is_finite() && (!self.log || y > 0.0)) {
                continue;
            }
            // Bars: one series per language; lines: one per contender.
            let name = match (self.kind, r.lang) {
                (Kind::Bars, Lang::Rust) => UNNAMED.to_owned(),
                (Kind::Bars, Lang::Go) => "Go".to_owned(),
                (Kind::Lines, _) => r.label(),
            };
            // A row without an x is a baseline, flat across the chart.
            let points: Vec<(usize, f64)> = match &r.x {
                Some(x) => vec![(categories.iter().position(|c| *c == x).unwrap_or(0), y)],
                None => (0..categories.len()).map(|i| (i, y)).collect(),
            };
            let reference = r.x.is_none() || table.ideal.as_ref() == Some(&name);
            match series.iter_mut().find(|s| s.name == name) {
                Some(s) => s.points.extend(points),
                None => series.push(Series {
                    name,
                    points,
                    reference,
                }),
            }
        }
        if series.iter().all(|s| s.reference) {
            return Err("no number to draw");
        }
        if self.kind == Kind::Lines && categories.len() < 2 {
            return Err("one x value only: no line to draw");
        }
        // The references (ideal, baselines) last in the legend.
        series.sort_by_key(|s| s.reference);
        Ok(Plot {
            stem,
            title,
            x_label: self.x_label,
            y_label: self.y_label,
            log: self.log,
            times: matches!(self.y, Y::NsPerOp | Y::Wall),
            kind: self.kind,
            categories: categories.iter().map(|x| x.to_string()).collect(),
            series,
        })
    }
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
