//! Building and running test binaries one by one, the way `cargo nextest` does, so every result is
//! known by package, target and name — the checklist needs to know *which* test proved an item.
//!
//! `cargo test --no-run --message-format=json-render-diagnostics` lists the test executables it
//! built (read with `cargo_metadata`'s message types); each is then run with its package directory as
//! working directory (as `cargo test` does), its output passed through, and its `test <name> ... ok`
//! lines read. Those lines are checked against libtest's own summary (`test result: … N passed; M
//! failed; K ignored`): a binary whose lines do not add up (a result line mangled by stray output)
//! fails, so no result can vanish silently.
//!
//! Use [`run`] for a step whose results feed the checklist (it records them in
//! `<target>/xtask/results/<step>.tsv`, read back with [`load`]); use [`execute`] to run a build and
//! read its results without recording them (for example in another copy of the workspace).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Cursor;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use cargo_metadata::Message;

use crate::cmd::Cmd;
use crate::ws::{self, Package, Workspace};

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
    /// The package name (from cargo metadata).
    pub(crate) package: String,
    /// `lib` for unit tests in `src/`, `bin` for a binary's unit tests, else the target's name
    /// (an integration test's file stem).
    pub(crate) target: String,
    /// The test's path inside its target, as libtest prints it (`stack::pops_in_lifo_order`).
    pub(crate) name: String,
    pub(crate) status: Status,
    /// For a failed test, what libtest printed for it (its panic message and captured output);
    /// otherwise empty. Not recorded by [`run`].
    pub(crate) output: String,
}

/// What running a whole suite found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) results: Vec<TestResult>,
    /// Test binaries that failed (a failed test, a crash, a sanitizer report, or result lines that
    /// do not add up to libtest's summary), as `package/target (why)`.
    pub(crate) failed_binaries: Vec<String>,
    /// Lines of the form `WARNING: ThreadSanitizer: …` printed by any binary.
    pub(crate) sanitizer_reports: usize,
}

impl Report {
    /// Records one binary's run: its result lines, checked against libtest's summary; `exit` says
    /// why the binary failed, if it did. A failure no result line shows is recorded as a failed
    /// pseudo-test named after its cause, so a proof like `race:*` cannot pass on that binary.
    /// `cut_short`: the process was killed (by a signal, or for a test that did not finish), so
    /// missing result lines are explained by `exit`, not by mangled output.
    fn add_binary(
        &mut self,
        package: &str,
        target: &str,
        stdout: &str,
        stderr: &str,
        exit: Option<String>,
        cut_short: bool,
    ) {
        let parsed = Libtest::parse(stdout);
        let mismatch = parsed.mismatch().filter(|_| !cut_short);
        let result = |name: String, status, output: String| TestResult {
            package: package.into(),
            target: target.into(),
            name,
            status,
            output,
        };
        let any_failed = parsed.results.iter().any(|(_, s)| *s == Status::Failed);
        for (name, status) in parsed.results {
            let output = parsed.failures.get(&name).cloned().unwrap_or_default();
            self.results.push(result(name, status, output));
        }
        let Some(why) = mismatch.clone().or(exit) else {
            return;
        };
        self.failed_binaries
            .push(format!("{package}/{target} ({why})"));
        if mismatch.is_some() || cut_short || !any_failed {
            self.results.push(result(
                format!("({why})"),
                Status::Failed,
                binary_failure_output(stderr),
            ));
        }
    }

    /// Records a failure of a whole package's run, as a failed pseudo-test named after `why`.
    fn fail_package(&mut self, package: &str, why: &str) {
        self.failed_binaries.push(format!("{package} ({why})"));
        self.results.push(TestResult {
            package: package.into(),
            target: "*".into(),
            name: format!("({why})"),
            status: Status::Failed,
            output: String::new(),
        });
    }

    /// Adds another run's results (a step made of several builds).
    pub(crate) fn extend(&mut self, other: Report) {
        self.results.extend(other.results);
        self.failed_binaries.extend(other.failed_binaries);
        self.sanitizer_reports += other.sanitizer_reports;
    }

