//! Free functions for text: lookup keys that ignore case and accents,
//! repairing mis-decoded UTF-8, and turning reviews (Markdown) and reader
//! comments (plain text) into HTML that is safe to embed.

use std::borrow::Cow;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The lookup key for a name or title, ignoring case, accents and
/// punctuation.
///
/// The text is NFKD-decomposed, combining marks (general category Mn) are
/// dropped, letters are lowercased, a few letters that NFKD leaves whole are
/// folded (`ø`→`o`, `æ`→`ae`, `œ`→`oe`, `ß`→`ss`, `ł`→`l`, `đ`/`ð`→`d`,
/// `þ`→`th`, `ı`→`i`), every character that is not alphanumeric becomes a
/// space, and runs of spaces collapse to one, with none at either end.
///
/// ```text
/// "Scarlétt  JÖHANSSON" -> "scarlett johansson"
/// "Adaptation."         -> "adaptation"
/// "Søren"               -> "soren"
/// ```
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space_pending = false;
    let mut push = |c: char| {
        if c.is_alphanumeric() {
            if space_pending && !out.is_empty() {
                out.push(' ');
            }
            space_pending = false;
            out.push(c);
        } else {
            space_pending = true;
        }
    };
    for c in s
        .nfkd()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_combining_mark(c))
    {
        match fold_letter(c) {
            Some(folded) => folded.chars().for_each(&mut push),
            None => push(c),
        }
    }
    out
}

/// Lowercase letters that NFKD does not decompose into a base letter.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// Mac OS Roman, bytes 0x80 to 0xFF (0x00 to 0x7F are ASCII). 0xDB is the
/// euro sign, as in Mac OS 8.5 and later; 0xF0 is the Apple logo in the
/// private use area.
#[rustfmt::skip]
const MAC_ROMAN_HIGH: [char; 128] = [
    '\u{00C4}', '\u{00C5}', '\u{00C7}', '\u{00C9}', '\u{00D1}', '\u{00D6}', '\u{00DC}', '\u{00E1}', // 0x80
    '\u{00E0}', '\u{00E2}', '\u{00E4}', '\u{00E3}', '\u{00E5}', '\u{00E7}', '\u{00E9}', '\u{00E8}', // 0x88
    '\u{00EA}', '\u{00EB}', '\u{00ED}', '\u{00EC}', '\u{00EE}', '\u{00EF}', '\u{00F1}', '\u{00F3}', // 0x90
    '\u{00F2}', '\u{00F4}', '\u{00F6}', '\u{00F5}', '\u{00FA}', '\u{00F9}', '\u{00FB}', '\u{00FC}', // 0x98
    '\u{2020}', '\u{00B0}', '\u{00A2}', '\u{00A3}', '\u{00A7}', '\u{2022}', '\u{00B6}', '\u{00DF}', // 0xA0
    '\u{00AE}', '\u{00A9}', '\u{2122}', '\u{00B4}', '\u{00A8}', '\u{2260}', '\u{00C6}', '\u{00D8}', // 0xA8
    '\u{221E}', '\u{00B1}', '\u{2264}', '\u{2265}', '\u{00A5}', '\u{00B5}', '\u{2202}', '\u{2211}', // 0xB0
    '\u{220F}', '\u{03C0}', '\u{222B}', '\u{00AA}', '\u{00BA}', '\u{03A9}', '\u{00E6}', '\u{00F8}', // 0xB8
    '\u{00BF}', '\u{00A1}', '\u{00AC}', '\u{221A}', '\u{0192}', '\u{2248}', '\u{2206}', '\u{00AB}', // 0xC0
    '\u{00BB}', '\u{2026}', '\u{00A0}', '\u{00C0}', '\u{00C3}', '\u{00D5}', '\u{0152}', '\u{0153}', // 0xC8
    '\u{2013}', '\u{2014}', '\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}', '\u{00F7}', '\u{25CA}', // 0xD0
    '\u{00FF}', '\u{0178}', '\u{2044}', '\u{20AC}', '\u{2039}', '\u{203A}', '\u{FB01}', '\u{FB02}', // 0xD8
    '\u{2021}', '\u{00B7}', '\u{201A}', '\u{201E}', '\u{2030}', '\u{00C2}', '\u{00CA}', '\u{00C1}', // 0xE0
    '\u{00CB}', '\u{00C8}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{00CC}', '\u{00D3}', '\u{00D4}', // 0xE8
    '\u{F8FF}', '\u{00D2}', '\u{00DA}', '\u{00DB}', '\u{00D9}', '\u{0131}', '\u{02C6}', '\u{02DC}', // 0xF0
    '\u{00AF}', '\u{02D8}', '\u{02D9}', '\u{02DA}', '\u{00B8}', '\u{02DD}', '\u{02DB}', '\u{02C7}', // 0xF8
];

