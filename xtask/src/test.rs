//! `cargo xtask test [CRATE]`: unit, integration and doc tests; the results feed `checklist`.

use crate::cmd::cargo;
use crate::step::{Step, summarise};
use crate::{suite, ws};

pub(crate) fn run(krate: Option<&str>) -> Step {
    let selection = ws::select(krate)?;
    let report = suite::run("test", cargo().arg("test").args(&selection), &[])?;
    let outcome = summarise("test", &report);
    // Doc tests live in libraries; `cargo test --doc` refuses a selection without one.
    if ws::current()?.selected(krate)?.iter().any(|p| p.has_lib()) {
        cargo()
            .args(["test", "--doc"])
            .args(&selection)
            .run("test: doc tests")?;
    }
    outcome
}
