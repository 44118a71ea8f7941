//! The `// lab:begin <id>` / `// lab:end <id>` markers that cut an exercise out of a day's source.
//!
//! A region is the lines strictly between its two markers; regions never nest or overlap, and an id
//! appears once per crate. Text is handled line by line and written back byte for byte outside the
//! region being replaced.

use anyhow::{Result, bail};

/// One marked region of a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) id: String,
    /// 1-based line numbers of the two marker lines.
    pub(crate) begin: usize,
    pub(crate) end: usize,
    /// The begin marker's indentation, which a default stub takes.
    pub(crate) indent: String,
    /// The lines between the markers, each with its line ending.
    pub(crate) body: String,
}

/// A marker line, or why a line that starts like one is not.
enum Marker<'a> {
    Begin(&'a str),
    End(&'a str),
}

/// Reads the marker on `line`, if it is one (`// lab:` after indentation).
fn marker(line: &str) -> Option<Result<Marker<'_>, String>> {
    let rest = line.trim().strip_prefix("// lab:")?;
    let parsed = match rest.split_once(' ') {
        Some(("begin", id)) => valid_id(id).map(|()| Marker::Begin(id)),
        Some(("end", id)) => valid_id(id).map(|()| Marker::End(id)),
        _ => Err(format!(
            "`{}` is not a marker: write `// lab:begin <id>` or `// lab:end <id>`",
            line.trim()
        )),
    };
    Some(parsed)
}

/// An id is `dayN/<kebab-slug>`.
pub(crate) fn valid_id(id: &str) -> Result<(), String> {
    let ok = id.split_once('/').is_some_and(|(day, slug)| {
        day.strip_prefix("day")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            && !slug.is_empty()
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not an exercise id (`dayN/<kebab-slug>`)"
        ))
    }
}

/// Every region of one file, in order. `name` is how errors name the file.
pub(crate) fn regions(name: &str, text: &str) -> Result<Vec<Region>> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize, String, String)> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        match marker(line) {
            None => {
                if let Some((_, _, _, body)) = &mut open {
                    body.push_str(line);
                }
            }
            Some(Err(why)) => bail!("{name}:{n}: {why}"),
            Some(Ok(Marker::Begin(id))) => {
                if let Some((outer, at, _, _)) = &open {
                    bail!(
                        "{name}:{n}: `lab:begin {id}` inside `{outer}` (opened at line {at}): regions never nest"
                    );
                }
                let indent = &line[..line.len() - line.trim_start().len()];
                open = Some((id.to_string(), n, indent.to_string(), String::new()));
            }
            Some(Ok(Marker::End(id))) => match open.take() {
                None => bail!("{name}:{n}: `lab:end {id}` without a `lab:begin {id}` before it"),
                Some((opened, at, _, _)) if opened != id => bail!(
                    "{name}:{n}: `lab:end {id}` closes `{opened}`, opened at line {at}: each region ends with its own id"
                ),
                Some((id, begin, indent, body)) => found.push(Region {
                    id,
                    begin,
                    end: n,
                    indent,
                    body,
                }),
            },
        }
    }
    if let Some((id, at, _, _)) = open {
        bail!("{name}:{at}: `lab:begin {id}` has no `lab:end {id}`");
    }
    Ok(found)
}

/// `text` with the body of region `id` replaced by `body` (which ends with a newline, or is empty).
pub(crate) fn replace(name: &str, text: &str, id: &str, body: &str) -> Result<String> {
    let all = regions(name, text)?;
    let Some(r) = all.iter().find(|r| r.id == id) else {
        bail!("{name}: no `// lab:begin {id}` marker");
    };
    let mut out = String::with_capacity(text.len() + body.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        if n <= r.begin || n >= r.end {
            out.push_str(line);
        }
        if n == r.begin {
            out.push_str(body);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "fn a() {\n    // lab:begin day1/a\n    one();\n    two();\n    // lab:end day1/a\n}\nfn b() {\n\t// lab:begin day1/b-c\n\t// lab:end day1/b-c\n}\n";

    #[test]
    fn finds_regions_with_their_lines_indent_and_body() {
        let r = regions("x.rs", TWO).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].id.as_str(), r[0].begin, r[0].end), ("day1/a", 2, 5));
        assert_eq!(r[0].indent, "    ");
        assert_eq!(r[0].body, "    one();\n    two();\n");
        assert_eq!(
            (r[1].id.as_str(), r[1].indent.as_str(), r[1].body.as_str()),
            ("day1/b-c", "\t", "")
        );
    }

    #[test]
    fn replace_changes_only_the_body() {
        let out = replace("x.rs", TWO, "day1/a", "    todo!()\n").unwrap();
        assert_eq!(
            out,
            TWO.replace("    one();\n    two();\n", "    todo!()\n")
        );
        let back = replace("x.rs", &out, "day1/a", "    one();\n    two();\n").unwrap();
        assert_eq!(back, TWO);
        let empty = replace("x.rs", TWO, "day1/b-c", "\tx\n").unwrap();
        assert!(empty.contains("\t// lab:begin day1/b-c\n\tx\n\t// lab:end day1/b-c\n"));
        let missing = replace("x.rs", TWO, "day1/zzz", "")
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "x.rs: no `// lab:begin day1/zzz` marker");
    }

    #[test]
    fn a_missing_end_marker_names_the_file_line_and_id() {
        let err = regions("src/m.rs", "a\n  // lab:begin day1/x\nb\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "src/m.rs:2: `lab:begin day1/x` has no `lab:end day1/x`"
        );
    }

    #[test]
    fn nesting_a_stray_end_and_a_wrong_end_are_errors() {
        let nested =
            "// lab:begin day1/x\n// lab:begin day1/y\n// lab:end day1/y\n// lab:end day1/x\n";
        assert_eq!(
            regions("m.rs", nested).unwrap_err().to_string(),
            "m.rs:2: `lab:begin day1/y` inside `day1/x` (opened at line 1): regions never nest"
        );
        assert_eq!(
            regions("m.rs", "x\n// lab:end day1/x\n")
                .unwrap_err()
                .to_string(),
            "m.rs:2: `lab:end day1/x` without a `lab:begin day1/x` before it"
        );
        let crossed = "// lab:begin day1/x\n// lab:end day1/y\n";
        assert!(
            regions("m.rs", crossed)
                .unwrap_err()
                .to_string()
                .starts_with("m.rs:2: `lab:end day1/y` closes `day1/x`")
        );
    }

    #[test]
    fn malformed_markers_and_ids_are_errors() {
        assert_eq!(
            regions("m.rs", "// lab:start day1/x\n")
                .unwrap_err()
                .to_string(),
            "m.rs:1: `// lab:start day1/x` is not a marker: write `// lab:begin <id>` or `// lab:end <id>`"
        );
        assert_eq!(
            regions("m.rs", "  // lab:begin Day1/X\n")
                .unwrap_err()
                .to_string(),
            "m.rs:1: `Day1/X` is not an exercise id (`dayN/<kebab-slug>`)"
        );
        for bad in ["day/x", "day1/", "day1x", "day1/-x", "day1/a_b"] {
            assert!(valid_id(bad).is_err(), "{bad}");
        }
        assert!(valid_id("day12/treiber-pop-2").is_ok());
    }
}
