//! The commands that write regions: `start`, `reset`, `solution`, `mistake`.

use anyhow::{Result, bail};

use super::exercise::Exercise;
use super::tree::{Holds, Lab};

/// `lab start <day|id> [--force]`: every selected region becomes its stub.
pub(crate) fn start(lab: &Lab, what: &str, force: bool) -> Result<()> {
    let selected = lab.select(what)?;
    let mut own = Vec::new();
    for ex in &selected {
        if lab.holds(ex)? == Holds::Own {
            own.push(format!("  {}: {}", ex.at(), ex.id));
        }
    }
    if !own.is_empty() && !force {
        bail!(
            "these regions hold your own code, which `start` would replace with the stub:\n{}\n\
             `cargo xtask lab check` checks them as they are; `cargo xtask lab start {what} --force` \
             starts over (a copy of each is kept in xtask/lab-state/saved/)",
            own.join("\n")
        );
    }
    let mut started = 0;
    for ex in &selected {
        if lab.holds(ex)? == Holds::Stub {
            continue;
        }
        stub(lab, ex)?;
        started += 1;
    }
    println!(
        "{started} exercise(s) started, {} already were.",
        selected.len() - started
    );
    if let [first, ..] = selected.as_slice() {
        let day = &lab.day_of(first).short;
        println!(
            "Next: `cargo xtask lab watch {day}` re-checks on every save; `cargo xtask lab hint <id>` \
             when stuck."
        );
    }
    Ok(())
}

/// Writes the stub of `ex`, saying where a replaced attempt was kept.
fn stub(lab: &Lab, ex: &Exercise) -> Result<()> {
    let kept = lab.write(ex, &ex.stub())?;
    println!("  stub   {}  {}", ex.id, ex.at());
    if let Some(path) = kept {
        println!("         your version is kept in {}", path.display());
    }
    Ok(())
}

/// `lab reset [<day|id>]`: the stub again (starting over), keeping a copy of the learner's code;
/// without an argument, every exercise that is not at its reference.
pub(crate) fn reset(lab: &Lab, what: Option<&str>) -> Result<()> {
    let selected = match what {
        Some(w) => lab.select(w)?,
        None => {
            let mut v = Vec::new();
            for ex in lab.exercises() {
                if !matches!(lab.holds(ex)?, Holds::Reference | Holds::Stub) {
                    v.push(ex);
                }
            }
            v
        }
    };
    for ex in &selected {
        if lab.holds(ex)? != Holds::Stub {
            stub(lab, ex)?;
        }
    }
    println!("{} exercise(s) at their stub.", selected.len());
    Ok(())
}

/// `lab solution <id|day>`: restores the reference and shows how it differs from the region.
pub(crate) fn solution(lab: &Lab, what: &str) -> Result<()> {
    for ex in lab.select(what)? {
        let (now, reference) = (lab.current(ex)?, lab.reference(ex)?);
        if now == reference {
            println!("{}: already the reference ({})", ex.id, ex.at());
            continue;
        }
        // Write first: a reader that stops reading the diff (`| head`) must not leave the region
        // half done, or the learner's version unsaved.
        let kept = lab.write(ex, &reference)?;
        println!("━━ {} — {} ({})", ex.id, ex.title, ex.at());
        let diff = similar::TextDiff::from_lines(&now, &reference);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header("your version", "reference")
        );
        println!("The reference is back in {}.", ex.file.display());
        if let Some(path) = kept {
            println!("Your version is kept in {}.", path.display());
        }
    }
    Ok(())
}

/// `lab mistake <id> [N]`: lists the mistakes, or applies mistake N to the reference.
pub(crate) fn mistake(lab: &Lab, id: &str, n: Option<usize>) -> Result<()> {
    let ex = lab.exercise(id)?;
    let id = ex.id.as_str();
    if ex.mistakes.is_empty() {
        bail!("{}: {id} keeps no classic mistakes", ex.at());
    }
    let Some(n) = n else {
        println!("{id} — {}", ex.title);
        for (i, m) in ex.mistakes.iter().enumerate() {
            println!("  {}. {}  (caught by {})", i + 1, m.name, m.caught_by);
        }
        println!(
            "`cargo xtask lab mistake {id} N` writes mistake N into {}.",
            ex.file.display()
        );
        return Ok(());
    };
    let body = ex.with_mistake(&lab.reference(ex)?, n)?;
    let m = &ex.mistakes[n - 1];
    let kept = lab.write(ex, &body)?;
    println!("{id}: mistake {n}, {:?}, is now in {}.", m.name, ex.at());
    if let Some(path) = kept {
        println!("Your version is kept in {}.", path.display());
    }
    println!("\nWhy it is wrong: {}\n", m.why);
    println!(
        "`cargo xtask lab check {id}` shows what {} says about it; `cargo xtask lab solution {id}` \
         or `lab reset {id}` takes it out.",
        m.caught_by
    );
    Ok(())
}
