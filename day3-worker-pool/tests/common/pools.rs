//! The two steps of the pool, and [`for_each_pool!`], which runs one suite against both (as
//! crossbeam runs its channel tests on each flavour, and *Rust Atomics and Locks* each step).
//!
//! Each step's module gives the suite `Pool` and the two ways a test builds one, `pool` and
//! `rendezvous_pool`, with the same signatures; a test body names only those.

use day2_context::Context;

/// Step 1, `pool::p1_lesson`: the course's Go in Rust, where the lab's exercises are.
pub mod lesson {
    use super::Context;
    pub use day3_worker_pool::pool::p1_lesson::Pool;

    /// How many jobs, and how many results, the lesson's channels hold in these tests: more than
    /// any test submits, as Go by Example buffers both channels for the whole batch, so that a test
    /// can submit every job before it reads a result.
    pub const CAPACITY: usize = 4096;

    /// A pool of `size` workers whose channels hold [`CAPACITY`] values.
    pub fn pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, CAPACITY, work)
    }

    /// A pool whose channels hold nothing: a worker blocks on every result until someone reads it.
    pub fn rendezvous_pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, 0, work)
    }

    /// A pool whose channels hold `capacity` values: a worker blocks on a result once `capacity`
    /// results wait unread.
    pub fn small_pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        capacity: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, capacity, work)
    }
}

/// Step 2, `pool::p2_fast`: the crate's `Pool`, the one days 4 and 5 build on.
pub mod fast {
    use super::Context;
    pub use day3_worker_pool::Pool;

    /// A pool of `size` workers (its jobs queue and results channel are unbounded).
    pub fn pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, work)
    }

    /// The fast step's results channel is unbounded, so it has no rendezvous pool: a worker never
    /// blocks on a result. A test of a blocked send runs on the plain pool here, and checks only
    /// what remains: a cancel still ends a worker whose result nobody read.
    pub fn rendezvous_pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, work)
    }

    /// The fast step's channels are unbounded: `capacity` is ignored, and a test of a full results
    /// channel checks on it only that every result still arrives.
    pub fn small_pool<J: Send + 'static, R: Send + 'static>(
        ctx: &Context,
        size: usize,
        _capacity: usize,
        work: impl Fn(&Context, J) -> R + Send + Sync + 'static,
    ) -> Pool<J, R> {
        Pool::new(ctx, size, work)
    }
}

/// Writes each test inside it twice: once in `mod lesson`, once in `mod fast`, each with that
/// step's `Pool`, `pool` and `rendezvous_pool` in scope (and the file's own imports). Tests in an
/// opening `@not_in_lesson("why") { … }` section are ones the lesson is not meant to pass: they
/// run on the fast step and show as ignored, with `why`, on the lesson.
macro_rules! for_each_pool {
    (@not_in_lesson($why:literal) { $($beyond:item)* } $($test:item)*) => {
        /// The suite on step 1, the lesson (`src/pool/p1_lesson.rs`).
        mod lesson {
            use super::*;
            use crate::common::pools::lesson::*;

            $($test)*
            $(#[ignore = $why] $beyond)*
        }

        /// The suite on step 2, the fast pool (`src/pool/p2_fast.rs`).
        mod fast {
            use super::*;
            use crate::common::pools::fast::*;

            $($test)*
            $($beyond)*
        }
    };
    ($($test:item)*) => {
        for_each_pool! { @not_in_lesson("") {} $($test)* }
    };
}
pub(crate) use for_each_pool;
