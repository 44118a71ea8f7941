//! Batched submit: one job is a chunk of items, so the per-job dispatch cost is paid once a chunk.
//!
//! A job travels through the jobs queue and the results channel and may wake a thread; that costs
//! about a hundred nanoseconds, twice a 50 ns job. Sending a thousand items per job spreads that
//! cost over a thousand items, which is what rayon's `par_iter` does with its adaptive splitting.
//! The work function still sees one item at a time; the context is checked between chunks, not
//! inside one (a chunk is the job in hand).

use std::ops::Range;

use day2_context::Context;

use crate::pool::p2_fast::Pool;

impl<T: Send + 'static, R: Send + 'static> Pool<Vec<T>, Vec<R>> {
    /// A pool whose jobs are chunks of items: `work` runs on every item of a chunk in order, and a
    /// chunk's outcome holds the results of its items in the same order.
    ///
    /// # Panics
    /// Panics if `size` is 0 (see [`Pool::new`]).
    pub fn batched<F>(ctx: &Context, size: usize, work: F) -> Self
    where
        F: Fn(&Context, T) -> R + Send + Sync + 'static,
    {
        Pool::new(ctx, size, move |ctx: &Context, chunk: Vec<T>| {
            chunk.into_iter().map(|item| work(ctx, item)).collect()
        })
    }

    /// Splits `items` into chunks of `chunk_len` (the last may be shorter) and submits each chunk as
    /// one job; returns the range of job indices. Item `i` of the input is item `i % chunk_len` of
    /// job `first + i / chunk_len`.
    ///
    /// # Panics
    /// Panics if `chunk_len` is 0, or if called after [`Pool::close`].
    pub fn submit_chunks(
        &mut self,
        items: impl IntoIterator<Item = T>,
        chunk_len: usize,
    ) -> Range<usize> {
        assert!(
            chunk_len > 0,
            "Pool::submit_chunks: chunk_len must be at least 1, got 0"
        );
        let first = self.submitted();
        let mut items = items.into_iter();
        loop {
            let chunk: Vec<T> = items.by_ref().take(chunk_len).collect();
            if chunk.is_empty() {
                break;
            }
            self.submit(chunk);
        }
        first..self.submitted()
    }
}
