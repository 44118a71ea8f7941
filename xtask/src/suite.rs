//! Building and running test binaries one by one, the way `cargo nextest` does, so every result is
//! known by package, target and name — the checklist needs to know *which* test proved an item.
//!
//! `cargo test --no-run --message-format=json-render-diagnostics` lists the test executables it
//! built; each is then run with the package directory as its working directory (as `cargo test`
//! does), its output passed through, and its `test <name> ... ok` lines recorded in
//! `target/xtask/results/<step>.tsv`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::{Cmd, Result, root};
use crate::json::Json;

/// How one test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Passed,
    Failed,
    Ignored,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Passed => "ok",
            Status::Failed => "FAILED",
            Status::Ignored => "ignored",
        })
    }
}

/// One test's result, named the way `journal/checklist.md` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TestResult {
    pub(crate) package: String,
    /// `lib` for unit tests in `src/`, `bin` for a binary's unit tests, else the test file's stem.
    pub(crate) target: String,
    pub(crate) name: String,
    pub(crate) status: Status,
}

/// What running a whole suite found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) results: Vec<TestResult>,
    /// Test binaries that exited with failure (a failed test, a crash, or a sanitizer report).
    pub(crate) failed_binaries: Vec<String>,
    /// Lines of the form `WARNING: ThreadSanitizer: …` printed by any binary.
    pub(crate) sanitizer_reports: usize,
}

impl Report {
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        let n = |s| self.results.iter().filter(|r| r.status == s).count();
        (n(Status::Passed), n(Status::Failed), n(Status::Ignored))
    }
}

/// One test executable that cargo built.
#[derive(Debug)]
struct Binary {
    package: String,
    package_dir: PathBuf,
    target: String,
    executable: PathBuf,
}

/// Builds the tests with `build` (a `cargo test … --no-run` command without a message format) and
/// runs each test executable with `env` set, recording the results under `step`.
pub(crate) fn run(step: &str, build: Cmd, env: &[(&str, String)]) -> Result<Report> {
    // A run that fails to build must not leave an earlier run's results to prove anything.
    clear(step);
    let out = build
        .arg("--no-run")
        .arg("--message-format=json-render-diagnostics")
        .tee(&format!("{step}: build"), |line| !line.starts_with('{'))?;
    if !out.success {
        return Err(format!("{step}: the tests did not build"));
    }
    let binaries = binaries(&out.stdout)?;
    let mut report = Report::default();
    for bin in &binaries {
        println!(
            "\n> [{step}] {}/{} ({})",
            bin.package,
            bin.target,
            bin.executable.display()
        );
        let mut cmd = Cmd::new(&bin.executable)
            .dir(&bin.package_dir)
            .env("CARGO_MANIFEST_DIR", &bin.package_dir)
            .env("CARGO_PKG_NAME", &bin.package);
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let run = cmd.tee_quiet(&format!("{step}: {}/{}", bin.package, bin.target), |_| true)?;
        report.sanitizer_reports += run
            .stderr
            .lines()
            .chain(run.stdout.lines())
            .filter(|l| l.contains("WARNING: ThreadSanitizer"))
            .count();
        let result = |name, status| TestResult {
            package: bin.package.clone(),
            target: bin.target.clone(),
            name,
            status,
        };
        let before = report.results.len();
        report
            .results
            .extend(parse_libtest(&run.stdout).map(|(name, status)| result(name, status)));
        if !run.success {
            report.failed_binaries.push(format!(
                "{}/{} (exit {:?})",
                bin.package, bin.target, run.code
            ));
            // Every test passed yet the binary failed (a sanitizer report, a crash after the
            // tests): record that, so a proof like `race:*` cannot pass on this binary.
            if report.results[before..]
                .iter()
                .all(|r| r.status != Status::Failed)
            {
                let name = format!("(the test binary exited with {:?})", run.code);
                report.results.push(result(name, Status::Failed));
            }
        }
    }
    save(step, &report.results)?;
    Ok(report)
}