    /// (passed, failed, ignored).
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

/// Builds the tests with `build` (a `cargo test …` command without `--no-run` or a message format)
/// and runs each test executable with `env` set, recording the results as `step`'s latest.
pub(crate) fn run(step: &str, build: Cmd, env: &[(&str, String)]) -> Result<Report> {
    // A run that fails to build must not leave an earlier run's results to prove anything.
    clear(step)?;
    let report = execute(step, ws::current()?, build, env, Mode::Echo, &[])?;
    save(step, &report.results)?;
    Ok(report)
}

/// A build of the tests that failed, with what cargo printed on stderr (its rendered diagnostics).
#[derive(Debug)]
pub(crate) struct BuildFailed {
    pub(crate) label: String,
    pub(crate) stderr: String,
}

impl fmt::Display for BuildFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the tests did not build:\n{}",
            self.label,
            crate::lab::compile_errors(&self.stderr)
        )
    }
}

impl std::error::Error for BuildFailed {}

/// How [`execute`] shows and bounds the test binaries it runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mode {
    /// Build output and the binaries' output pass through to the terminal; no bound.
    Echo,
    /// Everything is captured, nothing printed (a build failure carries cargo's diagnostics in
    /// [`BuildFailed`]); a binary is killed once this long passes without a test finishing, and
    /// each test it had not finished is recorded failed ("did not finish in N s").
    Bounded(Duration),
}

/// Builds with `build` and runs every test executable it lists with `env` set, without recording
/// anything. Packages are named from `ws` (the workspace the build runs in); `label` prefixes the
/// progress lines; `mode` says what is printed and how long a binary may go without progress;
/// `only`, if not empty, the tests each executable runs (libtest's `--exact` filters).
pub(crate) fn execute(
    label: &str,
    ws: &Workspace,
    build: Cmd,
    env: &[(&str, String)],
    mode: Mode,
    only: &[String],
) -> Result<Report> {
    let build = build
        .arg("--no-run")
        .arg("--message-format=json-render-diagnostics");
    let what = format!("{label}: build");
    let out = match mode {
        Mode::Echo => build.tee(&what, |line| !line.starts_with('{'))?,
        Mode::Bounded(_) => build.capture(&what)?,
    };
    if !out.success {
        return Err(BuildFailed {
            label: label.to_string(),
            stderr: out.stderr,
        }
        .into());
    }
    let binaries = binaries(ws, &out.stdout)?;
    let mut report = Report::default();
    for bin in &binaries {
        if let Mode::Echo = mode {
            println!(
                "\n> [{label}] {}/{} ({})",
                bin.package,
                bin.target,
                bin.executable.display()
            );
        }
        let mut cmd = Cmd::new(&bin.executable)
            .dir(&bin.package_dir)
            .env("CARGO_MANIFEST_DIR", &bin.package_dir)
            .env("CARGO_PKG_NAME", &bin.package);
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let what = format!("{label}: {}/{}", bin.package, bin.target);
        // The runs below that pick tests of their own start from `cmd`; `filtered` is the run.
        let filtered = if only.is_empty() {
            cmd.clone()
        } else {
            cmd.clone().arg("--exact").args(only)
        };
        let run = match mode {
            Mode::Echo => filtered.tee_quiet(&what, |_| true)?,
            Mode::Bounded(idle) => {
                filtered.capture_bounded(&what, idle, |line| result_line(line).is_some())?
            }
        };
        report.sanitizer_reports += run
            .stderr
            .lines()
            .chain(run.stdout.lines())
            .filter(|l| l.contains("WARNING: ThreadSanitizer"))
            .count();
        if let Some(idle) = run.killed_after {
            // Which tests had not finished: every listed test without a result line.
            let list = |extra: &[&str]| -> Result<Vec<String>> {
                let out = filtered.clone().arg("--list").args(extra).capture(&what)?;
                Ok(listed(&out.stdout))
            };
            let (all, ignored) = (list(&[])?, list(&["--ignored"])?);
            let parsed = Libtest::parse(&run.stdout);
            let unfinished = all
                .into_iter()
                .filter(|t| !ignored.contains(t) && !parsed.results.iter().any(|(n, _)| n == t));
            for name in unfinished {
                report.results.push(TestResult {
                    package: bin.package.clone(),
                    target: bin.target.clone(),
                    output: did_not_finish(&name, idle),
                    name,
                    status: Status::Failed,
                });
            }
        }
        let exit = exit_reason(&run);
        let cut_short = run.killed_after.is_some() || run.signal.is_some();
        let from = report.results.len();
        report.add_binary(
            &bin.package,
            &bin.target,
            &run.stdout,
            &run.stderr,
            exit,
            cut_short,
        );
        if let (Mode::Bounded(idle), Some(_)) = (mode, run.signal) {
            // libtest holds a test's output until the test ends, which an aborted process never
            // reaches: the panic that started the abort is lost. Run the test that aborted alone,
            // its output not captured, and show that first panic.
            if let Some(name) = aborted_test(&run.stderr) {
                let again = cmd
                    .clone()
                    .args(["--exact", name, "--nocapture", "--test-threads=1"])
                    .capture_bounded(&what, idle, |line| result_line(line).is_some())?;
                let output = binary_failure_output(&again.stderr);
                if output.contains(" panicked at ")
                    && let Some(r) = report.results[from..]
                        .iter_mut()
                        .find(|r| r.name.starts_with('('))
                {
                    r.output = output;
                }
            }
        }
        if let (Some(idle), true) = (run.killed_after, cut_short) {
            // libtest prints why a test failed only at the end, which a killed process never
            // reaches: run the tests that failed again, alone, for their messages.
            let silent: Vec<String> = report.results[from..]
                .iter()
                .filter(|r| r.status == Status::Failed && r.output.is_empty())
                .filter(|r| !r.name.starts_with('('))
                .map(|r| r.name.clone())
                .collect();
            if !silent.is_empty() {
                let again = cmd.clone().arg("--exact").args(&silent).capture_bounded(
                    &what,
                    idle,
                    |line| result_line(line).is_some(),
                )?;
                let failures = Libtest::parse(&again.stdout).failures;
                for r in &mut report.results[from..] {
                    if let Some(text) = failures.get(&r.name).filter(|_| r.output.is_empty()) {
                        r.output.clone_from(text);
                    }
                }
            }
        }
    }
    Ok(report)
}

