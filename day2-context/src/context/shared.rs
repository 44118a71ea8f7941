//! `Shared<T>`: an atomically reference-counted pointer, `Arc<T>` without weak references.
//!
//! A `Context` link is never pointed to weakly, so `Arc`'s second (weak) count would cost every
//! freed link one more atomic read-modify-write, the dominant cost of deriving a context. `Shared`
//! has one count, and two more things `Arc` does not offer on stable Rust: several handles made
//! at once with a plain initial count (a `Context` and its `CancelHandle`: `Shared::new`), and the
//! value handed to its last owner for one release (`Shared::into_inner_with`; `Arc::try_unwrap` on
//! a shared `Arc` costs a failed compare-and-swap and then the release of the `Arc` it hands back),
//! which is how a long chain of links is unlinked in a loop.
//!
//! The count is a field of the value itself (`Counted`), not a header before it: a `Link` is
//! unsized (its bound value's type is erased), and a header would put the whole value at an offset
//! read from the vtable on every access.
//!
//! The count's orderings are `Arc`'s: a clone needs none (Relaxed), a release is Release and the
//! last one Acquires before the value is dropped. Unlike `Arc`, the last handle sees that it is
//! the last with a plain load when no other is left, and then writes nothing.

use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicUsize, fence};

/// A value that carries the count of the `Shared` handles to it.
pub(crate) trait Counted {
    /// The count: a field used by `Shared` alone, created as `AtomicUsize::new(0)`.
    fn count(&self) -> &AtomicUsize;
}

/// One owning handle to a boxed `T`; the last one dropped frees it.
pub(crate) struct Shared<T: ?Sized + Counted> {
    ptr: NonNull<T>,
    /// Dropping a `Shared` may drop a `T` (for the drop checker).
    owns: PhantomData<T>,
}

// SAFETY: as for `Arc<T>`: handles on several threads share `&T` (so `T: Sync`) and the last one,
// on any thread, drops the `T` (so `T: Send`); the count itself is atomic.
unsafe impl<T: ?Sized + Counted + Send + Sync> Send for Shared<T> {}
// SAFETY: see `Send`; `&Shared<T>` gives out `&T` and clones, nothing else.
unsafe impl<T: ?Sized + Counted + Send + Sync> Sync for Shared<T> {}

impl<T: ?Sized + Counted> Shared<T> {
    /// `N` (at least one) handles to `boxed`, which nothing else points to yet.
    pub(crate) fn new<const N: usize>(boxed: Box<T>) -> [Shared<T>; N] {
        const { assert!(N > 0, "at least one handle owns the allocation") };
        // Relaxed: the allocation is not shared yet; handing a handle to another thread
        // synchronises, as for any value.
        boxed.count().store(N, Relaxed);
        let ptr = NonNull::from(Box::leak(boxed));
        [(); N].map(|()| Shared {
            ptr,
            owns: PhantomData,
        })
    }

    fn value(&self) -> &T {
        // SAFETY: the allocation lives while the count is non-zero, and this handle is one of the
        // count until it is dropped.
        unsafe { self.ptr.as_ref() }
    }

    /// Gives up this handle's share of the count; `true` if it was the last handle, whose owner
    /// must then free the allocation.
    fn release(&self) -> bool {
        let count = self.value().count();
        // A count of 1 is our own handle alone, and no other can appear meanwhile (a handle is
        // made only from an existing one), so the count is not written at all: nothing will read
        // it again. The common case for a link dropped by its only owner, and one atomic
        // read-modify-write saved. Acquire: pairs with the Release decrements of the handles
        // dropped before ours, so their uses of the value happen before it is dropped.
        if count.load(Acquire) == 1 {
            return true;
        }
        // Release: pairs with the Acquire (load above or fence below) of whichever release comes
        // last, so every use of the value through this handle happens before it is dropped.
        if count.fetch_sub(1, Release) != 1 {
            return false;
        }
        fence(Acquire);
        true
    }

    /// Releases this handle. If it was the last one, calls `take` on the value just before it is
    /// dropped (to move parts out of it) and returns what `take` returned; otherwise `None`.
    pub(crate) fn into_inner_with<R>(this: Self, take: impl FnOnce(&mut T) -> R) -> Option<R> {
        let this = std::mem::ManuallyDrop::new(this);
        if !this.release() {
            return None;
        }
        // SAFETY: ours was the last handle (`release`), so nothing else points to the allocation,
        // which came from `Box::leak` in `new`.
        let mut boxed = unsafe { Box::from_raw(this.ptr.as_ptr()) };
        Some(take(&mut boxed))
    }
}

impl<T: ?Sized + Counted> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        // Relaxed: a new handle is made from an existing one, which keeps the count above zero
        // meanwhile; no other memory is published by it (as `Arc::clone`).
        let old = self.value().count().fetch_add(1, Relaxed);
        // A count past `isize::MAX` means leaked handles by the billion; stop before it wraps
        // (as `Arc` does).
        if old > isize::MAX as usize {
            std::process::abort();
        }
        Shared {
            ptr: self.ptr,
            owns: PhantomData,
        }
    }
}

impl<T: ?Sized + Counted> Drop for Shared<T> {
    fn drop(&mut self) {
        if self.release() {
            // SAFETY: as in `into_inner_with`: the last handle, of an allocation from `Box::leak`.
            drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
        }
    }
}

impl<T: ?Sized + Counted> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value()
    }
}
