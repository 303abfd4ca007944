//! Validated domain types. Each newtype has a private field and a `parse`
//! constructor, so code past the edge of the API only ever holds valid data.
//! Nothing here knows about GraphQL or the database.

pub mod author_name;
pub mod author_url;
pub mod comment_body;
pub mod editorial;
pub mod email;
pub mod idempotency_key;
pub mod search_query;
pub mod search_term;
pub mod slug;
pub mod text;

pub use author_name::AuthorName;
pub use author_url::AuthorUrl;
pub use comment_body::CommentBody;
pub use email::Email;
pub use idempotency_key::IdempotencyKey;
pub use search_query::SearchQuery;
pub use search_term::SearchTerm;
pub use slug::Slug;

use std::borrow::Cow;
use std::fmt;

/// Why one input field was refused. Stable: clients switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputErrorCode {
    /// A required field is missing or blank.
    Required,
    /// The field is longer than its limit (in UTF-8 bytes).
    TooLong,
    /// The field is not a well-formed email address.
    InvalidEmail,
    /// The field is not an acceptable http(s) URL.
    InvalidUrl,
    /// The field has a character or shape that is not allowed.
    InvalidFormat,
    /// The field points at something that does not exist or cannot be used.
    InvalidReference,
    /// A reply would nest deeper than threads may go.
    ThreadTooDeep,
}

impl InputErrorCode {
    /// The stable code, as clients see it.
    pub fn code(self) -> crate::code::ErrorCode {
        use crate::code::ErrorCode;
        match self {
            Self::Required => ErrorCode::Required,
            Self::TooLong => ErrorCode::TooLong,
            Self::InvalidEmail => ErrorCode::InvalidEmail,
            Self::InvalidUrl => ErrorCode::InvalidUrl,
            Self::InvalidFormat => ErrorCode::InvalidFormat,
            Self::InvalidReference => ErrorCode::InvalidReference,
            Self::ThreadTooDeep => ErrorCode::ThreadTooDeep,
        }
    }
}

/// One refused input field: which field, why, and a message a form can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The input field's name as the client sent it, e.g. `authorEmail`,
    /// or its path within a list, e.g. `credits.2.character`.
    pub field: Cow<'static, str>,
    /// Why it was refused.
    pub code: InputErrorCode,
    /// A human-readable sentence for the form.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        code: InputErrorCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error, for the field at `path` (e.g. `credits.2`), so an
    /// error in one entry of a list names the entry.
    pub fn within(self, path: &str) -> Self {
        Self {
            field: format!("{path}.{}", self.field).into(),
            ..self
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}
