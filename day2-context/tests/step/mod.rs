//! One suite, two steps: the tests in `tests/steps.rs` and `tests/hostile.rs` are written once,
//! generic over [`Step`], and [`each_step!`] runs each of them against step 1
//! (`day2_context::lesson`, the code the day's exercises are cut from) and step 2
//! (`day2_context::context`, the fast one the week uses) — as crossbeam runs one test over each
//! channel flavour, and *Rust Atomics and Locks* runs one test over each step.
//!
//! [`Step`] is the API the two steps share, named as both name it, so a test reads like code
//! written against either `Context`.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::fmt;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use day2_context::{ContextError, Key, Never, introspect, lesson};

/// A `Context` of one step, with its cancel handle.
pub(crate) trait Step: Clone + fmt::Debug + Send + Sync + 'static {
    /// The step's `CancelHandle`.
    type Cancel: Cancel;
    /// How deep the deep-chain tests go: a step whose walks recurse names the depth it is meant
    /// to pass, and says why.
    const DEEP_CHAIN: usize;
    fn background() -> Self;
    fn with_cancel(parent: &Self) -> (Self, Self::Cancel);
    fn with_timeout(parent: &Self, timeout: Duration) -> (Self, Self::Cancel);
    fn with_deadline(parent: &Self, deadline: Instant) -> (Self, Self::Cancel);
    fn with_value<K: Key>(parent: &Self, value: K::Value) -> Self;
    fn value<K: Key>(&self) -> Option<&K::Value>;
    fn err(&self) -> Option<ContextError>;
    fn done(&self) -> &Receiver<Never>;
    fn deadline(&self) -> Option<Instant>;
    fn child_scopes(&self) -> usize;
    /// Deadlines waiting in the step's timer (process-wide).
    fn timer_entries() -> usize;
    /// Cancel scopes alive in the process, where the step counts them.
    fn live_scopes() -> Option<usize>;
    fn is_done(&self) -> bool {
        self.err().is_some()
    }
}

/// A step's `CancelHandle`.
pub(crate) trait Cancel: Send + Sync + 'static {
    fn cancel(&self);
}

/// Implements [`Step`] for a step's `Context` by calling its own methods of the same names.
macro_rules! step {
    ($ctx:ty, $cancel:ty, deep_chain: $deep:expr, timer_entries: $timers:expr,
     live_scopes: $live:expr) => {
        impl Cancel for $cancel {
            fn cancel(&self) {
                <$cancel>::cancel(self);
            }
        }

        impl Step for $ctx {
            type Cancel = $cancel;
            const DEEP_CHAIN: usize = $deep;
            fn background() -> Self {
                <$ctx>::background()
            }
            fn with_cancel(parent: &Self) -> (Self, $cancel) {
                <$ctx>::with_cancel(parent)
            }
            fn with_timeout(parent: &Self, timeout: Duration) -> (Self, $cancel) {
                <$ctx>::with_timeout(parent, timeout)
            }
            fn with_deadline(parent: &Self, deadline: Instant) -> (Self, $cancel) {
                <$ctx>::with_deadline(parent, deadline)
            }
            fn with_value<K: Key>(parent: &Self, value: K::Value) -> Self {
                <$ctx>::with_value::<K>(parent, value)
            }
            fn value<K: Key>(&self) -> Option<&K::Value> {
                <$ctx>::value::<K>(self)
            }
            fn err(&self) -> Option<ContextError> {
                <$ctx>::err(self)
            }
            fn done(&self) -> &Receiver<Never> {
                <$ctx>::done(self)
            }
            fn deadline(&self) -> Option<Instant> {
                <$ctx>::deadline(self)
            }
            fn child_scopes(&self) -> usize {
                <$ctx>::child_scopes(self)
            }
            fn timer_entries() -> usize {
                $timers()
            }
            fn live_scopes() -> Option<usize> {
                $live()
            }
        }
    };
}

step!(
    lesson::Context,
    lesson::CancelHandle,
    // Not meant to pass step 2's 200 000: step 1's `cancel` recurses once per level, and so do
    // the drops of its links and scopes, so a chain that deep overflows the test thread's 2 MiB
    // stack and aborts the process (`src/lesson.rs`, "Limits"; `hostile.rs` keeps that test,
    // ignored, to run by hand).
    deep_chain: 1_000,
    timer_entries: lesson::timer_entries,
    live_scopes: || None
);

step!(
    day2_context::Context,
    day2_context::CancelHandle,
    deep_chain: 200_000,
    timer_entries: introspect::timer_entries,
    live_scopes: || Some(introspect::live_scopes())
);

/// Runs `test` under the watchdog ([`crate::support::bounded`]): a wrong solution that deadlocks
/// or never wakes a waiter fails the test, named, instead of hanging the run.
pub(crate) fn bounded(test: fn()) {
    crate::support::bounded(crate::support::PATIENCE * 3, test);
}

/// Runs `test` on the test's own thread: for tests that bound their own bodies (`tests/hostile.rs`
/// waits for its turn first, which must not count against the bound).
pub(crate) fn unbounded(test: fn()) {
    test();
}

/// Runs each listed generic test (`<group>::<test>::<C>()`) once per step: as
/// `lesson::<group>::<test>` and `fast::<group>::<test>`, each through `$run` ([`bounded`] or
/// [`unbounded`]).
macro_rules! each_step {
    (@step $run:ident, $step:ident, $ctx:ty, $($group:ident { $($test:ident),* })*) => {
        mod $step {
            $(
                mod $group {
                    $(
                        #[test]
                        fn $test() {
                            crate::step::$run(crate::$group::$test::<$ctx>);
                        }
                    )*
                }
            )*
        }
    };
    ($run:ident: $($group:ident { $($test:ident),* $(,)? })*) => {
        each_step!(@step $run, lesson, day2_context::lesson::Context, $($group { $($test),* })*);
        each_step!(@step $run, fast, day2_context::Context, $($group { $($test),* })*);
    };
}
pub(crate) use each_step;
