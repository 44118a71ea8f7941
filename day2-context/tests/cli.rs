//! The day binary's command line (it is built with the `demo` feature, on by default): it answers
//! `--help`, naming `--quick`, the flag `cargo xtask tour` passes, and rejects what it does not
//! know with a usage error, as every day binary does.
#![cfg(feature = "demo")]

use std::time::Duration;

use assert_cmd::Command;

/// Bound for one run of the binary: `--help` and a usage error return at once, while a binary that
/// ignored its arguments would start the whole narrated day.
const LIMIT: Duration = Duration::from_secs(60);

fn day2() -> Command {
    let mut cmd = Command::cargo_bin("day2-context").expect("the day binary is built");
    cmd.timeout(LIMIT);
    cmd
}

#[test]
fn help_lists_the_quick_flag() {
    let out = day2().arg("--help").output().expect("ran the binary");
    assert!(out.status.success(), "--help failed: {out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: day2-context"), "{help}");
    assert!(help.contains("--quick"), "{help}");
}

#[test]
fn an_unknown_argument_is_a_usage_error() {
    let out = day2().arg("--fast").output().expect("ran the binary");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--fast"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing narrated after a usage error"
    );
}
