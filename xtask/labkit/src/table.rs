//! The cells of the days' Markdown tables: [`Table`], rates with SI suffixes, and the *cores busy*
//! figure flagged when a row's threads did not overlap.

use std::fmt;
use std::thread;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_suffixes() {
        assert_eq!(si(1_234_567.0), "1.23 M");
        assert_eq!(si(999.0), "999.0");
        assert_eq!(si(2.5e9), "2.50 G");
    }
}
