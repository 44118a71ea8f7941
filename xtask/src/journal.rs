//! The journal: checking its pages and refreshing their "Measured on this machine" blocks.
//!
//! A learner's text is never touched: only the lines strictly between [`BEGIN`] and [`END`] are
//! rewritten, and only by `cargo xtask bench`.

use std::fs;
use std::path::PathBuf;

use crate::checklist::{self, Proof};
use crate::cmd::{Result, root};

/// The marker line that opens a page's measured block.
pub(crate) const BEGIN: &str = "<!-- measured:begin -->";
/// The marker line that closes it.
pub(crate) const END: &str = "<!-- measured:end -->";

/// How many words a journal answer needs before it counts as written.
const MIN_WORDS: usize = 30;

pub(crate) fn page_path(page: &str) -> PathBuf {
    root().join("journal").join(format!("{page}.md"))
}

fn read(page: &str) -> Result<String> {
    let path = page_path(page);
    fs::read_to_string(&path).map_err(|e| format!("journal: cannot read {}: {e}", path.display()))
}

/// GitHub-like heading anchors, simplified: lower case, every run of other characters becomes `-`.
pub(crate) fn slug(heading: &str) -> String {
    let mut out = String::new();
    for c in heading.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The body of the section whose heading slugs to `anchor`, without HTML comments.
fn section(text: &str, anchor: &str) -> Option<String> {
    let mut lines = text.lines();
    let level = loop {
        let line = lines.next()?;
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && line[hashes..].starts_with(' ') && slug(&line[hashes..]) == anchor {
            break hashes;
        }
    };
    let body: Vec<&str> = lines
        .take_while(|l| {
            let h = l.chars().take_while(|&c| c == '#').count();
            h == 0 || h > level || !l[h..].starts_with(' ')
        })
        .collect();
    let mut body = body.join("\n");
    while let Some(start) = body.find("<!--") {
        let end = body[start..]
            .find("-->")
            .map_or(body.len(), |e| start + e + 3);
        body.replace_range(start..end, "");
    }
    Some(body)
}

/// Checks a `journal:<page>#<anchor>` proof: the section exists and holds a real answer.
pub(crate) fn answer_status(page: &str, anchor: &str) -> std::result::Result<usize, String> {
    let text = read(page)?;
    let body = section(&text, anchor)
        .ok_or_else(|| format!("journal/{page}.md has no heading `#{anchor}`"))?;
    let words = body.split_whitespace().count();
    if words >= MIN_WORDS {
        Ok(words)
    } else {
        Err(format!(
            "journal/{page}.md#{anchor} has {words} words; write an answer of at least {MIN_WORDS}"
        ))
    }
}

/// The `journal` step: every page exists, its checklist matches `checklist.md`, every answer the
/// checklist names is written, and the measured markers are intact.
pub(crate) fn check() -> Result {
    let days = checklist::load()?;
    let mut problems = Vec::new();
    for page in ["README", "retrospective"] {
        if let Err(e) = read(page) {
            problems.push(e);
        }
    }
    for day in &days {
        let text = match read(&day.krate) {
            Ok(t) => t,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let (b, e) = (text.matches(BEGIN).count(), text.matches(END).count());
        match (text.find(BEGIN), text.find(END)) {
            (Some(i), Some(j)) if b == 1 && e == 1 && i < j => {}
            _ => problems.push(format!(
                "journal/{}.md: needs exactly one `{BEGIN}` followed by one `{END}` (found {b} and {e})",
                day.krate
            )),
        }
        for item in &day.items {
            let ticked = [
                format!("- [ ] {}", item.text),
                format!("- [x] {}", item.text),
            ];
            if !text
                .lines()
                .any(|l| ticked.iter().any(|t| l.trim_end() == t))
            {
                problems.push(format!(
                    "journal/{}.md: checklist lacks the item `- [ ] {}`",
                    day.krate, item.text
                ));
            }
        }
    }
    for day in &days {
        for item in &day.items {
            for proof in &item.proofs {
                if let Proof::Journal { page, anchor } = proof
                    && let Err(e) = answer_status(page, anchor)
                {
                    problems.push(e);
                }
            }
        }
    }
    if problems.is_empty() {
        println!(
            "journal: {} day pages, checklists and answers in order",
            days.len()
        );
        Ok(())
    } else {
        for p in &problems {
            println!("  ✗ {p}");
        }
        Err(format!("journal: {} problem(s)", problems.len()))
    }
}

/// Replaces the measured block of `journal/<page>.md` with `content`.
pub(crate) fn write_measured(page: &str, content: &str) -> Result {
    let text = read(page)?;
    let (Some(i), Some(j)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!(
            "journal/{page}.md: the `{BEGIN}` / `{END}` markers are missing"
        ));
    };
    if j < i {
        return Err(format!("journal/{page}.md: `{END}` comes before `{BEGIN}`"));
    }
    let updated = format!("{}{BEGIN}\n{}\n{}", &text[..i], content.trim(), &text[j..]);
    fs::write(page_path(page), updated).map_err(|e| format!("writing journal/{page}.md: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_like_anchors() {
        assert_eq!(slug(" The std::sync tour"), "the-std-sync-tour");
        assert_eq!(
            slug("Contexts and structs, in Rust"),
            "contexts-and-structs-in-rust"
        );
        assert_eq!(
            slug("CPU-bound vs IO-bound work?"),
            "cpu-bound-vs-io-bound-work"
        );
    }

    #[test]
    fn a_section_ends_at_the_next_heading_of_its_level() {
        let text = "# T\n## A\none <!-- hidden -->\n### sub\ntwo\n## B\nthree\n";
        let a = section(text, "a").unwrap();
        assert!(
            a.contains("one") && a.contains("two") && !a.contains("three") && !a.contains("hidden")
        );
        assert_eq!(section(text, "b").unwrap().trim(), "three");
        assert!(section(text, "c").is_none());
    }
}
