//! `cargo xtask tour`: every day's binary, in order, as `<bin> --quick` from the workspace root —
//! the one contract every day binary keeps (the days come from cargo metadata; no day is special).

use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cmd::{Cmd, built, cargo};
use crate::ws;

pub(crate) fn run() -> Result<()> {
    let ws = ws::current()?;
    let days: Vec<_> = ws.days().collect();
    let mut build = cargo().args(["build", "--release", "--bins"]);
    for d in &days {
        build = build.args(["-p", &d.name]);
    }
    let executables = built(build, "tour: build")?;
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