/// What a learner reads for a test that the bound of [`Mode::Bounded`] stopped.
fn did_not_finish(name: &str, idle: Duration) -> String {
    let secs = idle.as_secs();
    format!(
        "did not finish in {secs} s: no test finished for {secs} s while `{name}` ran (or waited \
         behind a stuck test), so the test process was killed. A deadlock, or a wait that \
         nothing wakes?"
    )
}

/// Why a test binary's run failed, in words, if it did: a signal named, the bound, or the exit code.
fn exit_reason(run: &crate::cmd::Output) -> Option<String> {
    if let Some(idle) = run.killed_after {
        return Some(format!(
            "a test did not finish in {} s: the test process was killed",
            idle.as_secs()
        ));
    }
    if let Some(signal) = run.signal {
        return Some(signal_reason(signal));
    }
    (!run.success).then(|| match run.code {
        Some(code) => format!("the test binary exited with code {code}"),
        None => "the test binary failed without an exit code".to_string(),
    })
}

/// A signal that ended a test process, named, with what usually sends it in a test.
fn signal_reason(signal: i32) -> String {
    match signal {
        6 => "the test process aborted (SIGABRT): a panic while panicking, or an abort".into(),
        11 => "the test process crashed (SIGSEGV): it read or wrote memory it does not own".into(),
        7 => "the test process crashed (SIGBUS): a misaligned or invalid memory access".into(),
        4 => {
            "the test process crashed (SIGILL): an illegal instruction (an intrinsic abort?)".into()
        }
        9 => "the test process was killed (SIGKILL): out of memory, or killed from outside".into(),
        n => format!("the test process was killed by signal {n}"),
    }
}

/// The test names in a libtest `--list` output (`<name>: test`).
fn listed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// What a failure that no test owns keeps of the binary's stderr: a ThreadSanitizer report from
/// its first line on (its stacks are the point; up to 200 lines), else the last 20 lines.
/// The test whose thread panicked last before the process aborted (libtest names each test's
/// thread after the test), from `thread '<name>' (<id>) panicked at …`.
fn aborted_test(stderr: &str) -> Option<&str> {
    stderr.lines().rev().find_map(|l| {
        l.strip_prefix("thread '")?
            .split_once("' ")
            .map(|(name, _)| name)
    })
}

