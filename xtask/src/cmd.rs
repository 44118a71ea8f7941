//! Running commands: print each one before it runs (`> cargo test …`), and turn a failure into an
//! error that names the step.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;

use anyhow::{Context as _, Result, bail};

use crate::ws;

/// The cargo that runs this xtask (`$CARGO`), so `cargo +nightly xtask …` and rustup overrides hold.
pub(crate) fn cargo() -> Cmd {
    Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A command line to print and run; it runs in the workspace root unless [`Cmd::dir`] says otherwise.
#[derive(Debug)]
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
    pub(crate) stdout: String,
    pub(crate) stderr: String,
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
        let mut child = self
            .command()?
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        let out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
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
        Ok(Output {
            success: status.success(),
            code: status.code(),
            stdout,
            stderr,
        })
    }

    /// Runs the command without printing anything, capturing stdout and stderr.
    pub(crate) fn capture(&self, what: &str) -> Result<Output> {
        let out = self
            .command()?
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("{what}: could not start `{}`", self.display()))?;
        Ok(Output {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
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
