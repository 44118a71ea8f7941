//! Runs the day's experiments with short narration.

fn main() {
    println!("day1-sync-atomic: this day is not built yet.");
}
