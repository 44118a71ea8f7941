//! Runs the day's experiments with short narration.

fn main() {
    println!("day2-context: this day is not built yet.");
}
