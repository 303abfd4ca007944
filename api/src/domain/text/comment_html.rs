//! Reader comments: plain text rendered to HTML that is safe to embed,
//! with bare URLs linked `nofollow ugc`.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use super::sanitize::sanitize;

/// Renders a reader's plain-text comment to HTML.
///
/// Everything is escaped (`&<>"'`), so markup typed in a comment shows as
/// text. Blocks separated by blank lines become `<p>…</p>` (joined by a
/// newline), single newlines inside a block become `<br>` followed by a
/// newline, and bare `http://` / `https://` URLs become
/// `<a href="URL" rel="nofollow ugc">URL</a>`. A URL ends at whitespace or
/// one of `<>"'`, and trailing `.,;:!?)` are left outside it.
///
/// ```text
/// "Hi <b>all</b>\nsee https://example.com.\n\nBye"
/// -> "<p>Hi &lt;b&gt;all&lt;/b&gt;<br>\nsee <a href=\"https://example.com\" rel=\"nofollow ugc\">https://example.com</a>.</p>\n<p>Bye</p>"
/// ```
///
/// Last, the HTML goes through [`sanitize`] with the [`COMMENT_HTML`]
/// allow-list.
pub fn plain_text_to_safe_html(text: &str) -> String {
    sanitize(render(text), &COMMENT_HTML)
}

/// What [`plain_text_to_safe_html`] may serve: paragraphs, line breaks, and
/// links to absolute `http:` or `https:` URLs, every one of them
/// `rel="nofollow ugc"` whatever it said before.
static COMMENT_HTML: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut policy = Builder::empty();
    policy
        .tags(HashSet::from(["p", "br", "a"]))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow ugc"));
    policy
});

/// The comment's HTML as written here, before the last pass.
fn render(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut block: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            push_paragraph(&mut out, &block);
            block.clear();
        } else {
            block.push(line);
        }
    }
    push_paragraph(&mut out, &block);
    out
}

/// Appends one `<p>` of lines joined by `<br>`, unless there are no lines.
fn push_paragraph(out: &mut String, lines: &[&str]) {
    if lines.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str("<p>");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>\n");
        }
        push_linkified(out, line);
    }
    out.push_str("</p>");
}

/// Appends one line, escaped, with its bare URLs turned into links.
fn push_linkified(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some((start, end)) = find_url(rest) {
        escape_into(out, &rest[..start]);
        let url = &rest[start..end];
        out.push_str("<a href=\"");
        escape_into(out, url);
        out.push_str("\" rel=\"nofollow ugc\">");
        escape_into(out, url);
        out.push_str("</a>");
        rest = &rest[end..];
    }
    escape_into(out, rest);
}

