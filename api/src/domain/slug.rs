//! URL slugs, like `the-grand-budapest-hotel`.

use std::fmt;

use super::{FieldError, InputErrorCode, text};

/// The input field this type validates.
const FIELD: &str = "slug";

/// The longest slug accepted, in bytes.
pub const MAX_BYTES: usize = 120;

/// What [`Slug::from_title`] gives a title with nothing usable in it.
const FALLBACK: &str = "untitled";

/// A URL slug: 1 to 120 bytes of lowercase ASCII letters and digits in
/// groups joined by single hyphens (`[a-z0-9]+(-[a-z0-9]+)*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Validates `input` as a slug, exactly as given (no trimming, no case
    /// folding: a slug is an identifier).
    ///
    /// An empty or all-whitespace input is [`InputErrorCode::Required`], one
    /// longer than 120 bytes is [`InputErrorCode::TooLong`], and anything not
    /// of the form `[a-z0-9]+(-[a-z0-9]+)*` is
    /// [`InputErrorCode::InvalidFormat`].
    pub fn parse(input: &str) -> Result<Slug, FieldError> {
        if input.trim().is_empty() {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::Required,
                "Slug is required.",
            ));
        }
        if input.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("Slug must be at most {MAX_BYTES} bytes (UTF-8)."),
            ));
        }
        if !is_slug(input) {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidFormat,
                "Slug must be lowercase letters and digits separated by single hyphens.",
            ));
        }
        Ok(Slug(input.to_owned()))
    }

    /// Derives a slug from a title: accents and case are folded with
    /// [`text::normalize_name`], spaces become hyphens, anything but
    /// `[a-z0-9-]` is dropped, hyphen runs collapse, and the result is cut
    /// to 120 bytes. A title with nothing left (say, `"!!!"` or `"日本"`)
    /// gives `untitled`.
    ///
    /// ```text
    /// "Amélie (2001)"          -> "amelie-2001"
    /// "Spider-Man: No Way Home" -> "spider-man-no-way-home"
    /// ```
    pub fn from_title(title: &str) -> Slug {
        let mut slug = String::with_capacity(title.len().min(MAX_BYTES));
        for c in text::normalize_name(title).chars() {
            let c = if c == ' ' { '-' } else { c };
            let wanted = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
            if wanted && !(c == '-' && (slug.is_empty() || slug.ends_with('-'))) {
                slug.push(c);
            }
        }
        // Everything kept is ASCII, so any byte index is a char boundary.
        slug.truncate(MAX_BYTES);
        let slug = slug.trim_matches('-');
        if slug.is_empty() {
            Slug(FALLBACK.to_owned())
        } else {
            Slug(slug.to_owned())
        }
    }

    /// The slug as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
fn is_slug(s: &str) -> bool {
    s.split('-').all(|group| {
        !group.is_empty()
            && group
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(input: &str) -> InputErrorCode {
        Slug::parse(input).expect_err("should be refused").code
    }

    fn slug_of(title: &str) -> String {
        Slug::from_title(title).into_inner()
    }

    #[test]
    fn a_well_formed_slug_is_accepted() {
        for input in [
            "her",
            "the-grand-budapest-hotel",
            "2001-a-space-odyssey",
            "8",
        ] {
            assert_eq!(Slug::parse(input).unwrap().as_ref(), input);
        }
    }

    #[test]
    fn an_empty_slug_is_required() {
        let err = Slug::parse("").unwrap_err();
        assert_eq!(err.field, "slug");
        assert_eq!(err.code, InputErrorCode::Required);
        assert_eq!(code_of("   "), InputErrorCode::Required);
    }

    #[test]
    fn a_slug_of_exactly_120_bytes_is_accepted() {
        assert!(Slug::parse(&"a".repeat(MAX_BYTES)).is_ok());
    }

    #[test]
    fn a_slug_longer_than_120_bytes_is_too_long() {
        let err = Slug::parse(&"a".repeat(MAX_BYTES + 1)).unwrap_err();
        assert_eq!(err.code, InputErrorCode::TooLong);
        assert_eq!(err.field, "slug");
    }

    #[test]
    fn uppercase_letters_are_an_invalid_format() {
        assert_eq!(code_of("Her"), InputErrorCode::InvalidFormat);
    }

    #[test]
    fn a_leading_or_trailing_hyphen_is_an_invalid_format() {
        assert_eq!(code_of("-her"), InputErrorCode::InvalidFormat);
        assert_eq!(code_of("her-"), InputErrorCode::InvalidFormat);
        assert_eq!(code_of("-"), InputErrorCode::InvalidFormat);
    }

    #[test]
    fn consecutive_hyphens_are_an_invalid_format() {
        assert_eq!(code_of("the--hotel"), InputErrorCode::InvalidFormat);
    }

    #[test]
    fn spaces_underscores_and_accents_are_invalid_formats() {
        for input in [
            " her",
            "her ",
            "the hotel",
            "the_hotel",
            "amélie",
            "a/b",
            "a.b",
        ] {
            assert_eq!(code_of(input), InputErrorCode::InvalidFormat, "{input:?}");
        }
    }

    #[test]
    fn a_title_becomes_a_hyphenated_lowercase_slug() {
        assert_eq!(
            slug_of("The Grand Budapest Hotel"),
            "the-grand-budapest-hotel"
        );
    }

    #[test]
    fn accents_are_folded_in_a_title_slug() {
        assert_eq!(slug_of("Amélie (2001)"), "amelie-2001");
        assert_eq!(slug_of("Søren Kierkegaard"), "soren-kierkegaard");
    }

    #[test]
    fn punctuation_in_a_title_becomes_single_hyphens() {
        assert_eq!(slug_of("Spider-Man: No Way Home"), "spider-man-no-way-home");
        assert_eq!(slug_of("Adaptation."), "adaptation");
        assert_eq!(slug_of("  --Hello -- World--  "), "hello-world");
    }

    #[test]
    fn an_apostrophe_splits_words_in_a_title_slug() {
        assert_eq!(slug_of("Schindler's List"), "schindler-s-list");
    }

    #[test]
    fn a_title_with_nothing_usable_becomes_untitled() {
        assert_eq!(slug_of(""), "untitled");
        assert_eq!(slug_of("!!!"), "untitled");
        assert_eq!(slug_of("日本"), "untitled");
    }

    #[test]
    fn a_long_title_is_cut_to_120_bytes_without_a_trailing_hyphen() {
        // 119 letters then a space: the cut would land right after a hyphen.
        let title = format!("{} second", "a".repeat(119));
        let slug = slug_of(&title);
        assert_eq!(slug, "a".repeat(119));
        let title = "word ".repeat(60);
        let slug = slug_of(&title);
        assert!(slug.len() <= MAX_BYTES);
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn every_slug_made_from_a_title_parses() {
        for title in [
            "The Grand Budapest Hotel",
            "Amélie (2001)",
            "!!!",
            "M*A*S*H",
            "Ⅻ Monkeys",
            "Ｆｕｌｌｗｉｄｔｈ",
            &"Mad Max: Fury Road ".repeat(20),
        ] {
            let slug = Slug::from_title(title);
            assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()), "{title:?}");
        }
    }

    #[test]
    fn display_and_into_inner_give_the_slug() {
        let slug = Slug::parse("her").unwrap();
        assert_eq!(slug.to_string(), "her");
        assert_eq!(slug.into_inner(), "her");
    }
}
