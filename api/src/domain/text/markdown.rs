//! Reviews: CommonMark rendered to HTML that is safe to embed, and the
//! plain-text excerpt of a review.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use super::sanitize::sanitize;

/// The Markdown extensions reviews may use.
fn markdown_options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES
}

/// Renders a review's CommonMark (plus tables and strikethrough) to HTML
/// that is safe to embed.
///
/// Raw HTML in the source is shown as escaped text, never passed through as
/// markup (an HTML block becomes a paragraph of that text). Link and image
/// destinations are kept only when relative (starting with `/`, `#`, or
/// without a scheme) or `http:`, `https:` or `mailto:`; any other link
/// points at `#`, and any other image is dropped in favour of its alt text.
/// Last, the HTML goes through [`sanitize`] with the [`REVIEW_HTML`]
/// allow-list.
pub fn markdown_to_safe_html(md: &str) -> String {
    sanitize(render(md), &REVIEW_HTML)
}

/// What [`markdown_to_safe_html`] may serve: exactly the tags and attributes
/// pulldown-cmark writes with [`markdown_options`] (a fenced code block's
/// `language-…` its only class, a table cell's alignment its only style),
/// link and image destinations relative or with a scheme that
/// [`is_safe_destination`] allows, and no `rel` added to links.
static REVIEW_HTML: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let alignments = || {
        HashMap::from([(
            "style",
            HashSet::from([
                "text-align: left",
                "text-align: center",
                "text-align: right",
            ]),
        )])
    };
    let mut policy = Builder::empty();
    policy
        .tags(HashSet::from([
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "code",
            "ol",
            "ul",
            "li",
            "hr",
            "br",
            "em",
            "strong",
            "del",
            "a",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("img", HashSet::from(["src", "alt", "title"])),
            ("ol", HashSet::from(["start"])),
            ("code", HashSet::from(["class"])),
        ]))
        .tag_attribute_values(HashMap::from([("th", alignments()), ("td", alignments())]))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("code", "class") => value
                .starts_with("language-")
                .then_some(Cow::Borrowed(value)),
            _ => Some(Cow::Borrowed(value)),
        })
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None);
    policy
});

/// The review's HTML as pulldown-cmark writes it, before the last pass.
fn render(md: &str) -> String {
    // Whether each open image is kept, so its end is kept or dropped too.
    let mut images: Vec<bool> = Vec::new();
    let events = Parser::new_ext(md, markdown_options()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if is_safe_destination(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            };
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let keep = is_safe_destination(dest_url);
            images.push(keep);
            keep.then_some(event)
        }
        Event::End(TagEnd::Image) => images.pop().unwrap_or(true).then_some(event),
        other => Some(other),
    });
    let mut out = String::with_capacity(md.len() + md.len() / 4);
    html::push_html(&mut out, events);
    out
}

/// Whether a link or image destination is relative or uses an allowed
/// scheme. Looks at the URL as a browser would: tabs and newlines removed,
/// leading and trailing spaces and control characters ignored.
fn is_safe_destination(dest: &str) -> bool {
    let seen: String = dest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let seen = seen.trim_matches(|c: char| c <= ' ');
    if seen.starts_with('/') || seen.starts_with('#') {
        return true;
    }
    match seen.find([':', '/', '?', '#']) {
        Some(i) if seen[i..].starts_with(':') => {
            let scheme = &seen[..i];
            ["http", "https", "mailto"]
                .iter()
                .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
        }
        _ => true,
    }
}

/// The whole of a review as plain text, for the search index: the text of
/// every block and code span, one block per line, with no Markdown syntax
/// (so a snippet never shows `*` or `#`) and no HTML (raw HTML is dropped).
pub fn markdown_to_plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) if !text.ends_with('\n') && !text.is_empty() => text.push('\n'),
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

