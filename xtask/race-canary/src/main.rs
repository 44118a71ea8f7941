//! A data race on purpose: two threads increment one plain `u64` through a raw pointer, with no
//! synchronization. Safe Rust cannot express this (that is the point of `Send`/`Sync`); `unsafe`
//! can, and ThreadSanitizer must catch it.

use std::sync::Barrier;
use std::thread;

/// A raw pointer the compiler lets us send, promising (falsely, on purpose) that sharing is fine.
#[derive(Clone, Copy)]
struct Shared(*mut u64);

// SAFETY: this is NOT sound — it is the bug the canary exists to show. Both threads write through
// the pointer at once; ThreadSanitizer is expected to report the race.
unsafe impl Send for Shared {}

fn main() {
    let mut counter = 0_u64;
    let shared = Shared(&raw mut counter);
    // Both threads are alive for the whole race: TSan can forget the accesses of a thread that has
    // already exited (its slot is reused), so a thread that finishes before the other starts could
    // hide the race. The barriers order nothing between the two threads' increments.
    let (start, end) = (&Barrier::new(2), &Barrier::new(2));
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(move || {
                let p = shared;
                start.wait();
                for _ in 0..1000 {
                    // SAFETY: not safe — an unsynchronized read-modify-write racing with the other
                    // thread's; the canary exists to be reported by ThreadSanitizer.
                    unsafe { *p.0 += 1 };
                }
                end.wait();
            });
        }
    });
    println!("counter = {counter} (2000 if the increments had not raced)");
}