/// The Mac Roman byte (0x80..=0xFF) that decodes to `c`, if any.
fn mac_roman_byte(c: char) -> Option<u8> {
    let index = MAC_ROMAN_HIGH.iter().position(|&m| m == c)?;
    u8::try_from(0x80 + index).ok()
}

/// Repairs UTF-8 text that was mis-decoded as Mac Roman, possibly after a
/// second round trip through Latin-1, as in `believable‚Ķ` for
/// `believable…`.
///
/// Each maximal run of non-ASCII characters is turned back into bytes: a
/// character in Mac Roman becomes its Mac Roman byte; any other character
/// becomes the Latin-1 reading of its own UTF-8 bytes, each of which must
/// then be in Mac Roman (else the run is left alone). If the bytes are valid
/// UTF-8 that is shorter (in characters) than the run, the run is replaced,
/// and the step repeats until nothing changes, so the function is
/// idempotent.
///
/// Correct text is left alone: a lone `’`, `é` or `—` is not valid UTF-8 as
/// Mac Roman bytes, and CJK or emoji never map. To keep correct text like
/// `l’été` or `«Étoile»` intact, a run that decodes to a single two-byte
/// character outside U+0080..=U+017F (Latin-1 and Latin Extended-A) is not
/// repaired: in real text such a pair is a quote or dash before an accented
/// letter far more often than a mangled Greek, Cyrillic or Hebrew letter.
pub fn repair_mojibake(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_end = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(ascii_end);
        out.push_str(ascii);
        let run_end = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (run, tail) = tail.split_at(run_end);
        out.push_str(&repair_run(run));
        rest = tail;
    }
    out
}

/// Repairs one run of non-ASCII characters until it stops changing. Every
/// step makes the run shorter, so this ends; a repaired run is still all
/// non-ASCII (every byte was 0x80 or above), so it is still one run.
fn repair_run(run: &str) -> Cow<'_, str> {
    let mut current = Cow::Borrowed(run);
    while let Some(repaired) = repair_once(&current) {
        current = Cow::Owned(repaired);
    }
    current
}

