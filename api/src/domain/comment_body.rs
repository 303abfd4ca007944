//! The text of a reader's comment.

use std::fmt;

use super::{FieldError, InputErrorCode};

/// The input field this type validates.
const FIELD: &str = "body";

/// The longest comment accepted, in UTF-8 bytes (WordPress's limit).
pub const MAX_BYTES: usize = 65_525;

/// A comment's plain text: `\n` line endings only, trimmed, and free of
/// control characters other than newline and tab.
///
/// It is stored as typed; render it with
/// [`plain_text_to_safe_html`](super::text::plain_text_to_safe_html).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommentBody(String);

impl CommentBody {
    /// Validates and tidies `input`.
    ///
    /// `\r\n` and lone `\r` become `\n`, then surrounding whitespace is
    /// trimmed. A blank comment is [`InputErrorCode::Required`]; one longer
    /// than 65 525 bytes is [`InputErrorCode::TooLong`]; one containing NUL
    /// or any other control character except `\n` and `\t` is
    /// [`InputErrorCode::InvalidFormat`].
    pub fn parse(input: &str) -> Result<CommentBody, FieldError> {
        let unix = input.replace("\r\n", "\n").replace('\r', "\n");
        let trimmed = unix.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::Required,
                "Comment text is required.",
            ));
        }
        if trimmed.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("Comment must be at most {MAX_BYTES} bytes (UTF-8)."),
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidFormat,
                "Comment must not contain control characters.",
            ));
        }
        if contains_html(trimmed) {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidFormat,
                "Write plain text: HTML tags are not accepted. Paste links as they are.",
            ));
        }
        Ok(CommentBody(trimmed.to_owned()))
    }

    /// The comment as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comment as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for CommentBody {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommentBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` holds an HTML tag, comment or declaration: `<` followed
/// by a letter, `/` and a letter, `!` or `?`. "a < b" and "<3" stay plain text.
fn contains_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        if b != b'<' {
            return false;
        }
        match bytes.get(i + 1) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'!' || *c == b'?' => true,
            Some(b'/') => bytes.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic()),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(input: &str) -> InputErrorCode {
        CommentBody::parse(input)
            .expect_err("should be refused")
            .code
    }

    #[test]
    fn a_plain_comment_is_accepted_unchanged() {
        let body = CommentBody::parse("Loved it.\n\nThe ending, though…").unwrap();
        assert_eq!(body.as_ref(), "Loved it.\n\nThe ending, though…");
    }

    #[test]
    fn windows_line_endings_become_newlines() {
        let body = CommentBody::parse("one\r\ntwo\r\n\r\nthree").unwrap();
        assert_eq!(body.as_str(), "one\ntwo\n\nthree");
    }

    #[test]
    fn old_mac_line_endings_become_newlines() {
        let body = CommentBody::parse("one\rtwo\r\rthree").unwrap();
        assert_eq!(body.as_str(), "one\ntwo\n\nthree");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_but_inner_whitespace_is_kept() {
        let body = CommentBody::parse("\r\n  first line\n\tindented  \n\n").unwrap();
        assert_eq!(body.as_str(), "first line\n\tindented");
    }

    #[test]
    fn an_empty_comment_is_required() {
        let err = CommentBody::parse("").unwrap_err();
        assert_eq!(err.field, "body");
        assert_eq!(err.code, InputErrorCode::Required);
        assert_eq!(err.message, "Comment text is required.");
    }

    #[test]
    fn a_whitespace_only_comment_is_required() {
        assert_eq!(code_of(" \r\n\t\r "), InputErrorCode::Required);
    }

    #[test]
    fn a_comment_of_exactly_the_limit_is_accepted() {
        assert!(CommentBody::parse(&"a".repeat(MAX_BYTES)).is_ok());
    }

    #[test]
    fn a_comment_longer_than_the_limit_is_too_long() {
        let err = CommentBody::parse(&"a".repeat(MAX_BYTES + 1)).unwrap_err();
        assert_eq!(err.code, InputErrorCode::TooLong);
        assert_eq!(err.field, "body");
    }

    #[test]
    fn the_length_limit_applies_after_trimming_and_counts_bytes() {
        assert!(CommentBody::parse(&format!("  {}  ", "a".repeat(MAX_BYTES))).is_ok());
        let multibyte = "é".repeat(MAX_BYTES / 2 + 1);
        assert_eq!(code_of(&multibyte), InputErrorCode::TooLong);
    }

    #[test]
    fn a_nul_character_is_an_invalid_format() {
        let err = CommentBody::parse("nice\0review").unwrap_err();
        assert_eq!(err.code, InputErrorCode::InvalidFormat);
        assert_eq!(err.field, "body");
    }

    #[test]
    fn other_control_characters_are_invalid_formats() {
        for input in ["a\u{1B}[2Jb", "a\u{8}b", "a\u{7F}b", "a\u{0B}b", "a\u{0C}b"] {
            assert_eq!(code_of(input), InputErrorCode::InvalidFormat, "{input:?}");
        }
    }

    #[test]
    fn tabs_and_newlines_are_allowed() {
        assert!(CommentBody::parse("a\tb\nc").is_ok());
    }

    #[test]
    fn display_and_into_inner_give_the_tidy_text() {
        let body = CommentBody::parse(" hi\r\nthere ").unwrap();
        assert_eq!(body.to_string(), "hi\nthere");
        assert_eq!(body.into_inner(), "hi\nthere");
    }

    #[test]
    fn html_tags_are_refused_but_angle_brackets_in_prose_are_not() {
        for html in [
            "<b>bold</b>",
            "x </p> y",
            "<script>alert(1)</script>",
            "<!-- c -->",
            "<a href=x>y</a>",
        ] {
            assert_eq!(
                CommentBody::parse(html).unwrap_err().code,
                InputErrorCode::InvalidFormat,
                "{html}"
            );
        }
        for prose in [
            "a < b and c > d",
            "I <3 this film",
            "x<5",
            "see https://example.org/?a=<1>",
        ] {
            assert!(CommentBody::parse(prose).is_ok(), "{prose}");
        }
    }
}
