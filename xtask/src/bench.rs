//! `cargo xtask bench`: criterion benches plus each day's measured tables.
//!
//! A full run executes, for each day crate, `cargo bench -p <crate>` (criterion, its output under
//! `<target>/criterion`) and `cargo run --release -p <crate> --example <day>-measure` (the example
//! whose name ends in `measure`, from cargo metadata), which writes the day's measured rows to
//! `<target>/bench/<crate>.jsonl` (the path in [`ROWS`]); the tables and charts are rendered from
//! the rows, and written with criterion's medians to `journal/measured/<crate>.md` (the rows kept
//! beside it) and `<target>/bench-summary.md`.
//! `--smoke` runs every benchmark body once through criterion's test mode instead, in the debug
//! build the tests already made: it proves the benches work and measures nothing.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use labkit::rows::{ROWS, Rows, digits};
use serde::Deserialize;

use crate::cmd::{Cmd, cargo};
use crate::step::{Done, Step, summarise};
use crate::{go, journal, plot, suite, ws};
use labkit::go::GoError;

/// `cargo xtask bench [CRATE] [--smoke]`.
pub(crate) fn run(krate: Option<&str>, smoke: bool) -> Step {
    if smoke {
        self::smoke(krate)
    } else {
        full(krate).map(|()| Done::Ok)
    }
}

/// `--smoke`: each criterion bench in test mode (every benchmark body runs once), then each day's
/// Go programs once (see [`go`]).
fn smoke(krate: Option<&str>) -> Step {
    let report = suite::run(
        "bench-smoke",
        cargo().args(["test", "--benches"]).args(ws::select(krate)?),
        &[],
    )?;
    if !report.failed_binaries.is_empty() {
        return summarise("bench --smoke", &report);
    }
    println!("\nbench --smoke: every benchmark ran once");
    go::smoke(&ws::current()?.selected(krate)?)
}

