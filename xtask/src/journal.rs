//! `cargo xtask journal`: checks the journal pages and shows, per prompt, whether the learner has
//! written their answer; also writes the measured pages (`journal/measured/<day>.md`) for `bench`.
//!
//! A prompt section looks like this:
//!
//! ```text
//! ### <prompt heading>
//!
//! *Questions to guide you:*
//! - …
//!
//! <!-- your answer below -->
//!
//! <details>
//! <summary>A worked answer (read it after writing yours)</summary>
//!
//! …
//!
//! </details>
//! ```
//!
//! The learner's text is every non-empty line of the section outside the guide-question list, HTML
//! comments and `<details>` blocks. A fresh clone fails nothing: a `journal:` proof of the checklist
//! holds when the worked answer is there (or the learner's own answer is long enough), and the
//! learner's own status is shown, not judged.
//!
//! A learner's page is never touched: `cargo xtask bench` writes the day's figures to its own page,
//! `journal/measured/<day>.md`, which the day's page links ([`measured_link`]).

use std::fs;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};

use crate::step::{Done, Step};
use crate::week::{self, Proof};
use crate::ws;

/// The link to the day's measured page that each day's page carries.
fn measured_link(page: &str) -> String {
    format!("(measured/{page}.md)")
}

/// The line that opens a prompt's guide-question list.
const GUIDE: &str = "*Questions to guide you:*";

/// How many words an answer (worked or the learner's) needs before it proves a checklist item.
const MIN_WORDS: usize = 30;

fn page_path(page: &str) -> Result<PathBuf> {
    Ok(ws::current()?
        .root
        .join("journal")
        .join(format!("{page}.md")))
}

fn read(page: &str) -> Result<String> {
    let path = page_path(page)?;
    fs::read_to_string(&path).with_context(|| format!("journal: reading {}", path.display()))
}

/// GitHub-like heading anchors, simplified: lower case, every run of other characters becomes `-`.
fn slug(heading: &str) -> String {
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

/// `(level, title)` if `line` is an ATX heading.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    let title = line[level..].strip_prefix(' ')?;
    (level > 0).then_some((level, title.trim()))
}

/// One heading's section of a page: the lines up to the next heading of its level or higher.
#[derive(Debug)]
struct Section<'a> {
    title: &'a str,
    body: Vec<&'a str>,
    /// Whether the section is a prompt: a guide-question list before its first sub-heading (a
    /// page or a `## Journal` section holding prompts is not one itself).
    prompt: bool,
}

fn sections(text: &str) -> Vec<Section<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((level, title)) = heading(line) else {
            continue;
        };
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| heading(l).is_none_or(|(h, _)| h > level))
            .copied()
            .collect();
        let prompt = body
            .iter()
            .take_while(|l| heading(l).is_none())
            .any(|l| l.trim() == GUIDE);
        found.push(Section {
            title,
            body,
            prompt,
        });
    }
    found
}

/// What a prompt section holds.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    /// Words of the learner's own text.
    learner_words: usize,
    /// Words inside the section's `<details>` blocks (the worked answer), without the summary.
    worked_words: usize,
}

impl Answer {
    fn of(body: &[&str]) -> Answer {
        let body = without_comments(&body.join("\n"));
        let mut answer = Answer {
            learner_words: 0,
            worked_words: 0,
        };
        // In the guide list: `Some(items seen so far)`.
        let (mut in_details, mut in_guide) = (0_usize, None::<usize>);
        for line in body.lines() {
            let t = line.trim();
            if t.starts_with("<details") {
                in_details += 1;
                continue;
            }
            if in_details > 0 {
                if t.starts_with("</details>") {
                    in_details -= 1;
                } else if !t.starts_with("<summary") {
                    answer.worked_words += t.split_whitespace().count();
                }
                continue;
            }
            if t == GUIDE {
                in_guide = Some(0);
                continue;
            }
            if let Some(items) = in_guide {
                // The list: its items and their indented continuation lines, up to the first blank
                // line after an item.
                if t.starts_with("- ") || t.starts_with("* ") {
                    in_guide = Some(items + 1);
                    continue;
                }
                if (t.is_empty() && items == 0) || (!t.is_empty() && line.starts_with(' ')) {
                    continue;
                }
                in_guide = None;
            }
            answer.learner_words += t.split_whitespace().count();
        }
        answer
    }

