//! `lab list` and `lab hint`: what there is to do, and help with one exercise.

use anyhow::{Result, bail};

use super::tree::{Lab, Status};

/// `lab` / `lab list`: every exercise by day, its status and the checklist item it serves.
pub(crate) fn list(lab: &Lab) -> Result<()> {
    let (mut solved, mut open, mut total) = (0, 0, 0);
    for day in &lab.days {
        println!("\n{}", day.krate);
        for ex in &day.exercises {
            let status = lab.status(ex)?;
            let mark = match status {
                Status::Solved => "✓ solved   ",
                Status::Open => "✗ open     ",
                Status::Reference => "· reference",
            };
            println!("  {mark}  {:<28} {}", ex.id, ex.title);
            println!("  {:13}  {:<28} ↳ {}", "", "", ex.item);
            total += 1;
            solved += usize::from(status == Status::Solved);
            open += usize::from(status == Status::Open);
        }
    }
    println!(
        "\n{solved} of {total} exercises solved, {open} open, {} at the reference.",
        total - solved - open
    );
    if solved + open == 0 {
        println!("Start with `cargo xtask lab start day1`, then `cargo xtask lab watch`.");
    }
    Ok(())
}

/// `lab hint <id>`.
pub(crate) fn hint(lab: &Lab, id: &str) -> Result<()> {
    let ex = match lab.select(id)?.as_slice() {
        [one] if one.id == id => *one,
        _ => bail!("{id:?}: `lab hint` takes one exercise id"),
    };
    println!("{} — {}  ({})", ex.id, ex.title, ex.at());
    println!("\nHint: {}", ex.hint);
    println!("\nIt serves the checklist item: {}", ex.item);
    println!("Proved by:");
    for c in &ex.checks {
        println!("  {c}");
    }
    if !ex.mistakes.is_empty() {
        println!(
            "{} classic mistake(s) to try: `cargo xtask lab mistake {id}`.",
            ex.mistakes.len()
        );
    }
    Ok(())
}
