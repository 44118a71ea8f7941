//! Step 1 — a Treiber stack on `AtomicPtr` + `compare_exchange`, Go's `CompareAndSwapPointer`.
//!
//! This version is problematic: `pop` unlinks a node but can never free it while the stack is
//! alive, so every popped node (its [`LeakyStack::NODE_BYTES`] bytes) stays allocated until the
//! stack is dropped. A long-lived stack grows without bound. Go's garbage collector frees a popped
//! node once no goroutine can still see it; Rust has no collector, and freeing in `pop` is wrong
//! for two reasons:
//!
//! 1. **Use-after-free.** Thread A loads `head == n` and is about to read `n.next`. Thread B pops
//!    `n` and frees it. A now reads freed memory.
//! 2. **ABA.** Thread A loads `head == n` and `n.next == m`, then stalls. B pops `n` and `m`, frees
//!    `n`, and pushes a new node that the allocator places at `n`'s old address. A's
//!    `compare_exchange(n, m)` succeeds — the address matches — and installs the freed `m` as
//!    the head.
//!
//! So this step *defers*: a popped node moves to a private `retired` list and is freed in `Drop`.
//! That is sound (no address is reused while any thread can hold it) but it is a leak in all but
//! name. [`super::s2_epoch`] fixes it with epoch-based reclamation. This step stays because its
//! CAS protocol is exactly the real one and, built on the crate's `sync` shim (loom's atomics under
//! `--cfg loom`), loom can check it (`tests/loom_stack.rs`).
//!
//! # Invariants
//!
//! 1. Every node reachable from `head` owns its value; a node on the `retired` list does not (the
//!    pop that unlinked it moved the value out).
//! 2. No node is freed before `Drop`, so while the stack is alive no address is reused: a thread
//!    that loaded a node pointer may always dereference it, and a CAS that expects a node can only
//!    succeed if that very node is still the head (no ABA).
//! 3. `next` is written only while its node is private to the pushing thread, before the CAS that
//!    publishes it; afterwards it is read-only. `retired_next` is written only by the one pop that
//!    unlinked the node and read only by `Drop`.
//! 4. Every write to `head` is a compare-exchange (a read-modify-write), so each write continues the
//!    release sequence of the push that published the node it exposes.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::sync::{AtomicPtr, UnsafeCell, const_fn};

struct Node<T> {
    /// The element; moved out exactly once, by the pop that unlinks the node (invariant 1).
    value: UnsafeCell<ManuallyDrop<T>>,
    /// The node below this one (invariant 3).
    next: UnsafeCell<*mut Node<T>>,
    /// The link in the `retired` list (invariant 3).
    retired_next: UnsafeCell<*mut Node<T>>,
    /// Under loom, a node that is never freed fails the model.
    #[cfg(loom)]
    _leak_check: loom::alloc::Track<()>,
}

/// A lock-free LIFO stack whose popped nodes are freed only when the stack is dropped.
///
/// ```
/// use day1_sync_atomic::stack::s1_leaky::LeakyStack;
/// let s = LeakyStack::new();
/// s.push(1);
/// s.push(2);
/// assert_eq!(s.pop(), Some(2));
/// assert_eq!(s.pop(), Some(1));
/// assert!(s.is_empty());
/// ```
pub struct LeakyStack<T> {
    head: AtomicPtr<Node<T>>,
    retired: AtomicPtr<Node<T>>,
    /// The stack owns `T`s (for drop check and auto traits).
    _owns: PhantomData<T>,
}

// SAFETY: the stack owns its elements and hands them out by value. Sending the stack sends its `T`s,
// which needs `T: Send`, and nothing more: the raw node pointers are owned by the stack.
unsafe impl<T: Send> Send for LeakyStack<T> {}
// SAFETY: through `&LeakyStack` threads only move `T`s in (`push`) and out (`pop`); no `&T` is ever
// shared between threads, so `T: Send` suffices, exactly as for `Mutex<T>`.
unsafe impl<T: Send> Sync for LeakyStack<T> {}

impl<T> LeakyStack<T> {
    /// The heap bytes one node takes; every `pop` leaves this much allocated until `Drop`.
    pub const NODE_BYTES: usize = size_of::<Node<T>>();

