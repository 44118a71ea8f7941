//! The cells of the days' Markdown tables: [`Table`], rates with SI suffixes, ratios, and the
//! *cores busy* figure flagged when a row's threads did not overlap. A cell whose figure is missing
//! (Go not installed) reads [`SKIPPED`].

use std::fmt;
use std::thread;

use crate::go::SKIPPED;
use crate::measure::Sample;

/// The *cores busy* cell of a row whose `threads` threads compute (they do not sleep or block for
/// long): the figure, flagged when it is well below what those threads could keep busy,
/// `min(threads, cores)` — then the threads took turns on fewer cores than the row claims, and the
/// figure must not be quoted.
///
/// ```
/// use labkit::{Sample, cores_busy_cell};
/// use std::time::Duration;
/// let busy = |cpu_ms| Sample { wall: Duration::from_millis(100), cpu: Duration::from_millis(cpu_ms) };
/// assert_eq!(cores_busy_cell(&busy(100), 1), "1.00");
/// if std::thread::available_parallelism().map_or(1, usize::from) >= 2 {
///     assert_eq!(cores_busy_cell(&busy(190), 2), "1.90");
///     assert_eq!(cores_busy_cell(&busy(100), 2), "1.00 ⚠ threads did not overlap: rerun");
/// }
/// ```
pub fn cores_busy_cell(sample: &Sample, threads: usize) -> String {
    let cores = thread::available_parallelism().map_or(1, usize::from);
    let could = threads.min(cores) as f64;
    let busy = sample.cores_busy();
    if threads > 1 && busy < OVERLAP * could {
        format!("{busy:.2} ⚠ threads did not overlap: rerun")
    } else {
        format!("{busy:.2}")
    }
}

/// Below this share of `min(threads, cores)`, a multi-thread row's threads did not run together.
const OVERLAP: f64 = 0.6;

/// A Markdown table, built row by row and printed with `{}`.
///
/// ```
/// use labkit::Table;
/// let mut t = Table::new(["threads", "ops/s"]);
/// t.row(["1", "1.0 M"]);
/// assert_eq!(t.to_string(), "| threads | ops/s |\n|---:|---:|\n| 1 | 1.0 M |\n");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends one row; it should have as many cells as the header.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// The rows added so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row has been added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line =
            |f: &mut fmt::Formatter<'_>, cells: &[String]| writeln!(f, "| {} |", cells.join(" | "));
        line(f, &self.header)?;
        writeln!(f, "|{}", "---:|".repeat(self.header.len()))?;
        for row in &self.rows {
            line(f, row)?;
        }
        Ok(())
    }
}

/// Formats a rate with an SI suffix: `12.3 M`, `850.0 k`, `42.0`.
pub fn si(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.2} G", x / 1e9),
        x if x >= 1e6 => format!("{:.2} M", x / 1e6),
        x if x >= 1e3 => format!("{:.1} k", x / 1e3),
        x => format!("{x:.1}"),
    }
}

/// A rate with its SI suffix, or [`SKIPPED`].
///
/// ```
/// assert_eq!(labkit::rate_cell(Some(2.5e6)), "2.50 M");
/// assert_eq!(labkit::rate_cell(None), labkit::go::SKIPPED);
/// ```
pub fn rate_cell(rate: Option<f64>) -> String {
    rate.map_or_else(|| SKIPPED.to_owned(), si)
}

/// A `× baseline` cell, how many times faster a row went than its baseline: `a / b` with
/// `decimals` decimals, for (the row's rate, the baseline's) or (the baseline's time per item,
/// the row's); or [`SKIPPED`] when either is missing.
///
/// ```
/// assert_eq!(labkit::ratio_cell(Some(3.0), Some(2.0), 2), "1.50");
/// assert_eq!(labkit::ratio_cell(Some(3.0), None, 1), labkit::go::SKIPPED);
/// ```
pub fn ratio_cell(a: Option<f64>, b: Option<f64>, decimals: usize) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.decimals$}", a / b),
        _ => SKIPPED.to_owned(),
    }
}

/// The [`cores_busy_cell`] of the least busy of `samples` (so the row is flagged if any of its
/// contenders' threads did not overlap), or [`SKIPPED`] when there are none.
pub fn least_busy_cell<'a>(
    samples: impl IntoIterator<Item = &'a Sample>,
    threads: usize,
) -> String {
    samples
        .into_iter()
        .min_by(|a, b| a.cores_busy().total_cmp(&b.cores_busy()))
        .map_or_else(|| SKIPPED.to_owned(), |s| cores_busy_cell(s, threads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_suffixes() {
        assert_eq!(si(1_234_567.0), "1.23 M");
        assert_eq!(si(999.0), "999.0");
        assert_eq!(si(2.5e9), "2.50 G");
    }

    #[test]
    fn the_least_busy_sample_decides_and_none_is_skipped() {
        use std::time::Duration;
        let busy = |cpu_ms| Sample {
            wall: Duration::from_millis(100),
            cpu: Duration::from_millis(cpu_ms),
        };
        assert_eq!(least_busy_cell(&[busy(100), busy(50)], 1), "0.50");
        assert_eq!(least_busy_cell(&[], 1), SKIPPED);
    }
}
