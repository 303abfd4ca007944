//! A commenter's email address, checked the way WordPress's `is_email()`
//! checks it and stored lowercased so that lookups compare equal.

use std::fmt;

use super::{FieldError, InputErrorCode};

/// The input field this type validates.
const FIELD: &str = "authorEmail";

/// The longest address accepted, in UTF-8 bytes.
pub const MAX_BYTES: usize = 100;

/// The shortest address accepted, in characters (`a@b.cd`).
const MIN_CHARS: usize = 6;

/// The characters WordPress allows in the local part, besides ASCII letters
/// and digits.
const LOCAL_PUNCTUATION: &str = "!#$%&'*+/=?^_`{|}~.-";

/// A syntactically valid email address, trimmed and lowercased.
///
/// The only way to get one is [`Email::parse`], so holding an `Email` means
/// the address passed the checks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Validates `input` as an email address.
    ///
    /// Surrounding whitespace is trimmed. A blank input is
    /// [`InputErrorCode::Required`], one longer than 100 bytes is
    /// [`InputErrorCode::TooLong`], and one that `is_email()` would refuse is
    /// [`InputErrorCode::InvalidEmail`]. The stored address is lowercased.
    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::Required,
                "Email is required.",
            ));
        }
        if trimmed.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("Email must be at most {MAX_BYTES} bytes (UTF-8)."),
            ));
        }
        if !is_email(trimmed) {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidEmail,
                "Enter a valid email address.",
            ));
        }
        Ok(Email(trimmed.to_ascii_lowercase()))
    }

    /// The address as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// WordPress's `is_email()` rules, tightened to refuse dots at the ends of
