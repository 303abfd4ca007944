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

use crate::code::ErrorCode;
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
    /// Someone else saved the object since `expectedVersion`. `EDIT_CONFLICT`.
    EditConflict { current_version: i32 },
    /// Deleting an object that others still point at. `STILL_REFERENCED`.
    StillReferenced {
        what: &'static str,
        by: &'static str,
    },
    /// The slug already names another object of the kind. `SLUG_TAKEN`.
    SlugTaken { slug: String },
    /// Too many mutations from one client address. `RATE_LIMITED`.
    RateLimited { retry_after_secs: u64 },
    /// A comment too soon after the last from the same address or email.
    /// `COMMENT_FLOOD`.
    CommentFlood { retry_after_secs: u64 },
    /// A request over one of the limits on its shape or size, measured before
    /// it is validated or run. The code names the limit.
    LimitExceeded { limit: Limit, max: u64, actual: u64 },
    /// A document that cannot be run, refused before validation (a fragment
    /// that spreads itself). `GRAPHQL_VALIDATION_FAILED`.
    InvalidDocument { message: String },
    /// A persisted query that cannot be run as sent.
    PersistedQuery(PersistedQueryError),
    /// The client has spent its query cost budget. `THROTTLED`.
    Throttled { retry_after_secs: u64 },
    /// The request ran past its deadline and was cancelled. `TIMEOUT`.
    Timeout { seconds: u64 },
    /// The database cannot be reached; retry later. `SERVICE_UNAVAILABLE`.
    ServiceUnavailable { retry_after_secs: u64 },
    /// A fault on our side. Logged with its cause; clients see no detail.
    /// (Shared, so the error is `Clone`, as async-graphql needs of resolver
    /// errors.)
    Internal(Arc<anyhow::Error>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The stable code clients switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::InvalidArgument { .. } => ErrorCode::BadUserInput,
            Self::InvalidCursor { .. } => ErrorCode::InvalidCursor,
            Self::InvalidId { .. } => ErrorCode::InvalidId,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::CommentsClosed => ErrorCode::CommentsClosed,
            Self::InvalidOwnerToken => ErrorCode::InvalidOwnerToken,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::EditWindowExpired => ErrorCode::EditWindowExpired,
            Self::DuplicateComment => ErrorCode::DuplicateComment,
            Self::EditConflict { .. } => ErrorCode::EditConflict,
            Self::StillReferenced { .. } => ErrorCode::StillReferenced,
            Self::SlugTaken { .. } => ErrorCode::SlugTaken,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::CommentFlood { .. } => ErrorCode::CommentFlood,
            Self::LimitExceeded { limit, .. } => limit.code(),
            Self::InvalidDocument { .. } => ErrorCode::GraphqlValidationFailed,
            Self::PersistedQuery(e) => e.code(),
            Self::Throttled { .. } => ErrorCode::Throttled,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::ServiceUnavailable { .. } => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalServerError,
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
            Self::EditConflict { current_version } => format!(
                "Someone else saved this first; it is now at version {current_version}. \
                 Reload it and apply your change again."
            ),
            Self::StillReferenced { what, by } => {
                format!("This {what} cannot be deleted while {by} still refer to it.")
            }
            Self::SlugTaken { slug } => format!("The slug `{slug}` is already taken."),
            Self::RateLimited { retry_after_secs } => {
                format!("Too many changes from this address. Try again in {retry_after_secs} s.")
            }
            Self::CommentFlood { retry_after_secs } => {
                format!("You are posting too quickly. Try again in {retry_after_secs} s.")
            }
            Self::LimitExceeded { limit, max, actual } => format!(
                "{} ({actual}) is over the limit of {max}.",
                limit.description()
            ),
            Self::InvalidDocument { message } => message.clone(),
            Self::PersistedQuery(e) => e.message(),
            Self::Throttled { retry_after_secs } => format!(
                "This client has spent its query cost budget. Try again in {retry_after_secs} s."
            ),
            Self::Timeout { seconds } => {
                format!("The request took longer than {seconds} s and was cancelled.")
            }
            Self::ServiceUnavailable { retry_after_secs } => {
                format!("The service is briefly unavailable. Try again in {retry_after_secs} s.")
            }
            Self::Internal(_) => "Internal server error".to_owned(),
        }
    }

    /// Seconds after which a retry may succeed, for errors that pass.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::CommentFlood { retry_after_secs }
            | Self::Throttled { retry_after_secs }
            | Self::ServiceUnavailable { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The error as one about the whole request, outside any resolver: it
    /// points at no place in the document.
    pub fn into_request_error(self) -> async_graphql::ServerError {
        let mut error = self.extend().into_server_error(Default::default());
        error.locations.clear();
        error
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(err.into()))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    /// Input the database refuses (a NUL byte in text, a string PostgreSQL
    /// cannot encode) is the client's error; a database that cannot be
    /// reached is a passing outage; anything else is ours.
    fn from(err: sea_orm::DbErr) -> Self {
        match crate::db::classify(&err) {
            crate::db::Fault::BadInput => Self::InvalidArgument {
                argument: "input",
                message: "The input holds characters that cannot be stored (such as a NUL byte)."
                    .to_owned(),
            },
            crate::db::Fault::Unavailable => Self::ServiceUnavailable {
                retry_after_secs: crate::db::RETRY_AFTER_SECS,
            },
            crate::db::Fault::Other => Self::internal(err),
        }
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
            ext.set("code", self.code().as_str());
            match self {
                Self::InvalidArgument { argument, .. }
                | Self::InvalidCursor { argument }
                | Self::InvalidId { argument } => ext.set("argument", *argument),
                Self::RateLimited { retry_after_secs }
                | Self::CommentFlood { retry_after_secs }
                | Self::Throttled { retry_after_secs }
                | Self::ServiceUnavailable { retry_after_secs } => {
                    ext.set("retryAfterSeconds", *retry_after_secs)
                }
                Self::EditConflict { current_version } => {
                    ext.set("currentVersion", *current_version)
                }
                Self::LimitExceeded { limit, max, actual } => {
                    ext.set("measure", limit.measure());
                    ext.set("limit", *max);
                    ext.set("actual", *actual);
                }
                Self::Validation(errors) => {
                    let fields: Vec<async_graphql::Value> = errors
                        .iter()
                        .map(|e| {
                            let mut m = async_graphql::indexmap::IndexMap::new();
                            m.insert(
                                async_graphql::Name::new("field"),
                                e.field.to_string().into(),
                            );
                            m.insert(
                                async_graphql::Name::new("code"),
                                e.code.code().as_str().into(),
                            );
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

/// Why a persisted query (Apollo's `extensions.persistedQuery`) or a
/// document in trusted-documents mode cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersistedQueryError {
    /// The hash is unknown: the client sends it again with the text.
    /// `PERSISTED_QUERY_NOT_FOUND`.
    NotFound,
    /// Persisted queries are switched off. `PERSISTED_QUERY_NOT_SUPPORTED`.
    NotSupported,
    /// The text's SHA-256 is not the hash. `PERSISTED_QUERY_HASH_MISMATCH`.
    HashMismatch,
    /// Trusted-documents mode, and this document is not trusted.
    /// `DOCUMENT_NOT_TRUSTED`.
    NotTrusted,
    /// `extensions.persistedQuery` is not `{ version: 1, sha256Hash }`.
    /// `BAD_REQUEST`.
    Malformed,
}

impl PersistedQueryError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::PersistedQueryNotFound,
            Self::NotSupported => ErrorCode::PersistedQueryNotSupported,
            Self::HashMismatch => ErrorCode::PersistedQueryHashMismatch,
            Self::NotTrusted => ErrorCode::DocumentNotTrusted,
            Self::Malformed => ErrorCode::BadRequest,
        }
    }

    fn message(&self) -> String {
        match self {
            // The exact words Apollo's clients look for.
            Self::NotFound => "PersistedQueryNotFound",
            Self::NotSupported => "PersistedQueryNotSupported",
            Self::HashMismatch => "The query's SHA-256 is not `sha256Hash`.",
            Self::NotTrusted => {
                "This server runs only trusted documents, registered ahead of time; this is not one."
            }
            Self::Malformed => {
                "`extensions.persistedQuery` must be `{ \"version\": 1, \"sha256Hash\": \"<64 hex digits>\" }`."
            }
        }
        .to_owned()
    }
}

/// A limit on a request's shape or size. Each has its own code, and its
/// error reports the limit and the actual measure in `extensions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Bytes of one document's text. `QUERY_TOO_LARGE`.
    DocumentBytes,
    /// Lexical tokens in a request. `QUERY_TOO_LARGE`.
    Tokens,
    /// Nesting of brackets in one document. `QUERY_TOO_DEEP`.
    Nesting,
    /// Fields after fragment expansion. `TOO_MANY_FIELDS`.
    Fields,
    /// Aliased fields after fragment expansion. `TOO_MANY_ALIASES`.
    Aliases,
    /// Root fields. `TOO_MANY_ROOT_FIELDS`.
    RootFields,
    /// Directives on one field, fragment or operation. `TOO_MANY_DIRECTIVES`.
    Directives,
    /// `__schema` selections in a request. `INTROSPECTION_LIMITED`.
    SchemaSelections,
    /// How far introspection recurses through types. `INTROSPECTION_LIMITED`.
    IntrospectionDepth,
    /// Bytes of the response. `RESPONSE_TOO_LARGE`.
    ResponseBytes,
}

impl Limit {
    /// The stable code.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::DocumentBytes | Self::Tokens => ErrorCode::QueryTooLarge,
            Self::Nesting => ErrorCode::QueryTooDeep,
            Self::Fields => ErrorCode::TooManyFields,
            Self::Aliases => ErrorCode::TooManyAliases,
            Self::RootFields => ErrorCode::TooManyRootFields,
            Self::Directives => ErrorCode::TooManyDirectives,
            Self::SchemaSelections | Self::IntrospectionDepth => ErrorCode::IntrospectionLimited,
            Self::ResponseBytes => ErrorCode::ResponseTooLarge,
        }
    }

    /// What is measured, as `extensions.measure`.
    pub fn measure(self) -> &'static str {
        match self {
            Self::DocumentBytes => "documentBytes",
            Self::Tokens => "tokens",
            Self::Nesting => "nesting",
            Self::Fields => "fields",
            Self::Aliases => "aliases",
            Self::RootFields => "rootFields",
            Self::Directives => "directives",
            Self::SchemaSelections => "schemaSelections",
            Self::IntrospectionDepth => "introspectionDepth",
            Self::ResponseBytes => "responseBytes",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::DocumentBytes => "The document's size in bytes",
            Self::Tokens => "The number of tokens in the request",
            Self::Nesting => "The nesting of brackets in the document",
            Self::Fields => "The number of fields, with fragments expanded,",
            Self::Aliases => "The number of aliases, with fragments expanded,",
            Self::RootFields => "The number of root fields",
            Self::Directives => "The number of directives in one place",
            Self::SchemaSelections => "The number of `__schema` selections",
            Self::IntrospectionDepth => "The depth of introspection through types",
            Self::ResponseBytes => "The response's size in bytes",
        }
    }
}

/// DataLoaders need a `Clone` error, so they share one database error among
/// all the keys of a batch.
impl From<Arc<sea_orm::DbErr>> for ApiError {
    fn from(err: Arc<sea_orm::DbErr>) -> Self {
        match crate::db::classify(&err) {
            crate::db::Fault::Other => Self::internal(anyhow::anyhow!("{err}")),
            _ => Self::from(Arc::unwrap_or_clone(err)),
        }
    }
}
