//! Charts of the days' measured rows, for `cargo xtask bench`.
//!
//! A chart is a [`Spec`]: a table of the day's rows file (see `labkit::rows`), what goes up
//! ([`Y`], computed from each row's raw measurement) and the scale. Each series of the table is a
//! line (or a colour of bars); a table with groups (day 1's key spaces) gives one chart per group;
//! a reference series (an ideal) is drawn as a grey band; a Go series whose Rust twin has the same
//! name is drawn in a lighter shade of its colour. The days still measured as Markdown are read by
//! `markdown` until their measure examples write rows.
//!
//! [`draw`] writes one SVG per chart with plotters' SVG backend, whose text is SVG `<text>` laid
//! out by the viewer: plotters is built without its font features, so no font files or system
//! libraries are needed. A chart whose table is missing is skipped with the reason, never a panic.

mod markdown;
mod svg;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use labkit::rows::{Lang, Row, Rows, X};
use svg::render;

pub(crate) use markdown::draw as draw_markdown;

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
    write(plots, out_dir)
}

/// Writes each plot (or records why it was skipped).
fn write(plots: impl Iterator<Item = Result<Plot, Skipped>>, out_dir: &Path) -> Result<Drawn> {
    let mut drawn = Drawn::default();
    for plot in plots {
        let plot = match plot {
            Ok(plot) => plot,
            Err(skipped) => {
                drawn.skipped.push(skipped);
                continue;
            }
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
}

impl Y {
    fn of(self, row: &Row) -> f64 {
        match self {
            Y::Rate => row.rate(),
        }
    }
}

/// One chart of a day (one per group, when the table's rows have groups).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// `day1` … `day5`: the crate names start with it.
    pub(crate) day: &'static str,
    /// The rows' table.
    pub(crate) table: &'static str,
    /// The chart's part of the file name: `<day>-<name>.svg`.
    pub(crate) name: &'static str,
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

/// The charts drawn from rows, day by day.
pub(crate) const SPECS: &[Spec] = &[
    Spec {
        day: "day1",
        table: "maps",
        name: "maps",
        title: "Day 1: maps, 90 % reads / 10 % writes",
        kind: Kind::Lines,
        y: Y::Rate,
        log: false,
        x_label: "threads",
        y_label: "operations per second (higher is better)",
    },
    Spec {
        day: "day1",
        table: "counters",
        name: "counters",
        title: "Day 1: counting",
        kind: Kind::Lines,
        y: Y::Rate,
        log: true,
        x_label: "threads",
        y_label: "increments per second (log, higher is better)",
    },
    Spec {
        day: "day1",
        table: "stacks",
        name: "stacks",
        title: "Day 1: stacks, push + pop",
        kind: Kind::Lines,
        y: Y::Rate,
        log: false,
        x_label: "threads",
        y_label: "push + pop per second (higher is better)",
    },
];

impl Spec {
    /// The charts of this spec from `rows`: one per group of its table, or why there are none.
    fn plots(&self, day: &str, rows: &Rows) -> Vec<Result<Plot, Skipped>> {
        let stem = format!("{day}-{}", self.name);
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
        let groups = if groups.is_empty() {
            vec![None]
        } else {
            groups
        };
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
                self.plot(&rows, stem.clone(), title)
                    .map_err(|reason| Skipped {
                        chart: stem,
                        reason: format!("table `{}`: {reason}", self.table),
                    }),
            );
        }
        plots
    }

    /// The chart of `rows` (one group of the table), or what it lacks.
    fn plot(&self, rows: &[&Row], stem: String, title: String) -> Result<Plot, &'static str> {
        let mut categories: Vec<&X> = Vec::new();
        for r in rows {
            if let Some(x) = &r.x
                && !categories.contains(&x)
            {
                categories.push(x);
            }
        }
        if categories.iter().all(|x| matches!(x, X::Num(_))) {
            categories.sort_by_key(|x| match x {
                X::Num(n) => *n,
                X::Name(_) => 0,
            });
        }
        let mut series: Vec<Series> = Vec::new();
        // Rust's series first, then Go's, as in the table.
        let by_lang = [Lang::Rust, Lang::Go].map(|l| rows.iter().filter(move |r| r.lang == l));
        for r in by_lang.into_iter().flatten() {
            let name = r.label();
            let Some(i) =
                r.x.as_ref()
                    .and_then(|x| categories.iter().position(|c| *c == x))
            else {
                continue;
            };
            let y = self.y.of(r);
            if !(y.is_finite() && (!self.log || y > 0.0)) {
                continue;
            }
            match series.iter_mut().find(|s| s.name == name) {
                Some(s) => s.points.push((i, y)),
                None => series.push(Series {
                    name,
                    points: vec![(i, y)],
                    reference: false,
                }),
            }
        }
        if series.is_empty() {
            return Err("no number to draw");
        }
        if self.kind == Kind::Lines && categories.len() < 2 {
            return Err("one x value only: no line to draw");
        }
        Ok(Plot {
            stem,
            title,
            x_label: self.x_label,
            y_label: self.y_label,
            log: self.log,
            times: false,
            kind: self.kind,
            categories: categories.iter().map(|x| x.to_string()).collect(),
            series,
        })
    }
}

/// How a chart shows its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A line with markers per series over the x values.
    Lines,
    /// Horizontal bars: one group per x value (read top to bottom), one bar per series.
    Bars,
}

/// A chart's data, ready to draw.
#[derive(Debug, Clone, PartialEq)]
struct Plot {
    /// `<day>-<name>[-<group>]`.
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

/// A Markdown table's contender whose header is only the kept text: ours, beside named others
/// (`Go …`).
const UNNAMED: &str = "Rust";
