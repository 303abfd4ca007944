//! Lookup keys for names and titles that ignore case, accents and
//! punctuation.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