    /// `written (N words)` or `not yet written`.
    fn learner_status(&self) -> String {
        match self.learner_words {
            0 => "not yet written".into(),
            1 => "written (1 word)".into(),
            n => format!("written ({n} words)"),
        }
    }
}

/// `text` with its HTML comments (possibly spanning lines) removed.
fn without_comments(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("<!--") {
        let end = out[start..]
            .find("-->")
            .map_or(out.len(), |e| start + e + 3);
        out.replace_range(start..end, "");
    }
    out
}

/// Checks a `journal:<page>#<anchor>` proof: the section exists and holds a worked answer or the
/// learner's own answer of at least [`MIN_WORDS`]. Ok: a short description for the checklist.
pub(crate) fn proof_status(page: &str, anchor: &str) -> Result<String> {
    let text = read(page)?;
    let section = sections(&text)
        .into_iter()
        .find(|s| slug(s.title) == anchor);
    let Some(section) = section else {
        bail!("journal/{page}.md has no heading `#{anchor}`");
    };
    let answer = Answer::of(&section.body);
    if answer.worked_words < MIN_WORDS && answer.learner_words < MIN_WORDS {
        bail!(
            "journal/{page}.md#{anchor} has a worked answer of {} words and yours of {}; one of \
             them needs at least {MIN_WORDS}",
            answer.worked_words,
            answer.learner_words
        );
    }
    Ok(format!(
        "worked answer {} words; yours: {}",
        answer.worked_words,
        answer.learner_status()
    ))
}

/// What is wrong with the `## Checklist` section of `journal/<page>.md` (whose text is `text`),
/// against the registry `days`: each line `` - [ ] `<key>` <text> `` (or `- [x]`) must name an
/// item of the page's day by its key, with the registry's text, and the section must list every
/// item of that day once, in the registry's order.
fn checklist_problems(page: &str, text: &str, days: &[week::Day]) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| heading(l) == Some((2, "Checklist")))
    else {
        return vec![format!("journal/{page}.md: has no `## Checklist` section")];
    };
    let wanted: Vec<&week::Item> = days
        .iter()
        .filter(|d| d.krate == page)
        .flat_map(|d| &d.items)
        .collect();
    let mut problems = Vec::new();
    let mut listed: Vec<&str> = Vec::new();
    let section = lines[start + 1..]
        .iter()
        .take_while(|l| heading(l).is_none_or(|(level, _)| level > 2));
    for (n, line) in (start + 2..).zip(section) {
        let at = format!("journal/{page}.md:{n}");
        let Some(rest) = ["- [ ] ", "- [x] ", "- [X] "]
            .iter()
            .find_map(|b| line.strip_prefix(b))
        else {
            if line.starts_with("- ") {
                problems.push(format!("{at}: a checklist line starts with `- [ ] `"));
            }
            continue;
        };
        let (key, said) = match week::split_item(rest) {
            Ok(found) => found,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        match week::find(days, key) {
            None => problems.push(format!("{at}: `{key}` is not a key of {}", week::PATH)),
            Some((krate, _)) if krate != page => {
                problems.push(format!(
                    "{at}: `{key}` is an item of {krate}, not of {page}"
                ));
            }
            Some((_, item)) if item.text != said => problems.push(format!(
                "{at}: `{key}` reads differently in {}: `- [ ] {}`",
                week::PATH,
                item.line()
            )),
            Some(_) if listed.contains(&key) => {
                problems.push(format!("{at}: `{key}` is listed twice"));
            }
            Some(_) => listed.push(key),
        }
    }
    for item in &wanted {
        if !listed.contains(&item.key.as_str()) {
            problems.push(format!(
                "journal/{page}.md: its checklist lacks the item `- [ ] {}`",
                item.line()
            ));
        }
    }
    let order: Vec<&str> = wanted.iter().map(|i| i.key.as_str()).collect();
    if problems.is_empty() && listed != order {
        problems.push(format!(
            "journal/{page}.md: its checklist lists the items in another order than {}: {}",
            week::PATH,
            order.join(", ")
        ));
    }
    problems
}

