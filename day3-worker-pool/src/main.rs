//! Runs the day's experiments with short narration.

fn main() {
    println!("day3-worker-pool: this day is not built yet.");
}
