//! `cargo xtask tour`: every day's binary, in order, as `<bin> --quick` from the workspace root —
//! the one contract every day binary keeps (the days come from cargo metadata; no day is special).

use std::io::Cursor;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use cargo_metadata::Message;

use crate::cmd::{Cmd, cargo};
use crate::ws;

pub(crate) fn run() -> Result<()> {
    let ws = ws::current()?;
    let days: Vec<_> = ws.days().collect();
    let mut build = cargo().args([
        "build",
        "--release",
        "--bins",
        "--message-format=json-render-diagnostics",
    ]);
    for d in &days {
        build = build.args(["-p", &d.name]);
    }
    let out = build.tee("tour: build", |line| !line.starts_with('{'))?;
    if !out.success {
        bail!("tour: the day binaries did not build");
    }
    // Where cargo put each binary: its own messages say, wherever the target directory is.
    let mut executables = Vec::new();
    for message in Message::parse_stream(Cursor::new(&out.stdout)) {
        if let Message::CompilerArtifact(a) = message.context("tour: reading cargo's messages")?
            && let Some(exe) = a.executable
        {
            executables.push((a.target.name, exe));
        }
    }
    let started = Instant::now();
    for day in &days {
        for bin in &day.bins {
            let (_, exe) = executables
                .iter()
                .find(|(name, _)| name == bin)
                .with_context(|| format!("tour: cargo built no binary `{bin}`"))?;
            println!("\n════ {} — {} ════\n", day.name, day.description);
            Cmd::new(exe)
                .arg("--quick")
                .dir(&ws.root)
                .run(&format!("tour: {bin}"))?;
        }
    }
    println!(
        "\nThe week ran in {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
