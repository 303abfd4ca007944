//! Every error code a client can see, in one enum: the only place in the
//! crate where a code's string is written. Every layer (the error enum, the
//! HTTP routes, the WebSocket layer, the comment payload's GraphQL enum,
//! the domain's field codes) names its codes through it, with exhaustive
//! matches, so a new code does not compile until every layer handles it.
//! A test checks that the README's tables list every code.

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)+) => {
        /// A stable error code (`extensions.code`, or a payload error's `code`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as clients see it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

codes! {
    // Requests.
    /// The body is not JSON or not a GraphQL request.
    BadRequest => "BAD_REQUEST",
    /// A POST that is not `application/json`.
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    /// An `Accept` header that allows no format the server writes.
    NotAcceptable => "NOT_ACCEPTABLE",
    /// A mutation sent over GET.
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    /// The body is over the size limit.
    RequestTooLarge => "REQUEST_TOO_LARGE",
    /// A batch with too many operations.
    BatchTooLarge => "BATCH_TOO_LARGE",
    /// Public profile: a GET query without a CSRF preflight header.
    CsrfPreflightRequired => "CSRF_PREFLIGHT_REQUIRED",
    /// The document does not parse.
    GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
    /// A persisted query's hash this server does not know: send the text too.
    PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
    /// Persisted queries are switched off: send the text.
    PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
    /// A persisted query's text whose SHA-256 is not the hash sent with it.
    PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
    /// Trusted-documents mode: a document not registered ahead of time.
    DocumentNotTrusted => "DOCUMENT_NOT_TRUSTED",
    /// The document does not fit the schema.
    GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
    // Limits.
    /// Too deep: selections or brackets.
    QueryTooDeep => "QUERY_TOO_DEEP",
    /// Over the complexity limit.
    QueryTooComplex => "QUERY_TOO_COMPLEX",
    /// Too many bytes or tokens.
    QueryTooLarge => "QUERY_TOO_LARGE",
    /// Too many fields, with fragments expanded.
    TooManyFields => "TOO_MANY_FIELDS",
    /// Too many aliases.
    TooManyAliases => "TOO_MANY_ALIASES",
    /// Too many root fields.
    TooManyRootFields => "TOO_MANY_ROOT_FIELDS",
    /// Too many directives in one place.
    TooManyDirectives => "TOO_MANY_DIRECTIVES",
    /// `__schema` more than once, or introspection too deep.
    IntrospectionLimited => "INTROSPECTION_LIMITED",
    /// The response would be over the size limit.
    ResponseTooLarge => "RESPONSE_TOO_LARGE",
    /// The client's query cost budget is spent.
    Throttled => "THROTTLED",
    /// The request ran past its deadline.
    Timeout => "TIMEOUT",
    /// The database cannot be reached just now.
    ServiceUnavailable => "SERVICE_UNAVAILABLE",
    // Arguments and access.
    /// An argument out of range or malformed.
    BadUserInput => "BAD_USER_INPUT",
    /// A cursor this API did not return.
    InvalidCursor => "INVALID_CURSOR",
    /// A malformed ID, or one of the wrong type.
    InvalidId => "INVALID_ID",
    /// Nothing (public) by that ID or slug.
    NotFound => "NOT_FOUND",
    /// A staff token is needed, or the one sent is unknown or revoked.
    Unauthenticated => "UNAUTHENTICATED",
    /// The token's role may not do this.
    Forbidden => "FORBIDDEN",
    /// Too many mutations from one address.
    RateLimited => "RATE_LIMITED",
    /// Input fields refused (the list is in `fieldErrors`).
    ValidationFailed => "VALIDATION_FAILED",
    // Comments.
    /// A required field is missing or blank.
    Required => "REQUIRED",
    /// A field is over its length limit.
    TooLong => "TOO_LONG",
    /// Not a valid email address.
    InvalidEmail => "INVALID_EMAIL",
    /// Not an acceptable http(s) URL.
    InvalidUrl => "INVALID_URL",
    /// Characters or a shape that are not allowed.
    InvalidFormat => "INVALID_FORMAT",
    /// Points at nothing that can be used.
    InvalidReference => "INVALID_REFERENCE",
    /// A reply nested too deep.
    ThreadTooDeep => "THREAD_TOO_DEEP",
    /// The review takes no comments.
    CommentsClosed => "COMMENTS_CLOSED",
    /// The same comment was already posted.
    DuplicateComment => "DUPLICATE_COMMENT",
    /// Too soon after the last comment from this address or email.
    CommentFlood => "COMMENT_FLOOD",
    /// The idempotency key was used with different input.
    IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
    /// The owner token does not open this comment.
    InvalidOwnerToken => "INVALID_OWNER_TOKEN",
    /// The time to edit or delete has passed.
    EditWindowExpired => "EDIT_WINDOW_EXPIRED",
    // The newsroom.
    /// Someone else saved the object first; `currentVersion` says which.
    EditConflict => "EDIT_CONFLICT",
    /// Another object still points at this one, so it cannot be deleted.
    StillReferenced => "STILL_REFERENCED",
    /// The slug already names another object of the same kind.
    SlugTaken => "SLUG_TAKEN",
    // WebSockets.
    /// An upgrade from an origin that is not allowed.
    ForbiddenOrigin => "FORBIDDEN_ORIGIN",
    /// Too many sockets from one address.
    TooManyConnections => "TOO_MANY_CONNECTIONS",
    /// A query or mutation over the socket.
    OperationNotAllowed => "OPERATION_NOT_ALLOWED",
    /// Too many subscriptions on one socket.
    TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
    // Ours.
    /// A fault on our side; logged, never shown.
    InternalServerError => "INTERNAL_SERVER_ERROR",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::ErrorCode;

    /// The words written in backticks in the README's tables.
    fn readme_table_words() -> BTreeSet<&'static str> {
        include_str!("../../README.md")
            .lines()
            .filter(|line| line.starts_with('|'))
            .flat_map(|line| line.split('`').skip(1).step_by(2))
            .collect()
    }

    #[test]
    fn codes_are_unique_and_shouted() {
        let all: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(all.len(), ErrorCode::ALL.len());
        assert!(
            all.iter()
                .all(|c| c.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        );
    }

    #[test]
    fn the_readme_tables_list_every_code() {
        let documented = readme_table_words();
        let missing: Vec<&str> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !documented.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "codes missing from the README's tables: {missing:?}"
        );
    }

    #[test]
    fn every_code_in_the_schemas_payload_enums_is_a_code() {
        let schema = include_str!("../../schema.graphql");
        for name in ["CommentErrorCode", "EditorialErrorCode"] {
            let start = schema
                .find(&format!("enum {name}"))
                .unwrap_or_else(|| panic!("{name} is in the schema"));
            let body = &schema[start..];
            let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
            let values: Vec<&str> = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                .collect();
            assert!(!values.is_empty(), "{name}");
            for value in values {
                assert!(
                    ErrorCode::ALL.iter().any(|c| c.as_str() == value),
                    "{value} is in {name} but not an ErrorCode"
                );
            }
        }
    }
}
