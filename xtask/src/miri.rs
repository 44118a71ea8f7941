//! `cargo xtask miri`: the tests of the unsafe code under Miri, the other half of Rust's answer to
//! `go test -race`: where ThreadSanitizer watches real runs for races, Miri interprets the code and
//! reports undefined behaviour (use after free, data races on non-atomics, out-of-bounds and
//! misaligned accesses, invalid values) in every execution the tests make it interpret.
//!
//! Each crate lists what Miri runs in `[package.metadata.xtask] miri-args` (for example
//! `["--lib", "--test", "stress"]`, passed after `cargo +nightly miri test -p <crate>`), and in
//! `miri-flags` the `MIRIFLAGS` its run needs (crossbeam's own CI runs crossbeam-epoch with
//! `-Zmiri-disable-stacked-borrows -Zmiri-ignore-leaks`, crossbeam issues #545 and #579); crates
//! without `miri-args` are not run. Before them, a planted use-after-free (`xtask/miri-canary`) must be
//! reported, or the step fails. Builds go to `<target>/miri` (cargo-miri's own subdirectory of
//! cargo's target directory). The step is skipped, with the reason, where nightly, its `miri`
//! component or `rust-src` is missing.

use anyhow::{Result, bail};

use crate::cmd::append_flags;
use crate::step::{Done, Step, summarise};
use crate::suite::{self, Report};
use crate::{nightly, ws};

/// Runs the canary under Miri and checks that Miri reported its use-after-free.
fn checker_is_live() -> Result<()> {
    let ws = ws::current()?;
    let out = nightly::cargo()
        // The canary is a workspace of its own: without this it would build in its source folder.
        .args(["miri", "run", "--target-dir"])
        .arg(&ws.target_dir)
        .arg("--manifest-path")
        .arg(ws.root.join("xtask/miri-canary/Cargo.toml"))
        .tee("miri: canary", |_| true)?;
    let reported =
        out.stderr.contains("Undefined Behavior") && out.stderr.contains("has been freed");
    match (reported, out.success) {
        (true, false) => {
            println!("miri: the checker is live: it reported the canary's use-after-free\n");
            Ok(())
        }
        (false, _) => bail!("miri: Miri did not report the canary's use-after-free"),
        (true, true) => {
            bail!("miri: the canary's use-after-free was reported but the run exited 0")
        }
    }
}

/// `cargo xtask miri [CRATE]`.
pub(crate) fn run(krate: Option<&str>) -> Step {
    let ws = ws::current()?;
    let crates: Vec<_> = ws
        .selected(krate)?
        .into_iter()
        .filter(|p| !p.settings.miri_args.is_empty())
        .collect();
    let ready = nightly::host()
        .and_then(|_| nightly::has_component("miri"))
        .and_then(|()| nightly::ensure_rust_src("miri"));
    if let Err(why) = ready {
        suite::clear("miri")?;
        return Ok(Done::Skipped(why));
    }
    if crates.is_empty() {
        suite::clear("miri")?;
        let which = krate.unwrap_or("any crate");
        return Ok(Done::Skipped(format!(
            "{which} has no `miri-args` in [package.metadata.xtask]"
        )));
    }
    suite::clear("miri")?;
    nightly::cargo()
        .args(["miri", "setup"])
        .run("miri: setup")?;
    checker_is_live()?;
    let mut report = Report::default();
    for package in crates {
        let mut cmd = nightly::cargo();
        if !package.settings.miri_flags.is_empty() {
            let flags = package.settings.miri_flags.join(" ");
            cmd = cmd.env("MIRIFLAGS", append_flags("MIRIFLAGS", &flags));
        }
        let cmd = cmd
            .args(["miri", "test", "--no-fail-fast", "-p", &package.name])
            .args(&package.settings.miri_args);
        report.extend(suite::run_cargo(
            &format!("miri: {}", package.name),
            package,
            cmd,
        )?);
    }
    suite::record("miri", &report)?;
    summarise("miri", &report)
}
