//! `cargo xtask bench`: criterion benches plus each day's measured tables.
//!
//! A full run executes, for each day crate, `cargo bench -p <crate>` (criterion, its output under
//! `<target>/criterion`) and `cargo run --release -p <crate> --example <day>-measure` (the day's
//! Markdown tables on stdout; the example whose name ends in `measure`, from cargo metadata), then
//! writes both into the day's journal block and into `<target>/bench-summary.md`.
//! `--smoke` runs every benchmark body once through criterion's test mode instead, in the debug
//! build the tests already made: it proves the benches work and measures nothing.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use day_dates::today;
use serde::Deserialize;

use crate::cmd::{Cmd, cargo};
use crate::step::{Done, Step, summarise};
use crate::{journal, suite, ws};

/// `cargo xtask bench [CRATE] [--smoke]`.
pub(crate) fn run(krate: Option<&str>, smoke: bool) -> Step {
    if smoke {
        self::smoke(krate)
    } else {
        full(krate).map(|()| Done::Ok)
    }
}

/// `--smoke`: each criterion bench in test mode (every benchmark body runs once).
fn smoke(krate: Option<&str>) -> Step {
    let report = suite::run(
        "bench-smoke",
        cargo().args(["test", "--benches"]).args(ws::select(krate)?),
        &[],
    )?;
    if report.failed_binaries.is_empty() {
        println!("\nbench --smoke: every benchmark ran once");
        return Ok(Done::Ok);
    }
    summarise("bench --smoke", &report)
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

/// `x` in the largest unit of `units` (scale, decimals, suffix) that it reaches, else as is with
/// one decimal and the suffix `base`.
fn scaled(x: f64, units: &[(f64, usize, &str)], base: &str) -> String {
    match units.iter().find(|&&(scale, _, _)| x >= scale) {
        Some(&(scale, decimals, suffix)) => format!("{:.decimals$}{suffix}", x / scale),
        None => format!("{x:.1}{base}"),
    }
}

/// `12.3 M`, `850.0 k`, `42.0` (the same style as the days' tables).
fn si(x: f64) -> String {
    scaled(x, &[(1e9, 2, " G"), (1e6, 1, " M"), (1e3, 1, " k")], "")
}

fn format_ns(ns: f64) -> String {
    scaled(
        ns,
        &[(1e9, 3, " s"), (1e6, 3, " ms"), (1e3, 3, " µs")],
        " ns",
    )
}

fn medians_table(medians: &[Median]) -> String {
    let mut t = String::from("| benchmark | median | throughput |\n|---|---:|---:|\n");
    for m in medians {
        let thr = m
            .throughput
            .map(|(per_second, unit)| format!("{} {unit}", si(per_second)))
            .unwrap_or_default();
        t.push_str(&format!("| `{}` | {} | {thr} |\n", m.id, format_ns(m.ns)));
    }
    t
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
    let mut summary = format!("# Bench summary — {}\n\n{cores} vCPUs, {rustc}.\n", today());
    for package in crates {
        let c = package.name.as_str();
        println!("\n━━━━ bench: {c} ━━━━");
        let started = SystemTime::now();
        cargo()
            .env("CRITERION_HOME", &criterion)
            .args(["bench", "-p", c])
            .run(&format!("bench {c}: criterion"))?;
        let medians = criterion_medians(&criterion, started);
        let example = package
            .examples
            .iter()
            .find(|e| e.ends_with("measure"))
            .with_context(|| {
                format!("bench {c}: no example named `…measure` (examples/measure.rs)")
            })?;
        let tables = cargo()
            .args(["run", "--release", "--quiet", "-p", c, "--example", example])
            .read(&format!("bench {c}: example {example}"))?;
        let block = format!(
            "Measured on {} with `cargo xtask bench {c}`: {cores} vCPUs, {rustc}. \"Cores busy\" is process \
             CPU time / wall time.\n\n{}\n\nCriterion medians (`cargo bench -p {c}`):\n\n{}",
            today(),
            tables.trim(),
            medians_table(&medians)
        );
        journal::write_measured(c, &block)?;
        println!("bench {c}: journal/{c}.md updated");
        summary.push_str(&format!("\n## {c}\n\n{block}\n"));
    }
    let path = ws.target_subdir("bench-summary.md");
    fs::write(&path, summary).with_context(|| format!("writing {}", path.display()))?;
    println!("\nbench: wrote {}", path.display());
    Ok(())
}

/// Today's date, computed from the system clock (UTC), for the measured blocks.
mod day_dates {
    use std::time::{SystemTime, UNIX_EPOCH};

    /// `YYYY-MM-DD` (UTC).
    pub(crate) fn today() -> String {
        let days = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 86_400);
        let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
        let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn known_dates() {
            assert_eq!(super::civil_from_days(0), (1970, 1, 1));
            assert_eq!(super::civil_from_days(20_419), (2025, 11, 27));
            assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_formatting_picks_a_unit() {
        assert_eq!(format_ns(56.04), "56.0 ns");
        assert_eq!(format_ns(1_500.0), "1.500 µs");
        assert_eq!(format_ns(2.5e9), "2.500 s");
        assert_eq!(si(16_400.0), "16.4 k");
        assert_eq!(si(2.2e6), "2.2 M");
    }
}
