//! The crate's one error type, and how it reaches clients.
//!
//! Every error a client can see carries a stable `extensions.code`. Internal
//! errors (database faults, bugs) are logged with their cause and shown to the
//! client only as `INTERNAL_SERVER_ERROR`.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql has a
//! blanket `From<T: Display>` for its error type that would copy the message
//! and drop the code. Our own `From<ApiError> for async_graphql::Error` below
//! adds the code and hides internals, so `?` in a resolver is always safe.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

use crate::domain::FieldError;

/// Everything that can go wrong while serving a request.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The thing asked for does not exist (or is not public). `NOT_FOUND`.
    NotFound { what: &'static str },
    /// An argument is out of range or malformed. `BAD_USER_INPUT`.
    InvalidArgument {
        argument: &'static str,
        message: String,
    },
    /// A pagination cursor could not be decoded. `INVALID_CURSOR`.
    InvalidCursor { argument: &'static str },
    /// A global ID could not be decoded, or names the wrong type. `INVALID_ID`.
    InvalidId { argument: &'static str },
    /// One or more input fields were refused. `VALIDATION_FAILED`.
    Validation(Vec<FieldError>),
    /// The review takes no new comments. `COMMENTS_CLOSED`.
    CommentsClosed,
    /// The same comment was already posted. `DUPLICATE_COMMENT`.
    DuplicateComment,
    /// The request needs a staff token. `UNAUTHENTICATED`.
    Unauthenticated,
    /// The staff token's role may not do this. `FORBIDDEN`.
    Forbidden,
    /// The owner token does not open this comment. `INVALID_OWNER_TOKEN`.
    InvalidOwnerToken,
    /// The time to edit or delete the comment has passed. `EDIT_WINDOW_EXPIRED`.
    EditWindowExpired,
    /// An idempotency key came back with different input.
    /// `IDEMPOTENCY_KEY_REUSED`.
    IdempotencyKeyReused,
    /// Too many mutations from one client address. `RATE_LIMITED`.
    RateLimited { retry_after_secs: u64 },
    /// A comment too soon after the last from the same address or email.
    /// `COMMENT_FLOOD`.
    CommentFlood { retry_after_secs: u64 },
    /// A fault on our side. Logged with its cause; clients see no detail.
    /// (Shared, so the error is `Clone`, as async-graphql needs of resolver
    /// errors.)
    Internal(Arc<anyhow::Error>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::InvalidArgument { .. } => "BAD_USER_INPUT",
            Self::InvalidCursor { .. } => "INVALID_CURSOR",
            Self::InvalidId { .. } => "INVALID_ID",
            Self::Validation(_) => "VALIDATION_FAILED",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::CommentsClosed => "COMMENTS_CLOSED",
            Self::InvalidOwnerToken => "INVALID_OWNER_TOKEN",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::EditWindowExpired => "EDIT_WINDOW_EXPIRED",
            Self::DuplicateComment => "DUPLICATE_COMMENT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::CommentFlood { .. } => "COMMENT_FLOOD",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message clients see.
    pub fn public_message(&self) -> String {
        match self {
            Self::NotFound { what } => format!("{what} not found"),
            Self::InvalidArgument { message, .. } => message.clone(),
            Self::InvalidCursor { argument } => {
                format!("`{argument}` is not a cursor this field returned")
            }
            Self::InvalidId { argument } => format!("`{argument}` is not a valid ID"),
            Self::Validation(errors) => errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            Self::CommentsClosed => "Comments on this review are closed.".to_owned(),
            Self::InvalidOwnerToken => "This token does not open this comment.".to_owned(),
            Self::Unauthenticated => {
                "This needs a staff token: send `Authorization: Bearer …`.".to_owned()
            }
            Self::Forbidden => "This token's role may not do this.".to_owned(),
            Self::EditWindowExpired => {
                "The time to edit or delete this comment has passed.".to_owned()
            }
            Self::DuplicateComment => "You have already posted this comment.".to_owned(),
            Self::IdempotencyKeyReused => {
                "This idempotency key was already used with different input.".to_owned()
            }
            Self::RateLimited { retry_after_secs } => {
                format!("Too many changes from this address. Try again in {retry_after_secs} s.")
            }
            Self::CommentFlood { retry_after_secs } => {
                format!("You are posting too quickly. Try again in {retry_after_secs} s.")
            }
            Self::Internal(_) => "Internal server error".to_owned(),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(err.into()))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error while resolving a request");
        }
        async_graphql::Error::new(self.public_message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Self::InvalidArgument { argument, .. }
                | Self::InvalidCursor { argument }
                | Self::InvalidId { argument } => ext.set("argument", *argument),
                Self::RateLimited { retry_after_secs }
                | Self::CommentFlood { retry_after_secs } => {
                    ext.set("retryAfterSeconds", *retry_after_secs)
                }
                Self::Validation(errors) => {
                    let fields: Vec<async_graphql::Value> = errors
                        .iter()
                        .map(|e| {
                            let mut m = async_graphql::indexmap::IndexMap::new();
                            m.insert(async_graphql::Name::new("field"), e.field.into());
                            m.insert(async_graphql::Name::new("code"), e.code.as_str().into());
                            m.insert(
                                async_graphql::Name::new("message"),
                                e.message.clone().into(),
                            );
                            async_graphql::Value::Object(m)
                        })
                        .collect();
                    ext.set("fieldErrors", fields);
                }
                _ => {}
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}

/// DataLoaders need a `Clone` error, so they share one database error among
/// all the keys of a batch.
impl From<Arc<sea_orm::DbErr>> for ApiError {
    fn from(err: Arc<sea_orm::DbErr>) -> Self {
        Self::internal(anyhow::anyhow!("{err}"))
    }
}
