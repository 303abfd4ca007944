//! Repairing UTF-8 text that was mis-decoded as Mac Roman.

use std::borrow::Cow;

use encoding_rs::MACINTOSH;

/// The Mac Roman byte (0x80..=0xFF) that decodes to `c`, if any. Mac Roman
/// is the WHATWG `macintosh` encoding: 0xDB is the euro sign, as in Mac OS
/// 8.5 and later; 0xF0 is the Apple logo in the private use area.
fn mac_roman_byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return None;
    }
    let mut utf8 = [0; 4];
    let (bytes, _, unmappable) = MACINTOSH.encode(c.encode_utf8(&mut utf8));
    match *bytes {
        [byte] if !unmappable => Some(byte),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a Mac Roman decoder makes of the UTF-8 bytes of `s`.
    fn as_mac_roman(s: &str) -> String {
        MACINTOSH
            .decode_without_bom_handling(s.as_bytes())
            .0
            .into_owned()
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
        assert_eq!(mac_roman_byte('\u{2019}'), Some(0xD5));
        assert_eq!(mac_roman_byte('ô'), Some(0x99));
        assert_eq!(mac_roman_byte('‚'), Some(0xE2));
        assert_eq!(mac_roman_byte('Ä'), Some(0x80));
        assert_eq!(mac_roman_byte('¶'), Some(0xA6));
        assert_eq!(mac_roman_byte('…'), Some(0xC9));
        assert_eq!(mac_roman_byte('ˇ'), Some(0xFF));
        assert_eq!(mac_roman_byte('€'), Some(0xDB));
        assert_eq!(mac_roman_byte('\u{F8FF}'), Some(0xF0));
        assert_eq!(mac_roman_byte('Ķ'), None);
        assert_eq!(mac_roman_byte('a'), None);
    }

    #[test]
    fn every_high_byte_decodes_to_one_non_ascii_character_and_back() {
        for byte in 0x80..=0xFF_u8 {
            let bytes = [byte];
            let (decoded, had_errors) = MACINTOSH.decode_without_bom_handling(&bytes);
            assert!(!had_errors, "0x{byte:02X}");
            let mut chars = decoded.chars();
            let c = chars.next().unwrap();
            assert_eq!(chars.next(), None, "0x{byte:02X}");
            assert!(!c.is_ascii(), "0x{byte:02X}");
            assert_eq!(mac_roman_byte(c), Some(byte), "{c}");
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
}
