//! Timer entries are a resource: a cancel takes its scope's entry out of the timer, and a scope
//! that is done before its timer is armed never gets one (Go: `c.timer.Stop()`, and
//! `WithDeadline`'s `if c.err == nil` around `time.AfterFunc`). Run against both steps
//! (`tests/step/mod.rs`).
//!
//! A binary of its own: the tests compare the process-wide count of timer entries, so they run one
//! at a time, and no other test adds entries meanwhile. (Not in `tests/hostile.rs`: its deep
//! chains can overflow the stack of a build that switches many variants into one function, as
//! `cargo xtask lab prove --mutants` builds do, and an abort there would take these tests with it.)

mod step;
mod support;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use day2_context::ContextError;
use step::{Cancel, Step, each_step};

each_step! {
    bounded:
    timers {
        cancel_takes_the_timer_entry_out,
        a_timed_child_of_a_done_parent_arms_no_timer,
    }
}

/// One test at a time: the counts stay exact.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone(body: impl FnOnce()) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    body();
}

mod timers {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    pub(crate) fn cancel_takes_the_timer_entry_out<C: Step>() {
        alone(|| {
            let (parent, stop) = C::with_cancel(&C::background());
            let before = C::timer_entries();
            let (_timed, cancel) = C::with_timeout(&parent, HOUR);
            assert_eq!(
                C::timer_entries(),
                before + 1,
                "a context with a one-hour timeout has one entry in the timer"
            );
            cancel.cancel();
            assert_eq!(
                C::timer_entries(),
                before,
                "its own cancel left the timer entry behind: cancel must stop the scope's timer \
                 (take `state.timer` and remove it from the timer), or every cancelled request \
                 keeps an entry until its deadline"
            );
            let (_timed, _cancel) = C::with_timeout(&parent, HOUR);
            stop.cancel();
            assert_eq!(
                C::timer_entries(),
                before,
                "the parent's cancel left the child's timer entry behind: each scope the walk \
                 cancels must stop its own timer"
            );
        });
    }

    pub(crate) fn a_timed_child_of_a_done_parent_arms_no_timer<C: Step>() {
        alone(|| {
            let (parent, stop) = C::with_cancel(&C::background());
            stop.cancel();
            let before = C::timer_entries();
            let (child, _cancel) = C::with_timeout(&parent, HOUR);
            assert_eq!(child.err(), Some(ContextError::Canceled), "born done");
            assert_eq!(
                C::timer_entries(),
                before,
                "a child born done (its parent was already cancelled) armed a timer: no cancel \
                 will ever stop it, so it stays until its deadline. Arm the timer only while the \
                 scope is still live, checked under its lock"
            );
        });
    }
}