/// The test executables among cargo's JSON messages.
fn binaries(json_lines: &str) -> Result<Vec<Binary>> {
    let mut found = Vec::new();
    for line in json_lines.lines().filter(|l| l.starts_with('{')) {
        let msg = Json::parse(line).map_err(|e| format!("reading cargo's JSON output: {e}"))?;
        if msg.get("reason").and_then(Json::as_str) != Some("compiler-artifact")
            || msg.at(&["profile", "test"]).and_then(Json::as_bool) != Some(true)
        {
            continue;
        }
        let (Some(exe), Some(manifest), Some(name)) = (
            msg.get("executable").and_then(Json::as_str),
            msg.get("manifest_path").and_then(Json::as_str),
            msg.at(&["target", "name"]).and_then(Json::as_str),
        ) else {
            continue;
        };
        let kind = msg
            .at(&["target", "kind"])
            .map(Json::as_array)
            .unwrap_or_default();
        let target = match kind.first().and_then(Json::as_str) {
            Some("lib" | "rlib" | "proc-macro") => "lib".to_string(),
            Some("bin") => "bin".to_string(),
            _ => name.to_string(),
        };
        let package_dir = Path::new(manifest)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let package = package_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        found.push(Binary {
            package,
            package_dir,
            target,
            executable: exe.into(),
        });
    }
    found.sort_by(|a, b| (&a.package, &a.target).cmp(&(&b.package, &b.target)));
    Ok(found)
}

/// The `test <name> ... <status>` lines of libtest's output.
fn parse_libtest(stdout: &str) -> impl Iterator<Item = (String, Status)> + '_ {
    stdout.lines().filter_map(|line| {
        let rest = line.strip_prefix("test ")?;
        let (name, status) = rest.split_once(" ... ")?;
        let status = match status.trim() {
            "ok" => Status::Passed,
            "FAILED" => Status::Failed,
            s if s.starts_with("ignored") => Status::Ignored,
            _ => return None,
        };
        Some((name.trim().to_string(), status))
    })
}

fn results_path(step: &str) -> PathBuf {
    root()
        .join("target/xtask/results")
        .join(format!("{step}.tsv"))
}

fn save(step: &str, results: &[TestResult]) -> Result {
    let path = results_path(step);
    fs::create_dir_all(path.parent().expect("results dir"))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let text: String = results
        .iter()
        .map(|r| format!("{}\t{}\t{}\t{}\n", r.package, r.target, r.name, r.status))
        .collect();
    fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The results that the latest run of `step` recorded (empty if it never ran).
pub(crate) fn load(step: &str) -> Vec<TestResult> {
    let Ok(text) = fs::read_to_string(results_path(step)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (package, target, name, status) = (f.next()?, f.next()?, f.next()?, f.next()?);
            let status = match status {
                "ok" => Status::Passed,
                "FAILED" => Status::Failed,
                _ => Status::Ignored,
            };
            Some(TestResult {
                package: package.into(),
                target: target.into(),
                name: name.into(),
                status,
            })
        })
        .collect()
}

/// Forgets the recorded results of `step` (used when the step is skipped, so stale results from an
/// earlier run cannot prove anything).
pub(crate) fn clear(step: &str) {
    let _ = fs::remove_file(results_path(step));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libtest_lines() {
        let out = "running 3 tests\ntest a::b ... ok\ntest c ... FAILED\ntest d ... ignored, slow\nnoise\n";
        let got: Vec<_> = parse_libtest(out).collect();
        assert_eq!(
            got,
            vec![
                ("a::b".into(), Status::Passed),
                ("c".into(), Status::Failed),
                ("d".into(), Status::Ignored)
            ]
        );
    }

    #[test]
    fn finds_test_executables_only() {
        let lines = concat!(
            r#"{"reason":"compiler-artifact","manifest_path":"/w/day1-sync-atomic/Cargo.toml","target":{"kind":["lib"],"name":"day1_sync_atomic"},"profile":{"test":true},"executable":"/t/a"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","manifest_path":"/w/day1-sync-atomic/Cargo.toml","target":{"kind":["test"],"name":"checklist"},"profile":{"test":true},"executable":"/t/b"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","manifest_path":"/w/x/Cargo.toml","target":{"kind":["lib"],"name":"x"},"profile":{"test":false},"executable":null}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        let bins = binaries(lines).unwrap();
        let names: Vec<_> = bins
            .iter()
            .map(|b| (b.package.as_str(), b.target.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("day1-sync-atomic", "checklist"),
                ("day1-sync-atomic", "lib")
            ]
        );
    }
}
