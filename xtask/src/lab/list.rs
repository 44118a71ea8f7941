//! `lab list` and `lab hint`: what there is to do, and help with one exercise.

use anyhow::Result;

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

/// `lab hint [--all] <id>`: the next hint level each time (kept in the state), or every level.
pub(crate) fn hint(lab: &Lab, id: &str, all: bool) -> Result<()> {
    let ex = lab.exercise(id)?;
    let total = ex.hints.len();
    let shown = if all { total } else { lab.next_hint(ex)? };
    println!("{} — {}  ({})", ex.id, ex.title, ex.at());
    let first = if all { 0 } else { shown - 1 };
    for (i, h) in ex.hints.iter().enumerate().take(shown).skip(first) {
        println!("\nHint {} of {total}: {h}", i + 1);
    }
    if shown < total {
        println!(
            "(`cargo xtask lab hint {}` again for hint {} of {total}; `--all` shows every level)",
            ex.id,
            shown + 1
        );
    }
    println!("\nIt serves the checklist item: {}", ex.item);
    println!("Proved by:");
    for c in &ex.checks {
        println!("  {c}");
    }
    if !ex.mistakes.is_empty() {
        println!(
            "{} classic mistake(s) to try: `cargo xtask lab mistake {}`.",
            ex.mistakes.len(),
            ex.id
        );
    }
    Ok(())
}
