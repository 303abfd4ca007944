//! What a reader searches for: short enough that matching it is cheap on
//! every backend (SQLite refuses long LIKE patterns outright), and free of
//! NUL bytes, which PostgreSQL cannot store or compare.

/// A validated search string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    /// The most characters a search may have.
    pub const MAX_CHARS: usize = 200;

    /// Checks `text`; the error is a sentence for the client.
    pub fn parse(text: String) -> Result<Self, String> {
        if text.contains('\0') {
            return Err("`search` may not contain a NUL character.".to_owned());
        }
        let chars = text.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(format!(
                "`search` is {chars} characters long; the limit is {}.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(text))
    }
}

impl AsRef<str> for SearchTerm {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_searches_pass_and_long_or_nul_ones_do_not() {
        assert_eq!(SearchTerm::parse("Zoë".into()).unwrap().as_ref(), "Zoë");
        assert!(SearchTerm::parse("é".repeat(200)).is_ok());
        assert!(SearchTerm::parse("é".repeat(201)).is_err());
        assert!(SearchTerm::parse("a\0b".into()).is_err());
    }
}
