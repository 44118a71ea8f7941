//! The HTML answers, for a person at a browser (`Accept: text/html`, which a browser sends with
//! the upload form): the top words as a table with a bar per count, each file's status, a banner
//! for a partial result or an error, a link back to the form. Plain HTML and CSS, no script.

use std::fmt::Write;

use super::http::Reply;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for an element's content or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page around `body`, titled `title`.
fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} · day5-wordcount</title>
<style>
body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em; }}
.banner {{ padding: .6em 1em; border-radius: 4px; margin: 1em 0; }}
.partial {{ background: #fff3cd; border: 1px solid #e0b400; }}
.error {{ background: #f8d7da; border: 1px solid #c0392b; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ padding: .2em .5em; text-align: left; border-bottom: 1px solid #ddd; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.bar {{ background: #4a90d9; height: 1em; }}
.flag {{ color: #c0392b; font-weight: bold; }}
</style>
</head>
<body>
{body}
<p><a href="/">← Count other files</a></p>
</body>
</html>
"#,
        title = escape(title)
    )
}

/// The answer to a counted form.
pub(super) fn answer(reply: &Reply<'_>) -> String {
    let mut body = String::from("<h1>Word count</h1>\n");
    if let Some(why) = &reply.stopped {
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            body,
            r#"<p class="banner partial" id="partial"><strong>Partial result:</strong> {}; the counts cover only what was read before.</p>"#,
            escape(why)
        );
    }
    let _ = writeln!(
        body,
        "<p>{} words, {} distinct, in {} bytes.</p>",
        reply.words, reply.distinct, reply.bytes
    );
    if let Some(parts) = &reply.parts {
        body.push_str("<h2>Files</h2>\n<table id=\"files\">\n<tr><th>file</th><th>bytes</th><th>status</th><th>notes</th></tr>\n");
        for part in parts {
            let mut notes = Vec::new();
            if part.binary {
                notes.push(
                    r#"<span class="flag">looks binary (holds NUL bytes): its "words" are likely noise</span>"#
                        .to_owned(),
                );
            }
            if let Some(s) = &part.skipped {
                notes.push(format!(
                    "{} word(s) longer than {} bytes skipped, the first at byte {}",
                    s.words, s.max_word, s.first_at
                ));
            }
            let _ = writeln!(
                body,
                r#"<tr><td>{}</td><td class="n">{}</td><td>{}</td><td>{}</td></tr>"#,
                escape(&part.name),
                part.bytes,
                part.status,
                notes.join("; ")
            );
        }
        body.push_str("</table>\n");
    }
    let _ = writeln!(body, "<h2>Top {} words</h2>", reply.top.len());
    if reply.top.is_empty() {
        body.push_str("<p>No words.</p>\n");
    } else {
        body.push_str(
            "<table id=\"top\">\n<tr><th>word</th><th>count</th><th style=\"width:50%\"></th></tr>\n",
        );
        let most = reply.top.first().map_or(1, |t| t.1.max(1));
        for (word, n) in &reply.top {
            // Widths in per mille of the most frequent word's count.
            let width = n.saturating_mul(1000) / most;
            let _ = writeln!(
                body,
                r#"<tr><td>{}</td><td class="n">{n}</td><td><div class="bar" style="width:{}.{}%"></div></td></tr>"#,
                escape(word),
                width / 10,
                width % 10
            );
        }
        body.push_str("</table>\n");
    }
    page("Word count", &body)
}

/// An error as a page: the status and the message, in a banner.
pub(super) fn error(status: u16, message: &str) -> String {
    let body = format!(
        "<h1>Word count: error {status}</h1>\n<p class=\"banner error\" id=\"error\">{}</p>\n",
        escape(message)
    );
    page(&format!("Error {status}"), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_words_and_names_is_escaped() {
        assert_eq!(
            escape(r#"<b>"a" & 'b'</b>"#),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
        let page = error(400, "<script>");
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
    }
}