    const_fn! {
        const_if: #[cfg(not(loom))];
        /// An empty stack.
        pub const fn new() -> Self {
            LeakyStack {
                head: AtomicPtr::new(ptr::null_mut()),
                retired: AtomicPtr::new(ptr::null_mut()),
                _owns: PhantomData,
            }
        }
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        // lab:begin day1/treiber-push
        let new = Box::into_raw(Box::new(Node {
            value: UnsafeCell::new(ManuallyDrop::new(value)),
            next: UnsafeCell::new(ptr::null_mut()),
            retired_next: UnsafeCell::new(ptr::null_mut()),
            #[cfg(loom)]
            _leak_check: loom::alloc::Track::new(()),
        }));
        // SAFETY: `new` comes from `Box::into_raw` just above and is freed only in `Drop`.
        let node = unsafe { &*new };
        // Relaxed: the old head is never dereferenced here, only stored into `next` and compared.
        let mut head = self.head.load(Relaxed);
        loop {
            node.next.with_mut(|next| {
                // SAFETY: the node is still private to this thread (invariant 3).
                unsafe { *next = head }
            });
            // Release on success: pairs with the Acquire load in `pop`, so a thread that sees `new`
            // also sees its `value` and `next`. Relaxed on failure: we only retry with `current`.
            match self.head.compare_exchange_weak(head, new, Release, Relaxed) {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
        // lab:end day1/treiber-push
    }

    /// Pops the top element, or returns `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        // lab:begin day1/treiber-pop-leaky
        // Acquire: pairs with the Release CAS in `push` that published `head` — directly, or through
        // the release sequence of later CASes on `head` (invariant 4) — so its fields are visible.
        let mut head = self.head.load(Acquire);
        loop {
            if head.is_null() {
                return None;
            }
            // SAFETY: non-null, and nodes are not freed while the stack is alive (invariant 2).
            let node = unsafe { &*head };
            // SAFETY: `next` is read-only once the node is published (invariant 3).
            let next = node.next.with(|next| unsafe { *next });
            // Relaxed on success: the Acquire load (or the failed CAS) that produced `head` already
            // made the node's fields visible, and our write continues the release sequence
            // (invariant 4). Acquire on failure: `current` is dereferenced on the next iteration.
            match self
                .head
                .compare_exchange_weak(head, next, Relaxed, Acquire)
            {
                Ok(_) => {
                    // SAFETY: our CAS unlinked the node, so this pop is the only one that takes its
                    // value, exactly once (invariant 1); the `ManuallyDrop` is never dropped again.
                    let value = node.value.with(|value| unsafe { ptr::read(value) });
                    self.retire(head);
                    return Some(ManuallyDrop::into_inner(value));
                }
                Err(current) => head = current,
            }
        }
        // lab:end day1/treiber-pop-leaky
    }

    /// Whether the stack was empty at the moment of the check.
    pub fn is_empty(&self) -> bool {
        // Relaxed: only the null test is used; nothing is dereferenced.
        self.head.load(Relaxed).is_null()
    }

    /// Moves an unlinked node to the `retired` list, to be freed by `Drop`.
    fn retire(&self, unlinked: *mut Node<T>) {
        // SAFETY: the node is alive (invariant 2) and our CAS in `pop` unlinked it.
        let node = unsafe { &*unlinked };
        // Relaxed (here and in the CAS): retired nodes are never dereferenced before `Drop`, and
        // `Drop` runs with `&mut self`, after whatever gave it exclusive access (a join, the last
        // `Arc`) ordered every thread's writes before it.
        let mut top = self.retired.load(Relaxed);
        loop {
            node.retired_next.with_mut(|link| {
                // SAFETY: only the pop that unlinked this node writes `retired_next` (invariant 3).
                unsafe { *link = top }
            });
            match self
                .retired
                .compare_exchange_weak(top, unlinked, Relaxed, Relaxed)
            {
                Ok(_) => return,
                Err(current) => top = current,
            }
        }
    }
}

impl<T> Default for LeakyStack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for LeakyStack<T> {
    fn drop(&mut self) {
        // Relaxed loads: `&mut self` means no other thread can touch the stack any more, and the
        // synchronization that gave us exclusive access ordered their writes before this point.
        let mut live = self.head.load(Relaxed);
        while !live.is_null() {
            // SAFETY: every node came from `Box::into_raw` in `push`, is on exactly one list, and
            // is freed exactly once, here.
            let node = unsafe { Box::from_raw(live) };
            // SAFETY: exclusive access; `next` was set before the node was published.
            live = node.next.with(|next| unsafe { *next });
            // SAFETY: a live node still owns its value (invariant 1); it is read exactly once.
            let value = node.value.with(|value| unsafe { ptr::read(value) });
            drop(ManuallyDrop::into_inner(value));
        }
        let mut retired = self.retired.load(Relaxed);
        while !retired.is_null() {
            // SAFETY: as above; a retired node's value was moved out, so only the node is freed
            // (its `ManuallyDrop` field is not dropped).
            let node = unsafe { Box::from_raw(retired) };
            // SAFETY: exclusive access; `retired_next` was set by the pop that retired the node.
            retired = node.retired_next.with(|link| unsafe { *link });
        }
    }
}

impl<T> std::fmt::Debug for LeakyStack<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeakyStack")
            .field("is_empty", &self.is_empty())
            .finish_non_exhaustive()
    }
}
