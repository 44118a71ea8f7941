//! Runs the day's experiments with short narration.

fn main() {
    println!("day5-wordcount: this day is not built yet.");
}