/// One repair step for a run of non-ASCII characters, or `None` if the run
/// should stay as it is.
fn repair_once(run: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(run.len());
    for c in run.chars() {
        match mac_roman_byte(c) {
            Some(b) => bytes.push(b),
            None => {
                let mut utf8 = [0; 4];
                for &b in c.encode_utf8(&mut utf8).as_bytes() {
                    bytes.push(mac_roman_byte(char::from(b))?);
                }
            }
        }
    }
    let decoded = String::from_utf8(bytes).ok()?;
    let decoded_chars = decoded.chars().count();
    let plausible =
        decoded_chars >= 2 || decoded.chars().all(|c| c <= '\u{017F}' || c >= '\u{0800}');
    (decoded_chars < run.chars().count() && plausible).then_some(decoded)
}

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
pub fn markdown_to_safe_html(md: &str) -> String {
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
pub fn plain_text_to_safe_html(text: &str) -> String {
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

    // normalize_name

    #[test]
    fn case_and_spacing_variants_of_a_name_normalise_alike() {
        for name in [
            "Scarlett Johansson",
            "scarlett johansson",
            "SCARLETT  JOHANSSON",
            "Scarlétt Jöhansson",
            "  Scarlett\tJohansson \n",
        ] {
            assert_eq!(normalize_name(name), "scarlett johansson", "{name:?}");
        }
    }

    #[test]
    fn trailing_punctuation_is_dropped_from_a_name() {
        assert_eq!(normalize_name("Adaptation."), "adaptation");
    }

    #[test]
    fn a_diaeresis_is_dropped_from_a_name() {
        assert_eq!(normalize_name("Zoë Kravitz"), "zoe kravitz");
    }

    #[test]
    fn letters_nfkd_keeps_whole_are_folded() {
        assert_eq!(normalize_name("Søren"), "soren");
        assert_eq!(normalize_name("SØREN"), "soren");
        assert_eq!(normalize_name("Æon Flux"), "aeon flux");
        assert_eq!(normalize_name("Cœur"), "coeur");
        assert_eq!(normalize_name("Straße"), "strasse");
        assert_eq!(normalize_name("Łódź"), "lodz");
        assert_eq!(normalize_name("Đorđe"), "dorde");
        assert_eq!(normalize_name("Guðmundsdóttir"), "gudmundsdottir");
        assert_eq!(normalize_name("Þór"), "thor");
        assert_eq!(normalize_name("Kıvanç"), "kivanc");
    }

    #[test]
    fn compatibility_forms_are_decomposed() {
        assert_eq!(normalize_name("Ｆｕｌｌ ﬁlm"), "full film");
        assert_eq!(normalize_name("Ⅻ Monkeys"), "xii monkeys");
        assert_eq!(normalize_name("E=mc²"), "e mc2");
    }

    #[test]
    fn punctuation_inside_a_name_becomes_a_single_space() {
        assert_eq!(
            normalize_name("Spider-Man: No Way Home"),
            "spider man no way home"
        );
        assert_eq!(normalize_name("O’Brien"), "o brien");
        assert_eq!(normalize_name("M*A*S*H"), "m a s h");
    }

    #[test]
    fn non_latin_letters_are_kept() {
        assert_eq!(normalize_name("是枝 裕和"), "是枝 裕和");
        // Like any letter with a combining mark, й folds to и.
        assert_eq!(normalize_name("Тарковский"), "тарковскии");
    }

    #[test]
    fn a_name_of_only_punctuation_normalises_to_empty() {
        assert_eq!(normalize_name(""), "");
        assert_eq!(normalize_name(" -- !! "), "");
    }

    #[test]
    fn normalising_a_name_twice_changes_nothing() {
        for name in ["Scarlétt Jöhansson", "Søren", "Ｆｕｌｌ ﬁlm", "İstanbul"] {
            let once = normalize_name(name);
            assert_eq!(normalize_name(&once), once, "{name:?}");
        }
    }

    // repair_mojibake

    /// What a Mac Roman decoder makes of the UTF-8 bytes of `s`.
    fn as_mac_roman(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                0..0x80 => char::from(b),
                _ => MAC_ROMAN_HIGH[usize::from(b - 0x80)],
            })
            .collect()
    }

    #[test]
    fn any_mac_roman_mojibake_of_european_text_is_repaired() {
        for text in [
            "naïve façade — “déjà vu”…",
            "Zoë Kravitz, Søren, Łódź, Straße",
            "isn’t it ‘good’?",
            "Amélie – 2001 • ★★★★☆",
        ] {
            assert_eq!(repair_mojibake(&as_mac_roman(text)), text, "{text:?}");
        }
    }

    #[test]
    fn the_mac_roman_table_matches_known_code_points() {
        assert_eq!(MAC_ROMAN_HIGH[0], 'Ä');
        assert_eq!(mac_roman_byte('\u{2019}'), Some(0xD5));
        assert_eq!(mac_roman_byte('ô'), Some(0x99));
        assert_eq!(mac_roman_byte('‚'), Some(0xE2));
        assert_eq!(mac_roman_byte('Ä'), Some(0x80));
        assert_eq!(mac_roman_byte('¶'), Some(0xA6));
        assert_eq!(mac_roman_byte('…'), Some(0xC9));
        assert_eq!(mac_roman_byte('ˇ'), Some(0xFF));
        assert_eq!(mac_roman_byte('Ķ'), None);
        assert_eq!(mac_roman_byte('a'), None);
    }

    #[test]
    fn the_mac_roman_table_has_no_duplicates_and_no_ascii() {
        for (i, c) in MAC_ROMAN_HIGH.iter().enumerate() {
            assert!(!c.is_ascii(), "0x{:02X}", 0x80 + i);
            assert_eq!(mac_roman_byte(*c), u8::try_from(0x80 + i).ok(), "{c}");
        }
    }

    #[test]
    fn the_right_single_quote_is_e2_80_99_in_utf8() {
        assert_eq!("\u{2019}".as_bytes(), [0xE2, 0x80, 0x99]);
        assert_eq!("\u{2026}".as_bytes(), [0xE2, 0x80, 0xA6]);
    }

    #[test]
    fn a_double_round_trip_ellipsis_is_repaired() {
        let input = "believable\u{201A}\u{0136} sort of";
        assert_eq!(input.as_bytes()[10..15], [0xE2, 0x80, 0x9A, 0xC4, 0xB6]);
        assert_eq!(repair_mojibake(input), "believable\u{2026} sort of");
    }

    #[test]
    fn a_mac_roman_ellipsis_is_repaired() {
        assert_eq!(repair_mojibake("\u{201A}\u{00C4}\u{00B6}"), "…");
    }

    #[test]
    fn a_mac_roman_apostrophe_is_repaired() {
        assert_eq!(repair_mojibake("\u{201A}\u{00C4}\u{00F4}"), "’");
        assert_eq!(repair_mojibake("isn‚Äôt it"), "isn’t it");
    }

    #[test]
    fn mac_roman_accented_letters_are_repaired() {
        assert_eq!(repair_mojibake("caf√©"), "café");
        assert_eq!(repair_mojibake("Zo√´ Kravitz"), "Zoë Kravitz");
        assert_eq!(repair_mojibake("‚ÄúHer‚Äù"), "“Her”");
        assert_eq!(repair_mojibake("‚Äî"), "—");
    }

    #[test]
    fn mac_roman_mojibake_of_cyrillic_and_cjk_is_repaired() {
        assert_eq!(as_mac_roman("日本"), "Êó•Êú¨");
        assert_eq!(repair_mojibake("Êó•Êú¨"), "日本");
        assert_eq!(repair_mojibake(&as_mac_roman("Тарковский")), "Тарковский");
    }

    #[test]
    fn correct_text_is_left_alone() {
        for text in [
            "isn’t",
            "café",
            "Zoë",
            "日本",
            "—",
            "“Her”",
            "Scarlett Johansson",
            "",
            "naïve façade — “déjà vu”…",
            "Тарковский",
            "😀 👍🏽",
            "l’été",
            "«Étoile»",
            "©®™°•",
            "Ø Æ œ ß",
        ] {
            assert_eq!(repair_mojibake(text), text, "{text:?}");
        }
    }

    #[test]
    fn repairing_is_idempotent() {
        for text in [
            "believable\u{201A}\u{0136} sort of",
            "\u{201A}\u{00C4}\u{00B6}",
            "caf√©",
            "isn’t",
            "l’été",
            "Êó•Êú¨",
        ] {
            let once = repair_mojibake(text);
            assert_eq!(repair_mojibake(&once), once, "{text:?}");
        }
        let twice = as_mac_roman(&as_mac_roman("It’s “Her”…"));
        let once = repair_mojibake(&twice);
        assert_eq!(once, "It’s “Her”…");
        assert_eq!(repair_mojibake(&once), once);
    }

    #[test]
    fn doubly_encoded_mojibake_is_repaired_all_the_way() {
        // "’" mis-decoded twice: e2 80 99 -> "‚Äô" -> "‚Äö√Ñ√¥".
        let twice = as_mac_roman(&as_mac_roman("’"));
        assert_eq!(twice, "‚Äö√Ñ√¥");
        assert_eq!(repair_mojibake(&twice), "’");
    }

    #[test]
    fn a_run_with_an_unmappable_character_is_left_alone() {
        // U+0097 is not in Mac Roman, so 日 (e6 97 a5) cannot be mapped.
        assert_eq!(repair_mojibake("‚Äô日"), "‚Äô日");
    }

    #[test]
    fn ascii_around_a_repaired_run_is_kept() {
        assert_eq!(
            repair_mojibake("It‚Äôs great‚Ķ really. Caf√©!"),
            "It’s great… really. Café!"
        );
    }

    // markdown_to_safe_html

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

    // plain_text_to_safe_html

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
    fn a_url_with_non_ascii_characters_is_linked_whole() {
        let html = plain_text_to_safe_html("https://ja.wikipedia.org/wiki/日本 ok");
        assert!(
            html.contains(">https://ja.wikipedia.org/wiki/日本</a> ok"),
            "{html}"
        );
    }

    // excerpt

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
}
