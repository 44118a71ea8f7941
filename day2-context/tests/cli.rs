//! The day binary's command line (it is built with the `demo` feature, on by default): it answers
//! `--help`, naming `--quick`, the flag `cargo xtask tour` passes, and rejects what it does not
//! know with a usage error, as every day binary does.
#![cfg(feature = "demo")]

use labkit::day_binary;

#[test]
fn help_lists_the_quick_flag() {
    day_binary::help_names_the_quick_flag("day2-context");
}

#[test]
fn an_unknown_argument_is_a_usage_error() {
    day_binary::an_unknown_argument_is_a_usage_error("day2-context");
}