/// The byte range of the first bare http(s) URL in `s`: one that starts
/// `http://` or `https://` (any case) not glued to a preceding letter or
/// digit, has a letter or digit after the `//`, and runs to whitespace or
/// `<>"'`, minus trailing `.,;:!?)`.
fn find_url(s: &str) -> Option<(usize, usize)> {
    let mut previous: Option<char> = None;
    for (start, c) in s.char_indices() {
        let glued = previous.is_some_and(char::is_alphanumeric);
        previous = Some(c);
        if glued || !matches!(c, 'h' | 'H') {
            continue;
        }
        let candidate = &s[start..];
        let Some(scheme_len) = ["http://", "https://"].iter().find_map(|scheme| {
            candidate
                .get(..scheme.len())
                .filter(|head| head.eq_ignore_ascii_case(scheme))
                .map(str::len)
        }) else {
            continue;
        };
        let len = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(candidate.len());
        let url = candidate[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        if url[scheme_len..].starts_with(|c: char| c.is_alphanumeric()) {
            return Some((start, start + url.len()));
        }
    }
    None
}

/// Appends `s` to `out` with `&<>"'` escaped, safe in element content and
/// in quoted attribute values.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_becomes_a_paragraph() {
        assert_eq!(plain_text_to_safe_html("Loved it."), "<p>Loved it.</p>");
    }

    #[test]
    fn markup_in_a_comment_is_escaped() {
        assert_eq!(
            plain_text_to_safe_html("<b>bold</b> & \"quoted\" 'single'"),
            "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;single&#39;</p>"
        );
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        assert_eq!(
            plain_text_to_safe_html("one\n\ntwo\n \n\n\nthree"),
            "<p>one</p>\n<p>two</p>\n<p>three</p>"
        );
    }

    #[test]
    fn single_newlines_become_br() {
        assert_eq!(
            plain_text_to_safe_html("one\ntwo\r\nthree"),
            "<p>one<br>\ntwo<br>\nthree</p>"
        );
    }

    #[test]
    fn leading_and_trailing_blank_lines_make_no_empty_paragraphs() {
        assert_eq!(plain_text_to_safe_html("\n\n one \n\n"), "<p> one </p>");
        assert_eq!(plain_text_to_safe_html(""), "");
        assert_eq!(plain_text_to_safe_html(" \n \n"), "");
    }

    #[test]
    fn a_bare_url_becomes_a_nofollow_link() {
        assert_eq!(
            plain_text_to_safe_html("see https://example.com/a?b=1&c=2 now"),
            "<p>see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc\">\
             https://example.com/a?b=1&amp;c=2</a> now</p>"
        );
    }

    #[test]
    fn an_http_url_is_linked_too() {
        let html = plain_text_to_safe_html("http://example.com");
        assert_eq!(
            html,
            "<p><a href=\"http://example.com\" rel=\"nofollow ugc\">http://example.com</a></p>"
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_url() {
        let html = plain_text_to_safe_html("(see https://example.com/x). Or http://a.example!?");
        assert!(
            html.contains("(see <a href=\"https://example.com/x\" rel=\"nofollow ugc\">https://example.com/x</a>)."),
            "{html}"
        );
        assert!(
            html.contains(
                "<a href=\"http://a.example\" rel=\"nofollow ugc\">http://a.example</a>!?"
            ),
            "{html}"
        );
    }

    #[test]
    fn a_url_ends_at_a_quote_or_angle_bracket() {
        let html = plain_text_to_safe_html("<https://example.com/x> \"https://example.com/y\"");
        assert!(
            html.contains("&lt;<a href=\"https://example.com/x\" rel=\"nofollow ugc\">https://example.com/x</a>&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&quot;<a href=\"https://example.com/y\" rel=\"nofollow ugc\">https://example.com/y</a>&quot;"),
            "{html}"
        );
    }

    #[test]
    fn a_url_that_is_not_at_a_word_start_is_not_linked() {
        let html = plain_text_to_safe_html("xhttps://example.com");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn a_scheme_without_a_host_is_not_linked() {
        let html = plain_text_to_safe_html("http:// and https://. and http:///x");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn javascript_urls_are_never_linked() {
        let html = plain_text_to_safe_html("javascript:alert(1) and JAVASCRIPT://x%0aalert(1)");
        assert!(!html.contains("<a "), "{html}");
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn several_urls_on_one_line_are_each_linked() {
        let html = plain_text_to_safe_html("https://a.example and HTTPS://B.example/");
        assert_eq!(html.matches("<a href=").count(), 2, "{html}");
        assert!(html.contains("href=\"HTTPS://B.example/\""), "{html}");
    }

    #[test]
    fn everything_the_renderer_emits_passes_the_last_pass_unchanged() {
        let text = "Hi <b>all</b> & \"you\" 'too'\nsee https://example.com/a?b=1&c=2.\n\n\
                    (HTTP://B.example/x) and https://ja.wikipedia.org/wiki/日本 ok";
        let rendered = render(text);
        for piece in [
            "<p>",
            "<br>",
            "<a href=",
            " rel=\"nofollow ugc\"",
            "&quot;",
            "&#39;",
        ] {
            assert!(rendered.contains(piece), "no {piece} in {rendered}");
        }
        assert_eq!(plain_text_to_safe_html(text), rendered);
    }

    #[test]
    fn the_last_pass_removes_what_the_renderer_never_emits() {
        for (html, served) in [
            ("<p>hi</p><script>alert(1)</script>", "<p>hi</p>"),
            ("<p onclick=\"alert(1)\">hi</p>", "<p>hi</p>"),
            ("<p><img src=\"https://example.com/x.png\"></p>", "<p></p>"),
            (
                "<p><em>no</em> <strong>markup</strong></p>",
                "<p>no markup</p>",
            ),
            (
                "<a href=\"javascript:alert(1)\" rel=\"nofollow ugc\">x</a>",
                "<a rel=\"nofollow ugc\">x</a>",
            ),
            (
                "<a href=\"/relative\" rel=\"nofollow ugc\">x</a>",
                "<a rel=\"nofollow ugc\">x</a>",
            ),
            (
                "<a href=\"https://example.com\" rel=\"opener\" target=\"_blank\">x</a>",
                "<a href=\"https://example.com\" rel=\"nofollow ugc\">x</a>",
            ),
            (
                "<a href=\"https://example.com\">x</a>",
                "<a href=\"https://example.com\" rel=\"nofollow ugc\">x</a>",
            ),
        ] {
            assert_eq!(sanitize(html.to_owned(), &COMMENT_HTML), served, "{html}");
        }
    }

    #[test]
    fn a_url_with_non_ascii_characters_is_linked_whole() {
        let html = plain_text_to_safe_html("https://ja.wikipedia.org/wiki/日本 ok");
        assert!(
            html.contains(">https://ja.wikipedia.org/wiki/日本</a> ok"),
            "{html}"
        );
    }
}