fn binary_failure_output(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let tsan = lines
        .iter()
        .position(|l| l.contains("WARNING: ThreadSanitizer"));
    // A process that aborted on a panic while panicking (loom unwinding out of a deadlock, a drop
    // that panics) names the cause in its first panic; the last one is only the abort.
    let first_panic = || {
        lines
            .iter()
            .position(|l| l.starts_with("thread '") && l.contains(" panicked at "))
    };
    match tsan.or_else(first_panic) {
        Some(start) => lines[start..]
            .iter()
            .take(200)
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
        None => lines[lines.len().saturating_sub(20)..].join("\n"),
    }
}

/// Runs `cmd`, a `cargo test`-like command that runs the test binaries itself (`cargo miri test`,
/// whose "binaries" only its own runner can start), for the one package `package`.
///
/// stdout and stderr stay apart, so diagnostics on stderr (Miri's warnings) cannot split libtest's
/// result lines. Cargo announces each binary on stderr (`Running <source> (<binary>)`, or
/// `Doc-tests <crate>`) and runs them one after another, each opening its stdout with libtest's
/// `running N tests`: the n-th announcement owns the n-th stdout section and the stderr up to the
/// next announcement. If the counts differ (a binary that printed nothing), the run fails.
pub(crate) fn run_cargo(label: &str, package: &Package, cmd: Cmd) -> Result<Report> {
    // Colour codes would hide cargo's `Running` lines from the parser.
    let cmd = cmd.env("CARGO_TERM_COLOR", "never");
    let out = cmd.tee(label, |_| true)?;
    let mut report = read_cargo_test(label, package, &out.stdout, &out.stderr)?;
    if !out.success && report.failed_binaries.is_empty() {
        let why = format!("`{}` exited with {:?}", cmd.display(), out.code);
        report.fail_package(&package.name, &why);
    }
    Ok(report)
}

/// Pairs what a `cargo test`-like run printed into per-binary results (see [`run_cargo`]).
fn read_cargo_test(label: &str, package: &Package, stdout: &str, stderr: &str) -> Result<Report> {
    let mut announced: Vec<(String, String)> = Vec::new();
    for line in stderr.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("Running ") {
            let source = rest.strip_prefix("unittests ").unwrap_or(rest);
            let source = source.split(" (").next().unwrap_or(source);
            let path = package.dir.join(source);
            let target = package
                .sources
                .iter()
                .find(|(src, _)| *src == path)
                .map(|(_, name)| name.clone())
                .with_context(|| {
                    format!(
                        "{label}: cargo ran `{source}`, which is no target of {}",
                        package.name
                    )
                })?;
            announced.push((target, String::new()));
        } else if t.starts_with("Doc-tests ") {
            announced.push(("doc".into(), String::new()));
        } else if let Some((_, text)) = announced.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let mut sections: Vec<String> = Vec::new();
    for line in stdout.lines() {
        if running_line(line).is_some() {
            sections.push(String::new());
        }
        if let Some(text) = sections.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let mut report = Report::default();
    if announced.len() != sections.len() {
        let why = format!(
            "cargo ran {} test binaries but {} printed libtest's `running` line",
            announced.len(),
            sections.len()
        );
        report.fail_package(&package.name, &why);
        return Ok(report);
    }
    for ((target, stderr), stdout) in announced.iter().zip(&sections) {
        // Cargo says so right after a binary that exited with failure (with `--no-fail-fast`).
        let exit = stderr
            .lines()
            .any(|l| l.starts_with("error: test failed, to rerun pass"))
            .then(|| "cargo reported that the test binary failed".to_string());
        report.add_binary(&package.name, target, stdout, stderr, exit, false);
    }
    Ok(report)
}

/// Forgets `step`'s recorded results, then records `report`'s (for a step made of several builds;
/// [`run`] does this for one).
pub(crate) fn record(step: &str, report: &Report) -> Result<()> {
    save(step, &report.results)
}

/// The test executables among cargo's JSON messages, named from `ws`'s metadata.
fn binaries(ws: &Workspace, json_lines: &str) -> Result<Vec<Binary>> {
    let mut found = Vec::new();
    for message in Message::parse_stream(Cursor::new(json_lines)) {
        let message = message.context("reading cargo's JSON messages")?;
        let Message::CompilerArtifact(artifact) = message else {
            continue;
        };
        let Some(exe) = artifact.executable.filter(|_| artifact.profile.test) else {
            continue;
        };
        let manifest = artifact.manifest_path.as_std_path();
        let package = ws.package_by_manifest(manifest).with_context(|| {
            format!(
                "cargo built tests of {manifest:?}, which is not a member of the workspace at {}",
                ws.root.display()
            )
        })?;
        let target = ws::result_target(&artifact.target.kind, &artifact.target.name);
        found.push(Binary {
            package: package.name.clone(),
            package_dir: package.dir.clone(),
            target,
            executable: exe.into(),
        });
    }
    found.sort_by(|a, b| (&a.package, &a.target).cmp(&(&b.package, &b.target)));
    Ok(found)
}

/// What one libtest binary printed on stdout.
#[derive(Debug, Default, PartialEq, Eq)]
struct Libtest {
    /// Every `test <name> ... <status>` line.
    results: Vec<(String, Status)>,
    /// The sum of its `test result: …` lines, if it printed any (a `harness = false` target does
    /// not).
    summary: Option<Counts>,
    /// The sum of its `running N tests` lines, if it printed any.
    announced: Option<usize>,
    /// The `---- <name> stdout ----` sections of failed tests.
    failures: BTreeMap<String, String>,
}

/// libtest's own counts: passed, failed, ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    passed: usize,
    failed: usize,
    ignored: usize,
}

