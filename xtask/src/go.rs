//! The Go programs beside each day (`<crate>/go/`, a Go module), as `cargo xtask bench --smoke`
//! checks them: every one builds and passes `go vet` and its `go test`s; `go run ./bench -smoke` prints rows that
//! parse (the protocol of `labkit::go`); the small Go version prints exactly what
//! its Rust twin (the crate's `…-small` example) prints; and day 5's Go word counter (`go/wc`)
//! prints the same top 10 as the crate's own command on the journal's pages.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use labkit::go::{self as protocol, GoError};

use crate::cmd::{Cmd, built, cargo};
use crate::step::{Done, Step};
use crate::ws::{self, Package};

/// `go version`, or `None` when `go` is not on `PATH`.
pub(crate) fn version() -> Result<Option<String>> {
    match Command::new("go").arg("version").output() {
        Ok(out) if out.status.success() => {
            Ok(Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()))
        }
        Ok(out) => bail!("`go version` failed: {}", out.status),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("running `go version`"),
    }
}

/// The day crates among `packages` that have a Go module.
fn with_go<'a>(packages: &[&'a Package]) -> Vec<&'a Package> {
    packages
        .iter()
        .copied()
        .filter(|p| p.dir.join("go/go.mod").is_file())
        .collect()
}

/// Checks every Go program of `packages` once (see the module docs).
pub(crate) fn smoke(packages: &[&Package]) -> Step {
    let days = with_go(packages);
    if days.is_empty() {
        return Ok(Done::Ok);
    }
    let Some(version) = version()? else {
        return Ok(Done::Skipped(format!(
            "the criterion benches ran, the Go programs did not: {}",
            GoError::Missing
        )));
    };
    println!("\n━━━━ bench --smoke: the Go programs ({version}) ━━━━");
    // The Rust twins, built with the test step's selection so its build is reused as it is.
    let selection: Vec<String> = if days.len() == 1 {
        vec!["-p".into(), days[0].name.clone()]
    } else {
        vec!["--workspace".into()]
    };
    let rust = built(
        cargo()
            .args(["build", "--bins", "--examples"])
            .args(selection),
        "bench --smoke: the Rust twins",
    )?;
    for day in days {
        smoke_day(day, &rust)
            .with_context(|| format!("bench --smoke: {}'s Go programs", day.name))?;
    }
    println!("\nbench --smoke: every Go program ran once and agreed with its Rust twin");
    Ok(Done::Ok)
}

/// The executable cargo built for target `name`.
fn executable<'a>(rust: &'a [(String, PathBuf)], name: &str) -> Result<&'a Path> {
    rust.iter()
        .find(|(n, _)| n == name)
        .map(|(_, exe)| exe.as_path())
        .with_context(|| format!("cargo built no executable `{name}`"))
}

fn smoke_day(day: &Package, rust: &[(String, PathBuf)]) -> Result<()> {
    let dir = day.dir.join("go");
    let c = day.name.as_str();
    for check in ["vet", "test"] {
        Cmd::new("go")
            .args([check, "./..."])
            .dir(&dir)
            .run(&format!("{c}: go {check}"))?;
    }
    if dir.join("bench").is_dir() {
        let rows = protocol::run(&dir, "bench", ["-smoke"]).map_err(anyhow::Error::msg)?;
        if rows.is_empty() {
            bail!("{c}: `go run ./bench -smoke` printed no row");
        }
        println!("{c}: go/bench -smoke: {} rows parse", rows.len());
    }
    if dir.join("small").is_dir() {
        let example = day
            .examples
            .iter()
            .find(|e| e.ends_with("-small"))
            .with_context(|| format!("{c}: go/small has no Rust twin (an example `…-small`)"))?;
        let go = Cmd::new("go")
            .args(["run", "./small"])
            .dir(&dir)
            .read(&format!("{c}: go run ./small"))?;
        let rust = Cmd::new(executable(rust, example)?)
            .dir(&dir)
            .read(&format!("{c}: example {example}"))?;
        same(&go, &rust, &format!("{c}: go/small and example {example}"))?;
        println!("{c}: go/small and example {example} print the same");
    }
    if dir.join("wc").is_dir() {
        let ws = ws::current()?;
        let pages = journal_pages(&ws.root.join("journal"))?;
        let go = Cmd::new("go")
            .args(["run", "./wc", "-top", "10"])
            .args(&pages)
            .dir(&dir)
            .read(&format!("{c}: go run ./wc"))?;
        let rust = Cmd::new(executable(rust, c)?)
            .args(["--top", "10"])
            .args(&pages)
            .dir(&dir)
            .read(&format!("{c}: the word counter"))?;
        same(
            &go,
            &rust,
            &format!("{c}: go/wc and {c} --top 10 on journal/*.md"),
        )?;
        println!("{c}: go/wc and {c} agree on the top 10 of journal/*.md");
    }
    Ok(())
}

/// The journal's Markdown pages, in name order (the word counters' common input).
fn journal_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    Ok(pages)
}

/// Fails with both texts and the first line that differs unless `a` and `b` are equal.
fn same(a: &str, b: &str, what: &str) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()));
    bail!(
        "{what} differ at line {}:\n--- Go\n{a}\n--- Rust\n{b}",
        line + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_outputs_name_the_first_line_that_differs() {
        assert!(same("a\nb\n", "a\nb\n", "x").is_ok());
        let e = same("a\nb\n", "a\nc\n", "x").unwrap_err().to_string();
        assert!(e.contains("differ at line 2"), "{e}");
        let e = same("a\n", "a\nb\n", "x").unwrap_err().to_string();
        assert!(e.contains("differ at line 2"), "{e}");
    }
}
