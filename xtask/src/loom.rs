//! `cargo xtask loom`: the loom models (`tests/loom_*.rs`), built with `--cfg loom` in release.
//!
//! A crate's `[package.metadata.xtask] loom-cfg` adds `--cfg` names to its build (day 1 models its
//! epoch stack through crossbeam-epoch's own loom support, `--cfg crossbeam_loom`); such a crate
//! builds in its own `<target>/loom-<crate>` (its dependencies compile differently), the others
//! share `<target>/loom`. Each crate runs at its `loom-preemptions` bound ([`PREEMPTIONS`] if it sets
//! none); `--deep` runs each crate that sets `loom-deep-preemptions` at that bound (recorded as the
//! `loom-deep` step; not part of `check-all`).

use std::path::PathBuf;

use anyhow::Result;

use crate::cmd::{Cmd, append_flags, cargo};
use crate::step::{Done, Step, summarise};
use crate::suite::{self, Report};
use crate::ws::{self, Package};

/// The preemption bound of a normal run (`LOOM_MAX_PREEMPTIONS`) for a crate that sets none.
pub(crate) const PREEMPTIONS: u32 = 3;

/// `package`'s preemption bound for a normal run.
pub(crate) fn preemptions(package: &Package) -> u32 {
    package.settings.loom_preemptions.unwrap_or(PREEMPTIONS)
}

/// Where `package`'s loom build goes.
pub(crate) fn target_dir(package: &Package) -> Result<PathBuf> {
    let ws = ws::current()?;
    Ok(if package.settings.loom_cfg.is_empty() {
        ws.target_subdir("loom")
    } else {
        ws.target_subdir(&format!("loom-{}", package.name))
    })
}

/// `package`'s loom models (its `loom_*` test targets).
pub(crate) fn models(package: &Package) -> Vec<&str> {
    package
        .tests
        .iter()
        .filter(|t| t.starts_with("loom_"))
        .map(String::as_str)
        .collect()
}

/// The `cargo test` that builds `package`'s loom models (for [`suite::run`] or
/// [`suite::execute`]; set `LOOM_MAX_PREEMPTIONS` when running them). Without the crate's default
/// features: the models check the library itself, not the lab's contenders and demos behind them,
/// which would only lengthen the release build.
pub(crate) fn cargo_test(package: &Package) -> Result<Cmd> {
    let cfgs: String = std::iter::once("loom")
        .chain(package.settings.loom_cfg.iter().map(String::as_str))
        .map(|c| format!("--cfg {c}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = cargo()
        .env("RUSTFLAGS", append_flags("RUSTFLAGS", &cfgs))
        // A panic names its file and line without debug info; the models' build is faster without.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .args(["test", "--release", "--no-default-features", "--target-dir"])
        .arg(target_dir(package)?)
        .args(["-p", &package.name]);
    for model in models(package) {
        cmd = cmd.args(["--test", model]);
    }
    Ok(cmd)
}

/// `cargo xtask loom [CRATE] [--preemptions N] [--deep]`; `preemptions` overrides every crate's
/// bound.
pub(crate) fn run(krate: Option<&str>, preemptions: Option<u32>, deep: bool) -> Step {
    let step = if deep { "loom-deep" } else { "loom" };
    suite::clear(step)?;
    let ws = ws::current()?;
    let mut report = Report::default();
    for package in ws.selected(krate)? {
        if models(package).is_empty() {
            continue;
        }
        let bound = match (deep, package.settings.loom_deep_preemptions) {
            (false, _) => preemptions.unwrap_or_else(|| self::preemptions(package)),
            (true, Some(b)) => b,
            (true, None) => {
                println!(
                    "{step}: {} sets no loom-deep-preemptions; not run",
                    package.name
                );
                continue;
            }
        };
        let env = [("LOOM_MAX_PREEMPTIONS", bound.to_string())];
        report.extend(suite::execute(
            step,
            ws,
            cargo_test(package)?,
            &env,
            suite::Mode::Echo,
            &[],
        )?);
    }
    if deep && report.results.is_empty() && report.failed_binaries.is_empty() {
        return Ok(Done::Skipped(
            "no selected crate sets `loom-deep-preemptions` in [package.metadata.xtask]".into(),
        ));
    }
    suite::record(step, &report)?;
    summarise(step, &report)
}