impl Libtest {
    fn parse(stdout: &str) -> Libtest {
        let mut parsed = Libtest::default();
        let mut section: Option<(String, String)> = None;
        for line in stdout.lines() {
            if let Some((name, status)) = result_line(line) {
                parsed.results.push((name, status));
            } else if let Some(n) = running_line(line) {
                *parsed.announced.get_or_insert(0) += n;
            } else if let Some(counts) = summary_line(line) {
                let sum = parsed.summary.get_or_insert_with(Counts::default);
                sum.passed += counts.passed;
                sum.failed += counts.failed;
                sum.ignored += counts.ignored;
            }
            // A failure's section runs from its `---- name stdout ----` line to the next such line
            // or to the `failures:` list.
            let header = line
                .strip_prefix("---- ")
                .and_then(|l| l.strip_suffix(" stdout ----"));
            if (header.is_some() || line == "failures:")
                && let Some((name, text)) = section.take()
            {
                parsed.failures.insert(name, text.trim_end().to_string());
            }
            if let Some(name) = header {
                section = Some((name.to_string(), String::new()));
            } else if let Some((_, text)) = &mut section {
                text.push_str(line);
                text.push('\n');
            }
        }
        if let Some((name, text)) = section {
            parsed.failures.insert(name, text.trim_end().to_string());
        }
        parsed
    }

    /// Why the result lines do not add up to libtest's summary, if they don't.
    fn mismatch(&self) -> Option<String> {
        let summary = match (self.summary, self.announced) {
            (Some(s), _) => s,
            (None, None) => return None,
            (None, Some(n)) => {
                return Some(format!(
                    "libtest announced {n} test(s) but printed no `test result:` line"
                ));
            }
        };
        if let Some(n) = self.announced.filter(|&n| n != self.results.len()) {
            return Some(format!(
                "libtest announced {n} test(s) but {} result line(s) were read (a result line \
                 was mangled by other output?)",
                self.results.len()
            ));
        }
        let n = |s| self.results.iter().filter(|(_, st)| *st == s).count();
        let read = Counts {
            passed: n(Status::Passed),
            failed: n(Status::Failed),
            ignored: n(Status::Ignored),
        };
        (read != summary).then(|| {
            format!(
                "libtest reported {} passed; {} failed; {} ignored, but the result lines read say {} \
                 passed; {} failed; {} ignored (a result line was mangled by other output?)",
                summary.passed,
                summary.failed,
                summary.ignored,
                read.passed,
                read.failed,
                read.ignored
            )
        })
    }
}

/// A `test <name> ... <status>` line.
fn result_line(line: &str) -> Option<(String, Status)> {
    let rest = line.strip_prefix("test ")?;
    let (name, status) = rest.split_once(" ... ")?;
    let status = match status.trim() {
        "ok" => Status::Passed,
        "FAILED" => Status::Failed,
        s if s == "ignored" || s.starts_with("ignored, ") => Status::Ignored,
        _ => return None,
    };
    let name = name.trim();
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name.to_string(), status))
}

