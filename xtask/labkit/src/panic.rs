//! Caught panics, disposed of safely.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Drops a caught panic payload (whose panic the panic hook already reported) without letting its
/// `Drop` unwind into the caller: a payload type whose destructor panics would otherwise kill the
/// thread that caught it (a pool's worker, a context's timer), losing what it was doing. The
/// payload of *that* second panic is leaked, not dropped, since its destructor could panic again
/// (std's thread runtime aborts in this case; code that outlives the panicking job cannot).
///
/// ```
/// struct Bomb;
/// impl Drop for Bomb {
///     fn drop(&mut self) {
///         panic!("a destructor that panics");
///     }
/// }
/// labkit::drop_payload(Box::new(Bomb)); // returns
/// ```
pub fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(nested);
    }
}