/// One criterion benchmark's median from its latest run.
#[derive(Debug)]
struct Median {
    id: String,
    ns: f64,
    throughput: Option<(f64, &'static str)>,
}

/// Reads every `new/estimates.json` under `criterion` written at or after `since`.
fn criterion_medians(criterion: &Path, since: SystemTime) -> Vec<Median> {
    let mut found = Vec::new();
    let mut stack = vec![criterion.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/estimates.json")
                && e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since)
                && let Some(m) = read_median(path.parent().expect("new/"))
            {
                found.push(m);
            }
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

/// The parts of criterion's `estimates.json` read here.
#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// The parts of criterion's `benchmark.json` read here.
#[derive(Deserialize)]
struct Benchmark {
    full_id: String,
    throughput: Option<Throughput>,
}

#[derive(Deserialize)]
enum Throughput {
    Bytes(f64),
    BytesDecimal(f64),
    Elements(f64),
}

fn read_median(new_dir: &Path) -> Option<Median> {
    fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
        let text = fs::read_to_string(path).ok()?;
        serde_json::from_str(&text).ok()
    }
    let est: Estimates = read(&new_dir.join("estimates.json"))?;
    let bench: Benchmark = read(&new_dir.join("benchmark.json"))?;
    let ns = est.median.point_estimate;
    let throughput = bench.throughput.map(|t| match t {
        Throughput::Bytes(b) | Throughput::BytesDecimal(b) => (b / ns * 1e9, "B/s"),
        Throughput::Elements(n) => (n / ns * 1e9, "elem/s"),
    });
    Some(Median {
        id: bench.full_id,
        ns,
        throughput,
    })
}

/// A unit for a whole column: the largest of `units` (scale, suffix) that the column's smallest
/// value reaches, else the first (`units` go from small to large).
fn column_unit(
    values: impl Iterator<Item = f64>,
    units: &[(f64, &'static str)],
) -> (f64, &'static str) {
    let least = values.fold(f64::INFINITY, f64::min);
    units
        .iter()
        .rev()
        .find(|&&(scale, _)| least >= scale)
        .copied()
        .unwrap_or(units[0])
}

/// Orders benchmark ids the way a person reads them: numbers inside an id compare as numbers, so
/// `threads/2` comes before `threads/16`.
fn natural_key(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut rest = id;
    while !rest.is_empty() {
        let text_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (text, tail) = rest.split_at(text_len);
        let num_len = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (num, tail) = tail.split_at(num_len);
        key.push((text.to_owned(), num.parse().unwrap_or(0)));
        rest = tail;
    }
    key
}

/// One table per criterion group (the id's first segment), rows in natural order, and one unit per
/// column, named in its header.
fn medians_table(medians: &[Median]) -> String {
    const TIMES: &[(f64, &str)] = &[(1.0, "ns"), (1e3, "µs"), (1e6, "ms"), (1e9, "s")];
    const RATES: &[(f64, &str)] = &[(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "G")];
    let mut groups: Vec<(&str, Vec<&Median>)> = Vec::new();
    for m in medians {
        let group = m.id.split('/').next().unwrap_or(&m.id);
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, rows)) => rows.push(m),
            None => groups.push((group, vec![m])),
        }
    }
    let mut out = String::new();
    for (group, mut rows) in groups {
        rows.sort_by_cached_key(|m| natural_key(&m.id));
        let (time_scale, time_unit) = column_unit(rows.iter().map(|m| m.ns), TIMES);
        let throughput: Vec<(f64, &str)> = rows.iter().filter_map(|m| m.throughput).collect();
        let kind = throughput.first().map(|&(_, kind)| kind);
        let same_kind = throughput.iter().all(|&(_, k)| Some(k) == kind);
        let rate_unit = kind
            .filter(|_| same_kind && throughput.len() == rows.len())
            .map(|kind| (column_unit(throughput.iter().map(|t| t.0), RATES), kind));
        out.push_str(&format!(
            "`{group}`:\n\n| benchmark | median ({time_unit}) |"
        ));
        match rate_unit {
            Some(((_, prefix), kind)) => {
                // `MB/s`, `M elem/s`, `elem/s`.
                let gap = if kind == "B/s" || prefix.is_empty() {
                    ""
                } else {
                    " "
                };
                out.push_str(&format!(
                    " throughput ({prefix}{gap}{kind}) |\n|---|---:|---:|\n"
                ));
            }
            None => out.push_str("\n|---|---:|\n"),
        }
        for m in rows {
            out.push_str(&format!("| `{}` | {} |", m.id, digits(m.ns / time_scale)));
            if let (Some(((scale, _), _)), Some((rate, _))) = (rate_unit, m.throughput) {
                out.push_str(&format!(" {} |", digits(rate / scale)));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The charts drawn, as Markdown image lines for the measured page: the day's old charts in
/// `plots` are removed first, unless drawn again.
fn charts(c: &str, plots: &Path, drawn: &plot::Drawn) -> Result<String> {
    if let Ok(entries) = fs::read_dir(plots) {
        for e in entries.flatten() {
            let path = e.path();
            let ours = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.strip_prefix(c).is_some_and(|rest| rest.starts_with('-')) && n.ends_with(".svg")
            });
            if ours && !drawn.charts.iter().any(|ch| ch.file == path) {
                fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    for s in &drawn.skipped {
        println!("bench {c}: chart {} skipped: {}", s.chart, s.reason);
    }
    let mut lines = String::new();
    for ch in &drawn.charts {
        let name = ch
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        println!(
            "bench {c}: drew journal/plots/{name} ({})",
            ch.series.join(", ")
        );
        lines.push_str(&format!("![{}](../plots/{name})\n\n", ch.title));
    }
    Ok(lines)
}

/// Where criterion's HTML report is, as the measured page (`journal/measured/`) can link it
/// (relative when the target directory is inside the workspace).
fn criterion_report(ws: &ws::Workspace, criterion: &Path) -> String {
    let report = criterion.join("report/index.html");
    match report.strip_prefix(&ws.root) {
        Ok(inside) => format!("[criterion's HTML report](../../{})", inside.display()),
        Err(_) => format!("criterion's HTML report: `{}`", report.display()),
    }
}

/// The day's measure example, run in release with [`ROWS`] set: its tables as Markdown and its
/// charts, from the rows it wrote (kept as `journal/measured/<day>.jsonl`).
fn measure(ws: &ws::Workspace, package: &ws::Package) -> Result<(String, plot::Drawn)> {
    let c = package.name.as_str();
    let example = package
        .examples
        .iter()
        .find(|e| e.ends_with("measure"))
        .with_context(|| format!("bench {c}: no example named `…measure` (examples/measure.rs)"))?;
    let rows_file = ws.target_subdir("bench").join(format!("{c}.jsonl"));
    if rows_file.exists() {
        fs::remove_file(&rows_file).with_context(|| format!("removing {}", rows_file.display()))?;
    }
    cargo()
        .env(ROWS, &rows_file)
        .args(["run", "--release", "--quiet", "-p", c, "--example", example])
        .run(&format!("bench {c}: example {example}"))?;
    let rows = Rows::read(&rows_file).map_err(|e| anyhow::anyhow!("bench {c}: {e}"))?;
    let kept = journal::measured_dir()?.join(format!("{c}.jsonl"));
    fs::copy(&rows_file, &kept)
        .with_context(|| format!("copying the rows to {}", kept.display()))?;
    let plots = ws.root.join("journal/plots");
    Ok((rows.markdown(), plot::draw(c, &rows, &plots)?))
}

/// The full run: criterion and the measure example for each crate, into the journal.
fn full(krate: Option<&str>) -> Result<()> {
    let ws = ws::current()?;
    let crates = ws.selected(krate)?;
    let criterion = ws.target_subdir("criterion");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rustc = Cmd::new("rustc")
        .arg("-V")
        .read("bench: rustc version")?
        .trim()
        .to_string();
    let today = Cmd::new("date")
        .args(["-u", "+%F"])
        .read("bench: today's date")?
        .trim()
        .to_string();
    let go = go::version()?.map_or_else(
        || format!("no Go ({}: the Go rows are SKIPPED)", GoError::Missing),
        |v| v.trim_start_matches("go version ").to_owned(),
    );
    let mut summary = format!("# Bench summary — {today}\n\n{cores} vCPUs, {rustc}, {go}.\n");
    for package in crates {
        let c = package.name.as_str();
        println!("\n━━━━ bench: {c} ━━━━");
        let started = SystemTime::now();
        cargo()
            .env("CRITERION_HOME", &criterion)
            .args(["bench", "-p", c])
            .run(&format!("bench {c}: criterion"))?;
        let medians = criterion_medians(&criterion, started);
        let (tables, drawn) = measure(ws, package)?;
        let charts = charts(c, &ws.root.join("journal/plots"), &drawn)?;
        let block = format!(
            "Measured on {today} with `cargo xtask bench {c}`: {cores} vCPUs, {rustc}, {go}. \"Cores busy\" is \
             process CPU time / wall time.\n\n{}\n\n{charts}Criterion medians (`cargo bench -p {c}`; {}). Where they differ from the \
             tables above, the tables are the figures to quote: criterion times many short batches \
             of one operation on warm caches and reports their median, while a table times whole \
             runs (threads started, warmed up inside each thread, joined) with cores busy beside \
             each, the way the days' programs run.\n\n{}",
            tables.trim(),
            criterion_report(ws, &criterion),
            medians_table(&medians)
        );
        let page = journal::write_measured(c, &block)?;
        println!("bench {c}: {page} written");
        summary.push_str(&format!("\n## {c}\n\n{block}\n"));
    }
    let path = ws.target_subdir("bench-summary.md");
    fs::write(&path, summary).with_context(|| format!("writing {}", path.display()))?;
    println!("\nbench: wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn median(id: &str, ns: f64, throughput: Option<(f64, &'static str)>) -> Median {
        Median {
            id: id.to_owned(),
            ns,
            throughput,
        }
    }

    #[test]
    fn ids_sort_numerically_within_their_group() {
        let table = medians_table(&[
            median("pool/16", 2_000.0, None),
            median("pool/2", 56.0, None),
            median("other/x", 1.5e6, None),
            median("pool/8", 1_500.0, None),
        ]);
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(
            rows,
            [
                "| `pool/2` | 56.0 |",
                "| `pool/8` | 1500 |",
                "| `pool/16` | 2000 |",
                "| `other/x` | 1.50 |"
            ]
        );
        assert!(
            table.contains("`pool`:\n\n| benchmark | median (ns) |"),
            "{table}"
        );
        assert!(
            table.contains("`other`:\n\n| benchmark | median (ms) |"),
            "{table}"
        );
    }

    #[test]
    fn a_column_has_one_unit_chosen_by_its_smallest_value() {
        let table = medians_table(&[
            median("count/a", 1e6, Some((2.5e8, "B/s"))),
            median("count/b", 4e6, Some((6.0e7, "B/s"))),
        ]);
        assert!(
            table.contains("| median (ms) | throughput (MB/s) |"),
            "{table}"
        );
        assert!(table.contains("| `count/a` | 1.00 | 250 |"), "{table}");
        assert!(table.contains("| `count/b` | 4.00 | 60.0 |"), "{table}");
    }
}