/// A `running 3 tests` (or `running 1 test`) line.
fn running_line(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("running ")?;
    let (n, what) = rest.split_once(' ')?;
    matches!(what, "test" | "tests").then(|| n.parse().ok())?
}

/// A `test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; …` line.
fn summary_line(line: &str) -> Option<Counts> {
    let rest = line.strip_prefix("test result: ")?;
    let (_, counts) = rest.split_once(". ")?;
    let mut c = Counts::default();
    let mut seen = 0;
    for part in counts.split(';') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        match what {
            "passed" => c.passed = n,
            "failed" => c.failed = n,
            "ignored" => c.ignored = n,
            _ => continue,
        }
        seen += 1;
    }
    (seen == 3).then_some(c)
}

fn results_path(step: &str) -> Result<PathBuf> {
    Ok(ws::current()?.target_subdir(&format!("xtask/results/{step}.tsv")))
}

fn save(step: &str, results: &[TestResult]) -> Result<()> {
    let path = results_path(step)?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text: String = results
        .iter()
        .map(|r| {
            let name = r.name.replace(['\t', '\n'], " ");
            format!("{}\t{}\t{name}\t{}\n", r.package, r.target, r.status)
        })
        .collect();
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// The results that the latest run of `step` recorded (empty if it never ran).
pub(crate) fn load(step: &str) -> Vec<TestResult> {
    let Some(text) = results_path(step)
        .ok()
        .and_then(|p| fs::read_to_string(p).ok())
    else {
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
                output: String::new(),
            })
        })
        .collect()
}

