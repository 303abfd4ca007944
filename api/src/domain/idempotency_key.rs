//! The client's retry key for a mutation.

use super::{FieldError, InputErrorCode};

/// The longest key accepted, in bytes.
pub const MAX_BYTES: usize = 255;

/// A client-chosen key that makes a mutation safe to retry: 1 to 255
/// visible ASCII characters (a UUID is a good choice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        const FIELD: &str = "idempotencyKey";
        if input.is_empty() {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::Required,
                "The idempotency key is empty.",
            ));
        }
        if input.len() > MAX_BYTES {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::TooLong,
                format!("The idempotency key is longer than {MAX_BYTES} bytes."),
            ));
        }
        if !input.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::new(
                FIELD,
                InputErrorCode::InvalidFormat,
                "The idempotency key may hold only visible ASCII characters.",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_is_a_valid_key() {
        assert!(IdempotencyKey::parse("0b9c6a4e-5f2d-4d3a-9a57-2f1c0e8d7b11").is_ok());
    }

    #[test]
    fn an_empty_key_is_refused() {
        assert_eq!(
            IdempotencyKey::parse("").unwrap_err().code,
            InputErrorCode::Required
        );
    }

    #[test]
    fn a_key_with_spaces_or_unicode_is_refused() {
        for key in ["a b", "clé", "tab\there"] {
            assert_eq!(
                IdempotencyKey::parse(key).unwrap_err().code,
                InputErrorCode::InvalidFormat,
                "{key}"
            );
        }
    }

    #[test]
    fn a_key_over_255_bytes_is_refused() {
        let key = "k".repeat(256);
        assert_eq!(
            IdempotencyKey::parse(&key).unwrap_err().code,
            InputErrorCode::TooLong
        );
        assert!(IdempotencyKey::parse(&key[..255]).is_ok());
    }
}
