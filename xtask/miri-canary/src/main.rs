//! A use-after-free on purpose: a pointer into a `Box` is read after the box is dropped. This is
//! what a lock-free stack does when it frees a popped node while another thread may still read it;
//! Miri must report it as undefined behaviour.

fn main() {
    let node = Box::new(42_u64);
    let dangling: *const u64 = &raw const *node;
    drop(node);
    // SAFETY: not safe — `dangling` points into freed memory; the canary exists to be reported by
    // Miri.
    let value = unsafe { dangling.read() };
    println!("read {value} from freed memory (Miri should have stopped this)");
}