/// Forgets the recorded results of `step` (a skipped or unbuilt step must not leave stale results
/// from an earlier run to prove anything).
pub(crate) fn clear(step: &str) -> Result<()> {
    let path = results_path(step)?;
    match fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_result_and_summary_lines() {
        let out = "running 4 tests\ntest a::b ... ok\ntest c ... FAILED\ntest d ... ignored, slow\n\
                   test e - should panic ... ok\nnoise\n\
                   test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n";
        let got = Libtest::parse(out);
        assert_eq!(
            got.results,
            vec![
                ("a::b".into(), Status::Passed),
                ("c".into(), Status::Failed),
                ("d".into(), Status::Ignored),
                ("e".into(), Status::Passed),
            ]
        );
        assert_eq!(
            got.summary,
            Some(Counts {
                passed: 2,
                failed: 1,
                ignored: 1
            })
        );
        assert_eq!(got.mismatch(), None);
    }

    #[test]
    fn a_result_line_mangled_by_stray_output_is_a_mismatch() {
        // A thread of the test printed between libtest's `test c ... ` and its `ok`.
        let lines = "test a ... ok\ntest c ... stray output from a thread\nok\n";
        let summary = "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let got = Libtest::parse(&format!("running 2 tests\n{lines}{summary}"));
        assert_eq!(got.results, vec![("a".into(), Status::Passed)]);
        let why = got.mismatch().expect("the lost line must be noticed");
        assert!(
            why.contains("announced 2 test(s) but 1 result line"),
            "{why}"
        );
        // Without the `running` line, the summary's counts catch it.
        let why = Libtest::parse(&format!("{lines}{summary}"))
            .mismatch()
            .unwrap();
        assert!(
            why.contains("reported 2 passed") && why.contains("say 1 passed"),
            "{why}"
        );
        // A summary line that was itself mangled is noticed too.
        let why = Libtest::parse(&format!("running 2 tests\n{lines}noise{summary}"))
            .mismatch()
            .unwrap();
        assert!(why.contains("no `test result:` line"), "{why}");
    }

    #[test]
    fn a_binary_whose_lines_do_not_add_up_fails_even_if_it_exited_0() {
        let out = "running 2 tests\ntest a ... ok\ntest c ... noise\nok\n\
                   test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let mut report = Report::default();
        report.add_binary("day9-x", "lib", out, "", None, false);
        assert_eq!(report.counts(), (1, 1, 0));
        assert_eq!(report.failed_binaries.len(), 1);
        assert!(report.failed_binaries[0].starts_with("day9-x/lib (libtest announced 2"));
        let failed = report.results.iter().find(|r| r.status == Status::Failed);
        assert!(failed.is_some_and(|r| r.name.starts_with("(libtest announced")));
        // A clean binary adds its results and nothing else.
        let mut clean = Report::default();
        clean.add_binary(
            "day9-x",
            "lib",
            &out.replace("noise\n", ""),
            "",
            None,
            false,
        );
        assert_eq!(
            (clean.counts(), clean.failed_binaries.len()),
            ((2, 0, 0), 0)
        );
    }

    #[test]
    fn a_cargo_run_is_split_per_binary_and_stderr_cannot_mangle_results() {
        let ws = ws::current().unwrap();
        let day = ws.days().find(|d| d.tests.len() > 1).unwrap();
        let test = &day.tests[0];
        let summary = |n| {
            format!(
                "test result: ok. {n} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n"
            )
        };
        let stdout = format!(
            "\nrunning 1 test\ntest a ... ok\n\n{}\nrunning 2 tests\ntest b ... ok\ntest c ... ok\n\n{}",
            summary(1),
            summary(2)
        );
        let stderr = format!(
            "   Compiling x\n     Running unittests src/lib.rs (/t/deps/x-1)\n     Running \
             tests/{test}.rs (/t/deps/{test}-2)\nwarning: integer-to-pointer cast\n"
        );
        let report = read_cargo_test("miri", day, &stdout, &stderr).unwrap();
        // All passed, but Miri found leaks at exit and the binary failed: that binary fails.
        let leaked = format!(
            "{stderr}error: memory leaked: alloc1\nerror: test failed, to rerun pass `--test {test}`\n"
        );
        let failed = read_cargo_test("miri", day, &stdout, &leaked).unwrap();
        assert_eq!(
            failed.failed_binaries.len(),
            1,
            "{:?}",
            failed.failed_binaries
        );
        assert!(failed.failed_binaries[0].starts_with(&format!("{}/{test} (", day.name)));
        let got: Vec<_> = report
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.name.as_str(), r.status))
            .collect();
        assert_eq!(
            got,
            [
                ("lib", "a", Status::Passed),
                (test.as_str(), "b", Status::Passed),
                (test.as_str(), "c", Status::Passed)
            ]
        );
        assert!(report.failed_binaries.is_empty());
        // A binary that crashed mid-run (Miri's report on stderr) fails, its report kept.
        let crashed = stdout.replace(&summary(2), "");
        let stderr = format!("{stderr}error: Undefined Behavior: use after free\n");
        let report = read_cargo_test("miri", day, &crashed, &stderr).unwrap();
        assert_eq!(report.failed_binaries.len(), 1);
        let failed = report.results.iter().find(|r| r.status == Status::Failed);
        assert!(failed.is_some_and(|r| r.output.contains("Undefined Behavior")));
        // Announcements and sections that do not pair up fail the run.
        let one = format!("\nrunning 1 test\ntest a ... ok\n\n{}", summary(1));
        let report = read_cargo_test("miri", day, &one, &stderr).unwrap();
        assert!(report.failed_binaries[0].contains("cargo ran 2 test binaries but 1"));
    }

    #[test]
    fn an_aborted_binary_shows_its_first_panic_not_the_abort() {
        // A loom model that deadlocked: loom panics, and unwinding out of its scheduler panics
        // again in a destructor, which aborts the process.
        let stderr = "running 1 test\n\
            thread 'two_waiters' (1) panicked at loom-0.7.3/src/rt/execution.rs:215:13:\n\
            deadlock; threads = [(Id(0), Blocked(Location(None))), (Id(1), Terminated)]\n\
            stack backtrace:\n   0: loom::rt::execution::Execution::schedule\n\
            thread 'two_waiters' (1) panicked at loom-0.7.3/src/rt/thread.rs:276:39:\n\
            called `Option::unwrap()` on a `None` value\n\
            thread 'two_waiters' (1) panicked at library/core/src/panicking.rs:233:5:\n\
            panic in a destructor during cleanup\n\
            thread caused non-unwinding panic. aborting.\n";
        let got = binary_failure_output(stderr);
        assert!(
            got.starts_with("thread 'two_waiters' (1) panicked at loom-0.7.3/src/rt/execution.rs")
                && got
                    .lines()
                    .nth(1)
                    .unwrap()
                    .starts_with("deadlock; threads ="),
            "{got}"
        );
        // Without a panic, the end of stderr.
        assert_eq!(binary_failure_output("a\nb\n"), "a\nb");
        assert_eq!(aborted_test(stderr), Some("two_waiters"));
        assert_eq!(aborted_test("a\nb\n"), None);
    }

    #[test]
    fn a_signal_is_named_and_a_killed_binary_is_not_a_mangled_one() {
        assert_eq!(
            signal_reason(6),
            "the test process aborted (SIGABRT): a panic while panicking, or an abort"
        );
        assert!(signal_reason(11).contains("SIGSEGV"));
        // Day 1's checklist binary, aborted by `std::process::abort()` in an exercise: libtest
        // announced its tests and printed three results.
        let out = "\nrunning 17 tests\ntest a ... ok\ntest b ... ok\ntest c ... ok\n";
        let mut report = Report::default();
        let why = signal_reason(6);
        report.add_binary("day1-x", "checklist", out, "", Some(why.clone()), true);
        let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", &format!("({why})")]);
        assert_eq!(
            report.failed_binaries,
            [format!("day1-x/checklist ({why})")]
        );
        // The same output from a process that exited on its own is a mismatch.
        let mut mangled = Report::default();
        mangled.add_binary("day1-x", "checklist", out, "", None, false);
        assert!(mangled.failed_binaries[0].contains("announced 17 test(s) but printed no"));
    }

    #[test]
    fn the_tests_a_binary_lists_are_read_from_its_list_output() {
        let out = "map::tests::range: test\nstress::a: test\nbench_x: benchmark\n\n2 tests, 1 benchmark\n";
        assert_eq!(listed(out), ["map::tests::range", "stress::a"]);
    }

    #[test]
    fn a_binary_without_libtest_output_has_no_summary_to_check() {
        let got = Libtest::parse("Testing bench/x\nSuccess\n");
        assert_eq!(got, Libtest::default());
        assert_eq!(got.mismatch(), None);
    }

    #[test]
    fn keeps_each_failures_output() {
        let out = "test a ... FAILED\ntest b ... FAILED\n\nfailures:\n\n---- a stdout ----\n\
                   thread 'a' panicked at src/x.rs:1:1:\nassertion failed: x\n\n---- b stdout ----\nboom\n\n\
                   failures:\n    a\n    b\n\ntest result: FAILED. 0 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let got = Libtest::parse(out);
        assert_eq!(
            got.failures["a"],
            "thread 'a' panicked at src/x.rs:1:1:\nassertion failed: x"
        );
        assert_eq!(got.failures["b"], "boom");
        assert_eq!(got.mismatch(), None);
    }

    #[test]
    fn finds_test_executables_and_names_packages_from_metadata() {
        let ws = ws::current().unwrap();
        let day = ws.days().next().unwrap();
        let manifest = day.manifest.display().to_string();
        let artifact = |kind: &str, name: &str, test: bool, exe: &str| {
            serde_json::json!({
                "reason": "compiler-artifact",
                "package_id": "path+file:///w#0.1.0",
                "manifest_path": manifest,
                "target": {"kind": [kind], "crate_types": [kind], "name": name, "src_path": "/w/x.rs",
                           "edition": "2024", "doctest": false, "test": true},
                "profile": {"opt_level": "0", "debuginfo": 0, "debug_assertions": true,
                            "overflow_checks": true, "test": test},
                "features": [], "filenames": [], "executable": exe, "fresh": true,
            })
            .to_string()
        };
        let lines = [
            artifact("lib", "x", true, "/t/a"),
            artifact("test", "checklist", true, "/t/b"),
            artifact("lib", "x", false, "/t/c"),
            r#"{"reason":"build-finished","success":true}"#.to_string(),
        ]
        .join("\n");
        let bins = binaries(ws, &lines).unwrap();
        let names: Vec<_> = bins
            .iter()
            .map(|b| (b.package.as_str(), b.target.as_str()))
            .collect();
        assert_eq!(
            names,
            [(day.name.as_str(), "checklist"), (day.name.as_str(), "lib")]
        );
        assert!(bins.iter().all(|b| b.package_dir == day.dir));
    }
}