/// The `journal` step: every day of the workspace has its page, each page's checklist matches the
/// registry (`checklist.md`), every answer the checklist names is there, and each links its measured page;
/// then each prompt's status (the learner's own text), which never fails the step.
pub(crate) fn run() -> Step {
    let ws = ws::current()?;
    let days = week::load()?;
    let mut problems = Vec::new();
    for day in &days {
        if ws.package(&day.krate).is_err() {
            problems.push(format!(
                "{}: `## {}` is not a crate of the workspace",
                week::PATH,
                day.krate
            ));
        }
    }
    let mut pages: Vec<String> = ws.days().map(|d| d.name.clone()).collect();
    for page in &pages {
        let text = match read(page) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        if !text.contains(&measured_link(page)) {
            problems.push(format!(
                "journal/{page}.md: no link to its measured page `{}`",
                measured_link(page)
            ));
        }
        if !page_path(&format!("measured/{page}"))?.is_file() {
            problems.push(format!(
                "journal/measured/{page}.md is missing (`cargo xtask bench {page}` writes it)"
            ));
        }
        problems.extend(checklist_problems(page, &text, &days));
    }
    for proof in days.iter().flat_map(|d| &d.items).flat_map(|i| &i.proofs) {
        if let Proof::Journal { page, anchor } = proof
            && let Err(e) = proof_status(page, anchor)
        {
            problems.push(format!("{e:#}"));
        }
    }
    pages.push("retrospective".into());
    let (mut written, mut prompts) = (0, 0);
    for page in &pages {
        let Ok(text) = read(page) else {
            continue;
        };
        let guided: Vec<_> = sections(&text)
            .into_iter()
            .filter(|s| s.prompt)
            .map(|s| (s.title, Answer::of(&s.body)))
            .collect();
        if guided.is_empty() {
            continue;
        }
        println!("journal/{page}.md");
        for (title, answer) in guided {
            prompts += 1;
            written += usize::from(answer.learner_words > 0);
            println!("  {title}: {}", answer.learner_status());
        }
    }
    if prompts > 0 {
        println!("journal: you have written {written} of {prompts} prompts");
    }
    if !problems.is_empty() {
        for p in &problems {
            println!("  ✗ {p}");
        }
        bail!("journal: {} problem(s)", problems.len());
    }
    println!(
        "journal: {} day pages, their checklists, answers and measured pages in order",
        ws.days().count()
    );
    Ok(Done::Ok)
}

