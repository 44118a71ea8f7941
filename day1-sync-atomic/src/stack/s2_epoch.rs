//! Step 2 — the Treiber stack with safe memory reclamation (crossbeam-epoch).
//!
//! The CAS protocol is step 1's ([`super::s1_leaky`]); what changes is *when* a popped node may
//! be freed. Every operation first *pins* the thread (`epoch::pin()`): while a thread is pinned,
//! no node that was reachable when it pinned is freed. `pop` unlinks a node and hands it to
//! `guard.defer_destroy`, which frees it once every thread that was pinned at that moment has
//! unpinned. That closes both holes of step 1:
//!
//! - **use-after-free**: a thread that loaded `head == n` is pinned, so `n` outlives its use;
//! - **ABA**: `n`'s address cannot be handed out again by the allocator while any thread that
//!   could still compare against it is pinned, so a CAS expecting `n` really means `n`.
//!
//! This is what Go's garbage collector does for `atomic.Pointer[T]` without being asked.
//!
//! # Invariants
//!
//! 1. Every node reachable from `head` owns its value; the pop whose CAS unlinks a node moves
//!    the value out (the field is `ManuallyDrop`, so destroying the node never drops it again).
//! 2. A node is freed only through `defer_destroy` after it was unlinked, or by `Drop` (which has
//!    `&mut self`); so any node pointer loaded while pinned stays valid until the guard drops.
//! 3. `next` is written only while the node is private, before the CAS that publishes it.
//! 4. Every write to `head` is a compare-exchange, so each continues the release sequence of the
//!    push that published the node it exposes.
//!
//! A failed CAS backs off briefly ([`Backoff`]) before retrying, as crossbeam's own queues do:
//! under contention, retrying at once mostly steals the `head` cache line from the thread that is
//! about to succeed.
//!
//! What it costs: one allocation per push and one pin per operation (a thread-local epoch store
//! and a `SeqCst` fence). That is why it loses to `Mutex<Vec<T>>` on one thread; see the measured
//! table in `journal/measured/day1-sync-atomic.md` and `stack::throughput`. The allocator
//! matters as much as the CAS: the collector frees a node on whichever thread collects, often
//! not the one that allocated it, and glibc's `free` of such a block takes the owning arena's lock. The day's measuring binaries
//! therefore use mimalloc, whose frees from other threads are lock-free.

use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crossbeam_epoch::{self as epoch, Atomic, Owned};
use crossbeam_utils::Backoff;

use crate::sync::const_fn;

struct Node<T> {
    /// The element; moved out once by the pop that unlinks the node (invariant 1).
    value: ManuallyDrop<T>,
    /// The node below (invariant 3).
    next: Atomic<Node<T>>,
}

/// A lock-free LIFO stack (Treiber, 1986) with epoch-based reclamation.
///
/// `T` only needs to be `Send`, for both `Send` and `Sync`: threads move elements in and out by
/// value and never share a `&T`. A non-`Send` element is rejected:
///
/// ```compile_fail
/// fn shared<T: Sync>() {}
/// shared::<day1_sync_atomic::stack::Stack<std::rc::Rc<u8>>>();
/// ```
///
/// ```
/// use day1_sync_atomic::stack::Stack;
/// let s = Stack::new();
/// s.push("a");
/// s.push("b");
/// assert_eq!(s.pop(), Some("b"));
/// assert!(!s.is_empty());
/// ```
pub struct Stack<T> {
    head: Atomic<Node<T>>,
}

// SAFETY: the stack owns its elements; sending it sends its `T`s, which needs `T: Send`. The nodes
// are owned by the stack (or by the epoch collector, which only frees them, never touching `T`).
unsafe impl<T: Send> Send for Stack<T> {}
// SAFETY: through `&Stack` threads move `T`s in and out by value; no `&T` is ever shared, so
// `T: Send` suffices (the derived bound would have required `T: Sync` as well).
unsafe impl<T: Send> Sync for Stack<T> {}

