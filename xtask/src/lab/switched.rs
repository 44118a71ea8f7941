//! The copy of the workspace every proof of the lab runs in (`<target>/lab/ws`): each region holds
//! its reference and, compiled in beside it, every variant the proofs judge — the day's stub,
//! `lab.toml`'s classic mistakes and the corpus's entries — each picked at run time by the
//! [`SWITCH`] variable. So the `lab` step of `check-all` ([`super::ci`]) and `lab prove --mutants`
//! ([`super::corpus`]) share one build per kind of check (tests, loom, ThreadSanitizer) for the
//! whole workspace, instead of one per stubbed day and per mistake; run after `check-all`, the
//! corpus builds nothing.
//!
//! The switch is read once per process and kept in a `static` inside the region, so a region on a
//! hot path costs a load, not an environment lookup, per call.

use anyhow::{Context, Result};

use super::corpus::{self, Entry};
use super::scratch::sync;
use super::tree::Lab;
use crate::ws::{self, Workspace};

/// The environment variable that picks the variant a switched region runs. The tests' watchdog
/// ([`labkit::within`]) shortens its bound to [`labkit::LAB_PATIENCE`] whenever it is set.
pub(super) const SWITCH: &str = labkit::watchdog::LAB_MISTAKE;

/// The key that stubs every region of day `krate` at once.
pub(super) fn stub_key(krate: &str) -> String {
    format!("stub:{krate}")
}

/// The key of `lab.toml`'s mistake `n` (1-based) of exercise `id`.
pub(super) fn mistake_key(id: &str, n: usize) -> String {
    format!("{id}#{n}")
}

/// The key of corpus entry `n` (its index in the day's corpus file) of exercise `id`.
pub(super) fn corpus_key(id: &str, n: usize) -> String {
    format!("corpus:{id}#{n}")
}

/// A region holding every `(key, body)` variant beside `reference`, each picked at run time when
/// [`SWITCH`] is `key`: with the variable unset (or another key) the region runs its reference.
pub(super) fn switch(reference: &str, variants: &[(String, String)]) -> String {
    let block = |body: &str| {
        let mut b = body.to_string();
        if !b.ends_with('\n') {
            b.push('\n');
        }
        b
    };
    let mut out = format!(
        "match {{\n\
         static LAB_SWITCH: ::std::sync::OnceLock<Option<String>> = ::std::sync::OnceLock::new();\n\
         LAB_SWITCH.get_or_init(|| ::std::env::var({SWITCH:?}).ok()).as_deref()\n\
         }} {{\n"
    );
    for (key, body) in variants {
        out.push_str(&format!("Some({key:?}) => {{\n{}}}\n", block(body)));
    }
    out.push_str(&format!("_ => {{\n{}}}\n}}\n", block(reference)));
    out
}

/// The switched copy, ready to build and run.
pub(super) struct Switched {
    pub(super) ws: Workspace,
    pub(super) lab: Lab,
    /// Each day's corpus (crate name, entries in file order: an entry's index is its key's `n`).
    pub(super) corpus: Vec<(String, Vec<Entry>)>,
}

/// Brings `<target>/lab/ws` up to date with the working tree, every region switched. Files whose
/// text is already right are not rewritten, so a second proof rebuilds nothing.
pub(super) fn prepare(real_ws: &Workspace, real: &Lab) -> Result<Switched> {
    let scratch = real_ws.target_subdir("lab/ws");
    println!("lab: copying the workspace to {}", scratch.display());
    sync(&real_ws.root, &scratch, &real_ws.target_dir, "lab")?;
    let copy_ws = ws::Workspace::load(&scratch)?;
    let copy = Lab::open(&copy_ws)?;
    let mut all = Vec::new();
    for day in &real.days {
        let entries = corpus::load(&real.root, day)?;
        for ex in &day.exercises {
            let reference = real.tree_reference(ex)?;
            let mut variants = vec![(stub_key(&day.krate), ex.stub())];
            for n in 1..=ex.mistakes.len() {
                variants.push((mistake_key(&ex.id, n), ex.with_mistake(&reference, n)?));
            }
            for (n, e) in entries.iter().enumerate() {
                if e.exercise == ex.id {
                    let what = format!("{} entry {:?}", corpus::FILE, e.name);
                    variants.push((
                        corpus_key(&ex.id, n),
                        ex.with_edits(&reference, &what, &e.edits)?,
                    ));
                }
            }
            let twin = copy
                .exercises()
                .find(|e| e.id == ex.id)
                .context("the copy has the working tree's exercises")?;
            copy.put(twin, &switch(&reference, &variants))?;
        }
        all.push((day.krate.clone(), entries));
    }
    Ok(Switched {
        ws: copy_ws,
        lab: copy,
        corpus: all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_runs_the_reference_unless_a_variant_is_picked() {
        let s = switch("    x + 1\n", &[(corpus_key("d/f", 0), "    x + 2".into())]);
        assert!(s.contains("::std::env::var(\"LAB_MISTAKE\")"), "{s}");
        assert!(
            s.ends_with("Some(\"corpus:d/f#0\") => {\n    x + 2\n}\n_ => {\n    x + 1\n}\n}\n"),
            "{s}"
        );
    }
}
