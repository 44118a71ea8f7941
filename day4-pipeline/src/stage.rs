//! The three typed stages — `generate` → `process` → `sink` — in the blog's shape.
//!
//! Go's `func sq(done <-chan struct{}, in <-chan int) <-chan int` becomes
//! `fn process(p: &Pipeline, input: Receiver<T>, f) -> Receiver<U>`: take the context (inside the
//! [`Pipeline`]) and an input, start a thread, return its output at once. Stages compose:
//! `process(&p, process(&p, generate(&p, 2..=3), sq), sq)` is the blog's `sq(sq(gen(2, 3)))`.
//!
//! Each stage thread owns the `Sender` of its output. Go closes a channel with `defer close(out)`;
//! here the output closes when the thread's body returns, on every path — end of input, a closed
//! downstream, cancellation, an error or a panic — because that is when the `Sender` is dropped.

use std::ops::ControlFlow;

use crossbeam_channel::Receiver;

use crate::pipeline::{BoxError, Pipeline, Stop};

/// Stage 1: sends every item of `items` (the blog's `gen`), then closes its output.
///
/// `items` may be endless (`0..`): the stage stops when the context is done or every receiver of
/// its output is gone.
pub fn generate<I>(p: &Pipeline, items: I) -> Receiver<I::Item>
where
    I: IntoIterator + Send + 'static,
    I::Item: Send + 'static,
{
    // lab:begin day4/generate
    let (out, rx) = p.channel();
    p.spawn("generate", move |stage| {
        for item in items {
            stage.send(&out, item)?;
        }
        Ok(())
    });
    rx
    // lab:end day4/generate
}

/// Stage 2: applies `f` to every input item and sends the result (the blog's `sq`).
///
/// The output type may differ from the input's: channels are typed end to end.
pub fn process<T, U, F>(p: &Pipeline, input: Receiver<T>, mut f: F) -> Receiver<U>
where
    T: Send + 'static,
    U: Send + 'static,
    F: FnMut(T) -> U + Send + 'static,
{
    try_process(p, input, move |item| Ok::<U, BoxError>(f(item)))
}

/// Stage 2, fallible: like [`process`], but the first `Err` from `f` stops this stage, cancels the
/// pipeline and becomes [`Pipeline::wait`]'s error.
pub fn try_process<T, U, E, F>(p: &Pipeline, input: Receiver<T>, mut f: F) -> Receiver<U>
where
    T: Send + 'static,
    U: Send + 'static,
    E: Into<BoxError>,
    F: FnMut(T) -> Result<U, E> + Send + 'static,
{
    // lab:begin day4/process
    let (out, rx) = p.channel();
    p.spawn("process", move |stage| {
        loop {
            let item = stage.recv(&input)?;
            let result = f(item).map_err(|e| Stop::Failed(e.into()))?;
            stage.send(&out, result)?;
        }
    });
    rx
    // lab:end day4/process
}

/// Stage 3: hands every item to `f` on the calling thread until the input closes, `f` returns
/// `Break` (stopping short, the blog's "take the first value"), or the context is done.
///
/// Returning drops `input`: upstream stages see their output closed at their next send and finish.
/// The pipeline's verdict comes from [`Pipeline::wait`].
pub fn sink<T, F>(p: &Pipeline, input: Receiver<T>, mut f: F)
where
    F: FnMut(T) -> ControlFlow<()>,
{
    // lab:begin day4/sink
    p.run_here("sink", move |stage| {
        loop {
            let item = stage.recv(&input)?;
            if f(item).is_break() {
                return Ok(());
            }
        }
    });
    // lab:end day4/sink
}
