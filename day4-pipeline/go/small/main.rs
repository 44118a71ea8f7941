//! The small version of Thursday's pipeline: generate → three squaring workers reading one channel
//! (fan-out) → merge, one channel again (fan-in) → a sink that sums. Its Go twin is `main.go` in
//! this folder (`go run ./small` in `day4-pipeline/go`); both print exactly the same line.
//!
//! Run: `cargo run -q -p day4-pipeline --example day4-small`

use std::thread;

use crossbeam_channel::{Receiver, bounded};

/// Sends 1, 2, …, n; the channel closes when the thread ends and drops its `Sender`.
fn generate(n: u64) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    thread::spawn(move || {
        for i in 1..=n {
            tx.send(i).expect("the sink reads to the end");
        }
    });
    rx
}

/// Squares every number it receives until `input` is closed.
fn square(input: Receiver<u64>) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    thread::spawn(move || {
        for n in input {
            tx.send(n * n).expect("the sink reads to the end");
        }
    });
    rx
}

/// Copies every channel into one. No `WaitGroup`: each copier owns a clone of the `Sender`, and the
/// channel closes when the last clone is dropped.
fn merge(inputs: Vec<Receiver<u64>>) -> Receiver<u64> {
    let (tx, rx) = bounded(0);
    for input in inputs {
        let tx = tx.clone();
        thread::spawn(move || {
            for n in input {
                tx.send(n).expect("the sink reads to the end");
            }
        });
    }
    rx
}

fn main() {
    let input = generate(100);
    // Three workers share the same `Receiver` (cloned): each number reaches exactly one of them.
    let squares = vec![square(input.clone()), square(input.clone()), square(input)];
    let sum: u64 = merge(squares).iter().sum();
    println!("sum of the squares of 1 to 100: {sum}");
}
