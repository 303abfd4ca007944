//! The name a commenter signs with.

use std::fmt;

use super::{FieldError, InputErrorCode};

/// The input field this type validates.
const FIELD: &str = "authorName";

/// The longest name accepted, in UTF-8 bytes (WordPress's column size).
pub const MAX_BYTES: usize = 245;

/// A commenter's display name: trimmed, with every run of whitespace
/// (spaces, tabs, newlines, no-break spaces) collapsed to one space, and
/// free of control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuthorName(String);

impl AuthorName {
    /// Validates and tidies `input`.
    ///
    /// A control character that is not whitespace (NUL, escape, DEL, …) is
    /// [`InputErrorCode::InvalidFormat`]; a blank name is
    /// [`InputErrorCode::Required`]; a tidied name longer than 245 bytes is
    /// [`InputErrorCode::TooLong`].
    pub fn parse(input: &str) -> Result<AuthorName, FieldError> {
        if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidFormat,
                "Name must not contain control characters.",
            ));
        }
        let tidy = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if tidy.is_empty() {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::Required,
                "Name is required.",
            ));
        }
        if tidy.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("Name must be at most {MAX_BYTES} bytes (UTF-8)."),
            ));
        }
        Ok(AuthorName(tidy))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for AuthorName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AuthorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(input: &str) -> InputErrorCode {
        AuthorName::parse(input)
            .expect_err("should be refused")
            .code
    }

    #[test]
    fn a_plain_name_is_accepted_unchanged() {
        let name = AuthorName::parse("Pauline Kael").unwrap();
        assert_eq!(name.as_ref(), "Pauline Kael");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let name = AuthorName::parse("  \tPauline Kael \n").unwrap();
        assert_eq!(name.as_str(), "Pauline Kael");
    }

    #[test]
    fn internal_runs_of_whitespace_collapse_to_one_space() {
        let name = AuthorName::parse("Pauline \t\n  Kael").unwrap();
        assert_eq!(name.as_str(), "Pauline Kael");
    }

    #[test]
    fn a_no_break_space_counts_as_whitespace() {
        let name = AuthorName::parse("Pauline\u{00A0}\u{00A0}Kael").unwrap();
        assert_eq!(name.as_str(), "Pauline Kael");
    }

    #[test]
    fn accents_and_non_latin_scripts_are_kept() {
        let name = AuthorName::parse("Zoë Kravitz 是枝裕和").unwrap();
        assert_eq!(name.as_str(), "Zoë Kravitz 是枝裕和");
    }

    #[test]
    fn an_empty_name_is_required() {
        let err = AuthorName::parse("").unwrap_err();
        assert_eq!(err.field, "authorName");
        assert_eq!(err.code, InputErrorCode::Required);
        assert_eq!(err.message, "Name is required.");
    }

    #[test]
    fn a_whitespace_only_name_is_required() {
        assert_eq!(code_of(" \t\r\n "), InputErrorCode::Required);
    }

    #[test]
    fn a_nul_character_is_an_invalid_format() {
        let err = AuthorName::parse("Pauline\0Kael").unwrap_err();
        assert_eq!(err.code, InputErrorCode::InvalidFormat);
        assert_eq!(err.field, "authorName");
    }

    #[test]
    fn escape_delete_and_c1_controls_are_invalid_formats() {
        for input in ["a\u{1B}[31mb", "ab\u{7F}", "a\u{9B}b"] {
            assert_eq!(code_of(input), InputErrorCode::InvalidFormat, "{input:?}");
        }
    }

    #[test]
    fn a_next_line_control_counts_as_whitespace_and_is_collapsed() {
        assert_eq!(AuthorName::parse("a\u{85}b").unwrap().as_str(), "a b");
    }

    #[test]
    fn a_name_of_exactly_245_bytes_is_accepted() {
        assert!(AuthorName::parse(&"a".repeat(MAX_BYTES)).is_ok());
    }

    #[test]
    fn a_name_longer_than_245_bytes_is_too_long() {
        let err = AuthorName::parse(&"a".repeat(MAX_BYTES + 1)).unwrap_err();
        assert_eq!(err.code, InputErrorCode::TooLong);
        assert_eq!(err.field, "authorName");
    }

    #[test]
    fn the_length_limit_counts_utf8_bytes() {
        // 123 two-byte characters are 246 bytes.
        assert_eq!(code_of(&"é".repeat(123)), InputErrorCode::TooLong);
        assert!(AuthorName::parse(&"é".repeat(122)).is_ok());
    }

    #[test]
    fn the_length_limit_applies_after_collapsing_whitespace() {
        let input = format!("{}     {}", "a".repeat(120), "b".repeat(120));
        assert_eq!(AuthorName::parse(&input).unwrap().as_str().len(), 241);
    }

    #[test]
    fn display_and_into_inner_give_the_tidy_name() {
        let name = AuthorName::parse(" Pauline   Kael ").unwrap();
        assert_eq!(name.to_string(), "Pauline Kael");
        assert_eq!(name.clone().into_inner(), "Pauline Kael");
    }
}