/// `journal/measured/`, created if needed.
pub(crate) fn measured_dir() -> Result<PathBuf> {
    let dir = ws::current()?.root.join("journal/measured");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Writes `journal/measured/<page>.md`: a title, what wrote it, and `content`; returns its path
/// from the workspace root.
pub(crate) fn write_measured(page: &str, content: &str) -> Result<String> {
    let path = measured_dir()?.join(format!("{page}.md"));
    let text = format!(
        "# {page}: measured on this machine\n\n<!-- Written by `cargo xtask bench {page}`, which \
         rewrites this page: notes belong in ../{page}.md. -->\n\n{}\n",
        content.trim()
    );
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(format!("journal/measured/{page}.md"))
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
        let text = "# T\n## A\none\n### sub\ntwo\n## B\nthree\n";
        let all = sections(text);
        let a = all.iter().find(|s| s.title == "A").unwrap();
        assert_eq!(a.body, ["one", "### sub", "two"]);
        let b = all.iter().find(|s| s.title == "B").unwrap();
        assert_eq!(b.body, ["three"]);
    }

    const FRESH: &str = "### Why?\n\n*Questions to guide you:*\n- What breaks?\n- Which \
        ordering?\n  (think of the reader)\n\n<!-- your answer below -->\n\n<details>\n<summary>A \
        worked answer (read it after writing yours)</summary>\n\nBecause the reader must see \
        the write.\n\n</details>\n";

    #[test]
    fn only_a_section_with_its_own_guide_list_is_a_prompt() {
        let page = format!("# Day\n\nintro\n\n## Journal\n\n{FRESH}\n## Notes\n\nmine\n");
        let prompts: Vec<_> = sections(&page)
            .into_iter()
            .filter(|s| s.prompt)
            .map(|s| s.title)
            .collect();
        assert_eq!(prompts, ["Why?"]);
    }

    #[test]
    fn a_fresh_prompt_has_only_the_worked_answer() {
        let a = Answer::of(&sections(FRESH)[0].body);
        assert_eq!(
            a,
            Answer {
                learner_words: 0,
                worked_words: 7,
            }
        );
        assert_eq!(a.learner_status(), "not yet written");
    }

    #[test]
    fn the_learners_text_is_told_from_the_worked_answer() {
        let before = FRESH.replace(
            "<!-- your answer below -->\n",
            "<!-- your answer below -->\nIt races.\n",
        );
        let after = format!("{FRESH}\nAnd one more line after it.\n");
        let comment = FRESH.replace("<!-- your answer below -->", "<!-- a\nmulti-line note -->");
        let list = FRESH.replace(
            "<!-- your answer below -->\n",
            "<!-- your answer below -->\n- my point\n",
        );
        for (text, words) in [
            (before.as_str(), 2),
            (after.as_str(), 6),
            (comment.as_str(), 0),
            (list.as_str(), 3),
        ] {
            let a = Answer::of(&sections(text)[0].body);
            assert_eq!((a.learner_words, a.worked_words), (words, 7), "{text}");
        }
    }

    #[test]
    fn an_answer_without_guide_or_details_is_all_the_learners() {
        let a = Answer::of(&["", "Some words here.", "- a list of mine"]);
        assert_eq!((a.learner_words, a.worked_words), (8, 0));
    }

    const REGISTRY: &str = "## day9-x\n- `day9/a` Do A\n  - proof: lib::a\n- `day9/b` Do B\n  - proof: lib::b\n## day8-y\n- `day8/c` Do C\n";

    /// The problems of a page `day9-x` whose checklist section holds `lines`.
    fn page_problems(lines: &str) -> Vec<String> {
        let days = week::parse(REGISTRY).unwrap();
        let text =
            format!("# Day 9\n\n## Checklist\n\n{lines}\n## Journal\n\n- [ ] not checked here\n");
        checklist_problems("day9-x", &text, &days)
    }

    #[test]
    fn a_page_checklist_that_agrees_with_the_registry_passes() {
        assert_eq!(
            page_problems("- [ ] `day9/a` Do A\n- [x] `day9/b` Do B\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_page_checklist_that_disagrees_with_the_registry_names_the_line_and_why() {
        let cases = [
            (
                "- [ ] `day9/a` Do A\n- [ ] `day9/z` Do B\n",
                vec![
                    "journal/day9-x.md:6: `day9/z` is not a key of journal/checklist.md",
                    "journal/day9-x.md: its checklist lacks the item `- [ ] `day9/b` Do B`",
                ],
            ),
            (
                "- [ ] `day9/a` Do A\n- [ ] `day9/b` Do B, differently\n",
                vec![
                    "journal/day9-x.md:6: `day9/b` reads differently in journal/checklist.md: `- [ ] `day9/b` Do B`",
                    "journal/day9-x.md: its checklist lacks the item `- [ ] `day9/b` Do B`",
                ],
            ),
            (
                "- [ ] `day9/a` Do A\n- [ ] `day9/b` Do B\n- [ ] `day8/c` Do C\n",
                vec!["journal/day9-x.md:7: `day8/c` is an item of day8-y, not of day9-x"],
            ),
            (
                "- [ ] `day9/a` Do A\n- [ ] `day9/b` Do B\n- [x] `day9/a` Do A\n",
                vec!["journal/day9-x.md:7: `day9/a` is listed twice"],
            ),
            (
                "- [ ] `day9/b` Do B\n- [ ] `day9/a` Do A\n",
                vec![
                    "journal/day9-x.md: its checklist lists the items in another order than journal/checklist.md: day9/a, day9/b",
                ],
            ),
            (
                "- [ ] Do A\n- [ ] `day9/b` Do B\n",
                vec![
                    "journal/day9-x.md:5: an item is `` - `<key>` <text> ``, not `- Do A`",
                    "journal/day9-x.md: its checklist lacks the item `- [ ] `day9/a` Do A`",
                ],
            ),
            (
                "- [ ] `day9/a` Do A\n- `day9/b` Do B\n",
                vec![
                    "journal/day9-x.md:6: a checklist line starts with `- [ ] `",
                    "journal/day9-x.md: its checklist lacks the item `- [ ] `day9/b` Do B`",
                ],
            ),
        ];
        for (lines, want) in cases {
            assert_eq!(page_problems(lines), want, "{lines}");
        }
        let days = week::parse(REGISTRY).unwrap();
        assert_eq!(
            checklist_problems("day9-x", "# Day 9\n\n## Notes\n", &days),
            ["journal/day9-x.md: has no `## Checklist` section"]
        );
    }

    #[test]
    fn the_workspace_pages_agree_with_the_registry() {
        let days = week::load().unwrap();
        for page in ws::current().unwrap().days().map(|d| &d.name) {
            let text = read(page).unwrap();
            assert_eq!(checklist_problems(page, &text, &days), Vec::<String>::new());
        }
    }
}