/// The first paragraph of a review as plain text, at most `max_chars`
/// characters long counting the `…` that marks a cut.
///
/// Markdown syntax is stripped (only text and code spans are kept; line
/// breaks become spaces and whitespace runs collapse). If the text is too
/// long it is cut at the last word boundary that leaves room for the `…`
/// (or mid-word if a single word is too long), trailing punctuation and
/// spaces are removed, and `…` is appended. A document without a paragraph
/// gives an empty string.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) => break,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let Some(budget) = max_chars.checked_sub(1) else {
        return String::new();
    };
    // `text` has more than `max_chars` characters, so this index exists.
    let prefix_end = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(i, _)| i);
    let prefix = &text[..prefix_end];
    let cut = if text[prefix_end..].starts_with(' ') {
        prefix
    } else {
        match prefix.rfind(' ') {
            Some(space) if space > 0 => &prefix[..space],
            _ => prefix,
        }
    };
    let cut = cut.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '-' | '–' | '—')
    });
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_paragraphs_render_as_p_elements() {
        let html = markdown_to_safe_html("First paragraph.\n\nSecond paragraph.");
        assert_eq!(html, "<p>First paragraph.</p>\n<p>Second paragraph.</p>\n");
    }

    #[test]
    fn markdown_bold_renders_as_strong() {
        assert!(markdown_to_safe_html("**bold**").contains("<strong>bold</strong>"));
        assert!(markdown_to_safe_html("*it*").contains("<em>it</em>"));
    }

    #[test]
    fn a_script_block_is_escaped_not_embedded() {
        let html = markdown_to_safe_html("<script>alert(1)</script>");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn inline_html_is_escaped_not_embedded() {
        let html = markdown_to_safe_html("Hello <img src=x onerror=alert(1)> there <b>bold</b>");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn an_html_block_becomes_an_escaped_paragraph() {
        let html = markdown_to_safe_html("<div onclick=\"x()\">\nhi\n</div>");
        assert!(html.starts_with("<p>&lt;div"), "{html}");
        assert!(!html.contains("<div"), "{html}");
    }

    #[test]
    fn a_javascript_link_points_nowhere() {
        let html = markdown_to_safe_html("[x](javascript:alert(1))");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(html.contains("<a href=\"#\">x</a>"), "{html}");
    }

    #[test]
    fn obfuscated_dangerous_schemes_point_nowhere() {
        for md in [
            "[x](JavaScript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](java&#x0A;script:alert(1))",
            "[x]( vbscript:msgbox)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x][ref]\n\n[ref]: javascript:alert(1)",
            "<javascript:alert(1)>",
        ] {
            let html = markdown_to_safe_html(md);
            assert!(html.contains("href=\"#\""), "{md:?} -> {html}");
            assert!(!html.contains("href=\"j"), "{md:?} -> {html}");
            assert!(!html.contains("href=\"d"), "{md:?} -> {html}");
            assert!(!html.contains("href=\"v"), "{md:?} -> {html}");
        }
    }

    #[test]
    fn safe_link_destinations_are_kept() {
        for (md, href) in [
            (
                "[a](https://example.com/x?y=1)",
                "https://example.com/x?y=1",
            ),
            ("[a](http://example.com)", "http://example.com"),
            (
                "[a](mailto:editor@example.com)",
                "mailto:editor@example.com",
            ),
            ("[a](/films/her)", "/films/her"),
            ("[a](#comments)", "#comments"),
            ("[a](films/her)", "films/her"),
            ("[a](../her?x=a:b)", "../her?x=a:b"),
            ("[a](HTTPS://EXAMPLE.COM)", "HTTPS://EXAMPLE.COM"),
        ] {
            let html = markdown_to_safe_html(md);
            assert!(
                html.contains(&format!("<a href=\"{href}\">a</a>")),
                "{md} -> {html}"
            );
        }
    }

    #[test]
    fn a_link_title_is_escaped() {
        let html = markdown_to_safe_html("[a](/x \"say \\\"hi\\\" <b>\")");
        assert!(
            html.contains("title=\"say &quot;hi&quot; &lt;b&gt;\""),
            "{html}"
        );
    }

    #[test]
    fn a_safe_image_is_kept() {
        let html = markdown_to_safe_html("![A poster](/img/her.jpg)");
        assert!(
            html.contains("<img src=\"/img/her.jpg\" alt=\"A poster\" />"),
            "{html}"
        );
    }

    #[test]
    fn an_image_with_an_unsafe_source_becomes_its_alt_text() {
        let html = markdown_to_safe_html("See ![the poster](javascript:alert(1)) here");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert_eq!(html, "<p>See the poster here</p>\n");
    }

    #[test]
    fn code_is_escaped() {
        let html = markdown_to_safe_html("`<b>` and\n\n    <script>\n");
        assert!(html.contains("<code>&lt;b&gt;</code>"), "{html}");
        assert!(html.contains("<pre><code>&lt;script&gt;"), "{html}");
    }

    #[test]
    fn headings_lists_quotes_and_strikethrough_render() {
        let html = markdown_to_safe_html("# Her\n\n- one\n- two\n\n> quoted\n\n~~gone~~");
        assert!(html.contains("<h1>Her</h1>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
    }

    /// A review that uses every construct the renderer knows.
    const EVERYTHING: &str = concat!(
        "# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six\n\n",
        "She said \"don't\" & left *quietly*, **loudly**, ~~never~~, `a < b`.  \n",
        "A hard break, a [link](https://example.com/a?b=1&c=2 \"A 'title'\"), ",
        "a [relative one](../films/her#cast), <editor@example.com>, ",
        "<https://example.com>, and ![a poster](/img/her.jpg \"Her\").\n\n",
        "> A quote\n\n",
        "3. three\n4. four\n\n",
        "- a\n- b\n\n",
        "---\n\n",
        "```rust\nfn main() { println!(\"<hi>\"); }\n```\n\n",
        "    indented <code>\n\n",
        "| left | centre | right | none |\n",
        "|:-----|:------:|------:|------|\n",
        "| 1 | 2 | 3 | 4 |\n",
    );

    #[test]
    fn everything_the_renderer_emits_passes_the_last_pass_unchanged() {
        let rendered = render(EVERYTHING);
        for tag in REVIEW_HTML.clone_tags() {
            assert!(
                rendered.contains(&format!("<{tag}")),
                "no <{tag} in {rendered}"
            );
        }
        for attribute in [
            " href=",
            " title=",
            " src=",
            " alt=",
            " start=",
            " class=\"language-rust\"",
            " style=\"text-align: left\"",
            " style=\"text-align: center\"",
            " style=\"text-align: right\"",
        ] {
            assert!(rendered.contains(attribute), "no {attribute} in {rendered}");
        }
        assert_eq!(markdown_to_safe_html(EVERYTHING), rendered);
    }

    #[test]
    fn the_last_pass_removes_what_the_renderer_never_emits() {
        for (html, served) in [
            ("<p>hi</p><script>alert(1)</script>", "<p>hi</p>"),
            ("<p onclick=\"alert(1)\">hi</p>", "<p>hi</p>"),
            ("<iframe src=\"https://example.com\"></iframe>", ""),
            ("<div><b>bold</b></div>", "bold"),
            (
                "<a href=\"javascript:alert(1)\" rel=\"opener\">x</a>",
                "<a>x</a>",
            ),
            (
                "<a href=\"data:text/html,hi\" target=\"_blank\">x</a>",
                "<a>x</a>",
            ),
            (
                "<img src=\"/x.jpg\" alt=\"x\" onerror=\"alert(1)\">",
                "<img src=\"/x.jpg\" alt=\"x\">",
            ),
            (
                "<pre><code class=\"x language-rust\">a</code></pre>",
                "<pre><code>a</code></pre>",
            ),
            (
                "<table><tbody><tr><td style=\"background: url(/x)\">1</td></tr></tbody></table>",
                "<table><tbody><tr><td>1</td></tr></tbody></table>",
            ),
        ] {
            assert_eq!(sanitize(html.to_owned(), &REVIEW_HTML), served, "{html}");
        }
    }

    #[test]
    fn a_short_first_paragraph_is_the_whole_excerpt() {
        assert_eq!(excerpt("A tender film.\n\nSecond.", 100), "A tender film.");
    }

    #[test]
    fn markdown_syntax_is_stripped_from_an_excerpt() {
        assert_eq!(
            excerpt(
                "A **tender** film by [Spike Jonze](https://example.com),\nwith `code`.",
                100
            ),
            "A tender film by Spike Jonze, with code."
        );
    }

    #[test]
    fn an_excerpt_skips_headings_before_the_first_paragraph() {
        assert_eq!(excerpt("# Her\n\nA tender film.", 100), "A tender film.");
    }

    #[test]
    fn raw_html_is_not_part_of_an_excerpt() {
        assert_eq!(excerpt("A <b>tender</b> film.", 100), "A tender film.");
    }

    #[test]
    fn a_long_paragraph_is_cut_at_a_word_boundary_with_an_ellipsis() {
        let text = "The quick brown fox jumps over the lazy dog";
        assert_eq!(excerpt(text, 20), "The quick brown fox…");
        assert_eq!(excerpt(text, 19), "The quick brown…");
        assert_eq!(excerpt(text, 12), "The quick…");
    }

    #[test]
    fn an_excerpt_never_exceeds_max_chars() {
        let text = "Ça, c’est un très beau film — vraiment; on l’a adoré. ".repeat(5);
        for max in 0..120 {
            let cut = excerpt(&text, max);
            assert!(cut.chars().count() <= max, "{max}: {cut:?}");
        }
    }

    #[test]
    fn a_text_of_exactly_max_chars_is_not_cut() {
        assert_eq!(excerpt("exactly ten", 11), "exactly ten");
        assert_eq!(excerpt("exactly ten", 10), "exactly…");
    }

    #[test]
    fn trailing_punctuation_is_dropped_before_the_ellipsis() {
        assert_eq!(excerpt("First, second, third", 15), "First, second…");
        assert_eq!(excerpt("One. Two three four", 8), "One…");
    }

    #[test]
    fn a_single_long_word_is_cut_mid_word() {
        assert_eq!(excerpt("Supercalifragilistic", 6), "Super…");
    }

    #[test]
    fn a_zero_max_gives_an_empty_excerpt() {
        assert_eq!(excerpt("Anything", 0), "");
        assert_eq!(excerpt("", 0), "");
    }

    #[test]
    fn a_document_without_a_paragraph_has_an_empty_excerpt() {
        assert_eq!(excerpt("# Only a heading", 50), "");
        assert_eq!(excerpt("", 50), "");
    }

    #[test]
    fn plain_text_drops_the_syntax_and_keeps_every_block() {
        let md = "# Title\n\nAn *emphasised* word and `code`.\n\n- one\n- two\n\n<b>bold</b> text\n\n<div>\nblock\n</div>";
        assert_eq!(
            markdown_to_plain_text(md),
            "Title\nAn emphasised word and code.\none\ntwo\nbold text"
        );
    }
}