/// the local part or doubled inside it.
fn is_email(s: &str) -> bool {
    if s.chars().count() < MIN_CHARS {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if domain.contains('@') {
        return false;
    }
    is_local_part(local) && is_domain(domain)
}

/// The part before the `@`.
fn is_local_part(local: &str) -> bool {
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_PUNCTUATION.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// The part after the `@`: two or more dot-separated labels of letters,
/// digits and inner hyphens, the last at least two characters long.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    let tld_ok = labels.last().is_some_and(|tld| tld.len() >= 2);
    labels_ok && tld_ok
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(input: &str) -> InputErrorCode {
        Email::parse(input).expect_err("should be refused").code
    }

    #[test]
    fn a_plain_address_is_accepted() {
        let email = Email::parse("reader@example.com").unwrap();
        assert_eq!(email.as_ref(), "reader@example.com");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let email = Email::parse("  reader@example.com \n").unwrap();
        assert_eq!(email.as_str(), "reader@example.com");
    }

    #[test]
    fn the_address_is_stored_lowercased() {
        let email = Email::parse("Reader.Name@Example.COM").unwrap();
        assert_eq!(email.as_str(), "reader.name@example.com");
    }

    #[test]
    fn addresses_differing_only_in_case_compare_equal() {
        assert_eq!(
            Email::parse("A@Example.com").unwrap(),
            Email::parse("a@example.COM").unwrap()
        );
    }

    #[test]
    fn an_empty_email_is_required() {
        let err = Email::parse("").unwrap_err();
        assert_eq!(err.field, "authorEmail");
        assert_eq!(err.code, InputErrorCode::Required);
        assert_eq!(err.message, "Email is required.");
    }

    #[test]
    fn a_whitespace_only_email_is_required() {
        assert_eq!(code_of(" \t\n "), InputErrorCode::Required);
    }

    #[test]
    fn an_email_of_exactly_100_bytes_is_accepted() {
        let local = "a".repeat(MAX_BYTES - "@example.com".len());
        let input = format!("{local}@example.com");
        assert_eq!(input.len(), MAX_BYTES);
        assert!(Email::parse(&input).is_ok());
    }

    #[test]
    fn an_email_longer_than_100_bytes_is_too_long() {
        let local = "a".repeat(MAX_BYTES + 1 - "@example.com".len());
        let err = Email::parse(&format!("{local}@example.com")).unwrap_err();
        assert_eq!(err.code, InputErrorCode::TooLong);
        assert_eq!(err.field, "authorEmail");
    }

    #[test]
    fn the_length_limit_counts_bytes_after_trimming() {
        let local = "a".repeat(MAX_BYTES - "@example.com".len());
        assert!(Email::parse(&format!("   {local}@example.com   ")).is_ok());
    }

    #[test]
    fn an_email_without_an_at_sign_is_rejected() {
        let err = Email::parse("reader.example.com").unwrap_err();
        assert_eq!(err.code, InputErrorCode::InvalidEmail);
        assert_eq!(err.message, "Enter a valid email address.");
        assert_eq!(err.field, "authorEmail");
    }

    #[test]
    fn an_email_with_two_at_signs_is_rejected() {
        assert_eq!(code_of("a@b@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn an_email_shorter_than_six_characters_is_rejected() {
        assert_eq!(code_of("a@b.c"), InputErrorCode::InvalidEmail);
        assert!(Email::parse("a@b.cd").is_ok());
    }

    #[test]
    fn an_empty_local_part_is_rejected() {
        assert_eq!(code_of("@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn an_empty_domain_is_rejected() {
        assert_eq!(code_of("reader@"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn all_of_wordpress_local_punctuation_is_accepted() {
        let email = Email::parse("a!#$%&'*+/=?^_`{|}~.-z@example.com").unwrap();
        assert_eq!(email.as_str(), "a!#$%&'*+/=?^_`{|}~.-z@example.com");
    }

    #[test]
    fn a_space_in_the_local_part_is_rejected() {
        assert_eq!(code_of("re ader@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn other_punctuation_in_the_local_part_is_rejected() {
        for input in [
            "re(ader@example.com",
            "re\"ader@example.com",
            "re,ader@example.com",
            "re<ader@example.com",
            "re\\ader@example.com",
        ] {
            assert_eq!(code_of(input), InputErrorCode::InvalidEmail, "{input}");
        }
    }

    #[test]
    fn a_non_ascii_local_part_is_rejected() {
        assert_eq!(code_of("zoë@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_leading_dot_in_the_local_part_is_rejected() {
        assert_eq!(code_of(".reader@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_trailing_dot_in_the_local_part_is_rejected() {
        assert_eq!(code_of("reader.@example.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn consecutive_dots_in_the_local_part_are_rejected() {
        assert_eq!(
            code_of("re..ader@example.com"),
            InputErrorCode::InvalidEmail
        );
    }

    #[test]
    fn a_domain_with_a_single_label_is_rejected() {
        assert_eq!(code_of("reader@localhost"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn consecutive_dots_in_the_domain_are_rejected() {
        assert_eq!(code_of("reader@example..com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_domain_starting_or_ending_with_a_dot_is_rejected() {
        assert_eq!(code_of("reader@.example.com"), InputErrorCode::InvalidEmail);
        assert_eq!(code_of("reader@example.com."), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_domain_label_starting_or_ending_with_a_hyphen_is_rejected() {
        assert_eq!(code_of("reader@-example.com"), InputErrorCode::InvalidEmail);
        assert_eq!(code_of("reader@example-.com"), InputErrorCode::InvalidEmail);
        assert_eq!(code_of("reader@example.-com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_hyphen_inside_a_domain_label_is_accepted() {
        assert!(Email::parse("reader@my-site.example.co").is_ok());
    }

    #[test]
    fn invalid_characters_in_the_domain_are_rejected() {
        assert_eq!(code_of("reader@exa_mple.com"), InputErrorCode::InvalidEmail);
        assert_eq!(code_of("reader@exam ple.com"), InputErrorCode::InvalidEmail);
        assert_eq!(code_of("reader@exämple.com"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn a_one_letter_top_level_domain_is_rejected() {
        assert_eq!(code_of("reader@example.c"), InputErrorCode::InvalidEmail);
    }

    #[test]
    fn display_shows_the_stored_address() {
        let email = Email::parse("Reader@Example.com").unwrap();
        assert_eq!(email.to_string(), "reader@example.com");
    }

    #[test]
    fn into_inner_returns_the_stored_address() {
        let email = Email::parse("Reader@Example.com").unwrap();
        assert_eq!(email.into_inner(), "reader@example.com");
    }
}