impl<T> Stack<T> {
    const_fn! {
        const_if: #[cfg(not(crossbeam_loom))];
        /// An empty stack.
        pub const fn new() -> Self {
            Stack {
                head: Atomic::null(),
            }
        }
    }

    /// Pushes `value` on top.
    pub fn push(&self, value: T) {
        let mut node = Owned::new(Node {
            value: ManuallyDrop::new(value),
            next: Atomic::null(),
        });
        let guard = &epoch::pin();
        let backoff = Backoff::new();
        // Relaxed: the old head is only stored into `next` and compared, never dereferenced here.
        let mut head = self.head.load(Relaxed, guard);
        loop {
            // Relaxed: the node is still private; the Release CAS below publishes this store.
            node.next.store(head, Relaxed);
            // Release on success: pairs with the Acquire load in `pop`, so a thread that sees the
            // node also sees `value` and `next`. Relaxed on failure: we only retry with `current`.
            match self
                .head
                .compare_exchange(head, node, Release, Relaxed, guard)
            {
                Ok(_) => return,
                Err(e) => {
                    head = e.current;
                    node = e.new;
                    // Another thread just won the `head` cache line: let it finish before we
                    // pull the line back, instead of failing again right away.
                    backoff.spin();
                }
            }
        }
    }

    /// Pops the top element, or returns `None` if the stack is empty.
    pub fn pop(&self) -> Option<T> {
        // lab:begin day1/treiber-pop-epoch
        let guard = &epoch::pin();
        let backoff = Backoff::new();
        loop {
            // Acquire: pairs with the Release CAS in `push` that published the node — directly or
            // through the release sequence of later CASes on `head` (invariant 4).
            let head = self.head.load(Acquire, guard);
            // SAFETY: `head` is null or a node that was reachable while we are pinned, so it is not
            // freed before `guard` drops (invariant 2).
            let node = unsafe { head.as_ref() }?;
            // Relaxed: `next` was written before the Release CAS our Acquire load synchronized with.
            let next = node.next.load(Relaxed, guard);
            // Relaxed on success: the Acquire load above already made the node's fields visible,
            // and our write continues the release sequence (invariant 4). Relaxed on failure: the
            // loop reloads `head` with Acquire.
            if self
                .head
                .compare_exchange(head, next, Relaxed, Relaxed, guard)
                .is_ok()
            {
                // SAFETY: our CAS unlinked the node, so this pop alone takes its value, once
                // (invariant 1); the node stays allocated at least until `guard` drops.
                let value = unsafe { ptr::read(&node.value) };
                // SAFETY: the node is unreachable from `head` now, and no new reference to it can be
                // loaded; destroying it later frees the memory only (`value` is `ManuallyDrop`).
                unsafe { guard.defer_destroy(head) };
                return Some(ManuallyDrop::into_inner(value));
            }
            backoff.spin(); // lost the race for `head`, as in `push`
        }
        // lab:end day1/treiber-pop-epoch
    }

    /// Whether the stack was empty at the moment of the check.
    pub fn is_empty(&self) -> bool {
        let guard = &epoch::pin();
        // Relaxed: only the null test is used; nothing is dereferenced.
        self.head.load(Relaxed, guard).is_null()
    }
}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for Stack<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other thread can access the stack, which is exactly when the
        // unprotected guard may be used (crossbeam-epoch's own Treiber example does this).
        let guard = unsafe { epoch::unprotected() };
        // Relaxed: exclusive access; whatever gave it to us ordered all earlier writes before it.
        let mut current = self.head.load(Relaxed, guard);
        while !current.is_null() {
            // SAFETY: every node on the list came from `Owned::new` in `push`, is reachable only
            // from here, and is freed exactly once.
            let mut node = unsafe { current.into_owned() };
            current = node.next.load(Relaxed, guard);
            // SAFETY: a node still on the list owns its value (invariant 1); dropped exactly once.
            unsafe { ManuallyDrop::drop(&mut node.value) };
        }
    }
}

impl<T> std::fmt::Debug for Stack<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("is_empty", &self.is_empty())
            .finish_non_exhaustive()
    }
}
