//! Running commands: print each one before it runs (`> cargo test …`), and turn a failure into an
//! error that names the step.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::ws;

/// The cargo that runs this xtask (`$CARGO`), so `cargo +nightly xtask …` and rustup overrides hold.
pub(crate) fn cargo() -> Cmd {
    Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A command line to print and run; it runs in the workspace root unless [`Cmd::dir`] says otherwise.
#[derive(Clone, Debug)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
}

/// What a captured run printed, and whether it succeeded.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) success: bool,
    pub(crate) code: Option<i32>,
    /// The signal that killed the process, if one did (Unix).
    pub(crate) signal: Option<i32>,
    /// Set by [`Cmd::capture_bounded`] when it killed the process for making no progress.
    pub(crate) killed_after: Option<Duration>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    fn new(status: ExitStatus, stdout: String, stderr: String) -> Output {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Output {
            success: status.success(),
            code: status.code(),
            signal,
            killed_after: None,
            stdout,
            stderr,
        }
    }
}

impl Cmd {
    pub(crate) fn new(program: impl Into<OsString>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: None,
        }
    }

    pub(crate) fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.args.push(a.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub(crate) fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((k.as_ref().to_owned(), v.as_ref().to_owned()));
        self
    }

    pub(crate) fn dir(mut self, d: impl Into<PathBuf>) -> Self {
        self.dir = Some(d.into());
        self
    }

    /// The command as a shell-like line, with the environment it sets in front.
    pub(crate) fn display(&self) -> String {
        let quote = |s: &OsStr| {
            let s = s.to_string_lossy();
            if s.is_empty() || s.contains([' ', '\'', '"', '*']) {
                format!("'{s}'")
            } else {
                s.into_owned()
            }
        };
        let mut parts: Vec<String> = self
            .envs
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), quote(v)))
            .collect();
        let prog = Path::new(&self.program);
        let short = if prog.file_stem() == Some(OsStr::new("cargo")) {
            OsStr::new("cargo")
        } else {
            prog.as_os_str()
        };
        parts.push(quote(short));
        parts.extend(self.args.iter().map(|a| quote(a)));
        parts.join(" ")
    }

    fn command(&self) -> Result<Command> {
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)));
        match &self.dir {
            Some(d) => c.current_dir(d),
            None => c.current_dir(&ws::current()?.root),
        };
        Ok(c)
    }

    /// Prints and runs the command with inherited output; an error names `what`.
    pub(crate) fn run(&self, what: &str) -> Result<()> {
        println!("> {}", self.display());
        let status = self
            .command()?
            .status()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        if !status.success() {
            bail!("{what}: `{}` failed ({status})", self.display());
        }
        Ok(())
    }

    /// Prints and runs the command, capturing its output while also passing it through to the
    /// terminal (stdout lines for which `show` returns false are captured but not printed).
    pub(crate) fn tee(
        &self,
        what: &str,
        show: impl Fn(&str) -> bool + Send + Sync,
    ) -> Result<Output> {
        println!("> {}", self.display());
        self.tee_quiet(what, show)
    }

    /// [`Cmd::tee`] without printing the command line first.
    pub(crate) fn tee_quiet(
        &self,
        what: &str,
        show: impl Fn(&str) -> bool + Send + Sync,
    ) -> Result<Output> {
        let (child, out, err) = self.spawn_piped(what)?;
        let (stdout, stderr) = thread::scope(|s| {
            let show = &show;
            let o = s.spawn(move || pump(out, std::io::stdout(), show));
            let e = s.spawn(move || pump(err, std::io::stderr(), &|_: &str| true));
            (
                o.join().expect("stdout pump"),
                e.join().expect("stderr pump"),
            )
        });
        self.finish(what, child, stdout, stderr)
    }

    /// Starts the command with no stdin and its stdout and stderr piped to this process.
    fn spawn_piped(&self, what: &str) -> Result<(Child, ChildStdout, ChildStderr)> {
        let mut child = self
            .command()?
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        let out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
        Ok((child, out, err))
    }

    /// Waits for `child` (this command's process) and pairs its exit with what it printed.
    fn finish(
        &self,
        what: &str,
        mut child: Child,
        stdout: String,
        stderr: String,
    ) -> Result<Output> {
        let status = child
            .wait()
            .with_context(|| format!("{what}: waiting for `{}`", self.display()))?;
        Ok(Output::new(status, stdout, stderr))
    }

    /// Runs the command without printing anything, capturing stdout and stderr.
    pub(crate) fn capture(&self, what: &str) -> Result<Output> {
        let out = self
            .command()?
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        Ok(Output::new(
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// [`Cmd::capture`] with a wall-clock bound: the process is killed once `idle` passes without
    /// a stdout line that `progress` accepts (for a test binary, a test's result line), and the
    /// output says so ([`Output::killed_after`]). Whatever it printed until then is kept. A
    /// process it started that still holds the pipes after the kill is given two seconds, then
    /// left to finish on its own.
    pub(crate) fn capture_bounded(
        &self,
        what: &str,
        idle: Duration,
        progress: impl Fn(&str) -> bool,
    ) -> Result<Output> {
        const GRACE: Duration = Duration::from_secs(2);
        let (mut child, out, err) = self.spawn_piped(what)?;
        let (tx, lines) = mpsc::channel::<(bool, String)>();
        let pipes: [(bool, Box<dyn Read + Send>); 2] =
            [(true, Box::new(out)), (false, Box::new(err))];
        for (is_stdout, pipe) in pipes {
            let tx = tx.clone();
            // Detached: after a kill, a grandchild may hold the pipe open for as long as it lives.
            thread::spawn(move || {
                let mut reader = BufReader::new(pipe);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if tx.send((is_stdout, text)).is_err() {
                        break;
                    }
                    line.clear();
                }
            });
        }
        drop(tx);
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let mut last_progress = Instant::now();
        let mut killed: Option<Instant> = None;
        loop {
            let wait = match killed {
                None => idle.saturating_sub(last_progress.elapsed()),
                Some(at) => GRACE.saturating_sub(at.elapsed()),
            };
            match lines.recv_timeout(wait) {
                Ok((true, line)) => {
                    if progress(line.trim_end_matches(['\n', '\r'])) {
                        last_progress = Instant::now();
                    }
                    stdout.push_str(&line);
                }
                Ok((false, line)) => stderr.push_str(&line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) if killed.is_none() => {
                    // Already gone is fine: `wait` below reports how it ended.
                    let _ = child.kill();
                    killed = Some(Instant::now());
                }
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        let status = child
            .wait()
            .with_context(|| format!("{what}: waiting for `{}`", self.display()))?;
        let mut output = Output::new(status, stdout, stderr);
        output.killed_after = killed.map(|_| idle);
        Ok(output)
    }

    /// Prints and runs the command, capturing stdout silently (stderr passes through).
    pub(crate) fn read(&self, what: &str) -> Result<String> {
        println!("> {}", self.display());
        self.read_quiet(what)
    }

    /// [`Cmd::read`] without printing the command line first.
    pub(crate) fn read_quiet(&self, what: &str) -> Result<String> {
        let out = self
            .command()?
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        if !out.status.success() {
            bail!("{what}: `{}` failed ({})", self.display(), out.status);
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Copies `from` to `to` line by line (lines `show` accepts), returning everything read. A
/// terminal that went away does not stop the copy: the output is still captured.
fn pump(from: impl Read, mut to: impl Write, show: &(dyn Fn(&str) -> bool + Sync)) -> String {
    let mut all = String::new();
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
        let text = String::from_utf8_lossy(&line);
        if show(text.trim_end_matches(['\n', '\r'])) {
            let _ = to.write_all(text.as_bytes());
            let _ = to.flush();
        }
        all.push_str(&text);
        line.clear();
    }
    all
}

/// Runs a `cargo build` command line (without `--message-format`), showing cargo's rendered
/// diagnostics, and returns each executable it built as (target name, path): cargo's own messages
/// say where they are, wherever the target directory is.
pub(crate) fn built(build: Cmd, what: &str) -> Result<Vec<(String, PathBuf)>> {
    let out = build
        .arg("--message-format=json-render-diagnostics")
        .tee(what, |line| !line.starts_with('{'))?;
    if !out.success {
        bail!("{what}: the build failed");
    }
    let mut executables = Vec::new();
    for message in cargo_metadata::Message::parse_stream(std::io::Cursor::new(&out.stdout)) {
        if let cargo_metadata::Message::CompilerArtifact(a) =
            message.with_context(|| format!("{what}: reading cargo's messages"))?
            && let Some(exe) = a.executable
        {
            executables.push((a.target.name, exe.into_std_path_buf()));
        }
    }
    Ok(executables)
}

/// `RUSTFLAGS`-style variable `name` from the caller's environment with `extra` appended.
pub(crate) fn append_flags(name: &str, extra: &str) -> String {
    match std::env::var(name) {
        Ok(old) if !old.trim().is_empty() => format!("{old} {extra}"),
        _ => extra.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Cmd {
        Cmd::new("sh")
            .args(["-c", script])
            .dir(std::env::temp_dir())
    }

    fn is_result(line: &str) -> bool {
        line.ends_with(" ... ok")
    }

    #[test]
    fn a_process_without_progress_is_killed_after_the_bound_and_its_output_kept() {
        let started = Instant::now();
        let out = sh("echo 'test a ... ok'; echo stuck >&2; sleep 60")
            .capture_bounded("sh", Duration::from_secs(1), is_result)
            .unwrap();
        // Time is the behaviour here: killed after about 1 s, far sooner than the 60 s sleep.
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out.killed_after, Some(Duration::from_secs(1)));
        assert!(!out.success);
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("test a ... ok\n", "stuck\n")
        );
    }

    #[test]
    fn progress_restarts_the_bound_and_a_process_that_ends_is_not_killed() {
        // Four results 0.4 s apart: 1.6 s in all, never 1 s without one.
        let script = "for t in a b c d; do echo \"test $t ... ok\"; sleep 0.4; done";
        let out = sh(script)
            .capture_bounded("sh", Duration::from_secs(1), is_result)
            .unwrap();
        assert_eq!(out.killed_after, None);
        assert!(out.success);
        assert_eq!(out.stdout.lines().count(), 4);
    }

    #[test]
    fn a_signal_that_ended_the_process_is_reported() {
        let out = sh("kill -ABRT $$")
            .capture_bounded("sh", Duration::from_secs(10), is_result)
            .unwrap();
        assert_eq!(
            (out.signal, out.code, out.killed_after),
            (Some(6), None, None)
        );
    }
}
