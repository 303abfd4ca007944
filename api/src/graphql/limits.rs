//! Stable `extensions.code`s for the errors async-graphql itself raises:
//! syntax errors, validation errors, the depth and complexity limits, and
//! input values that do not coerce (a null where a value is required).

use async_graphql::extensions::ExtensionContext;
use async_graphql::{Response, ServerError};

use crate::code::ErrorCode;

fn with_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
    }
    err
}

/// The code for a validation error, from async-graphql's message for it.
fn validation_code(message: &str) -> ErrorCode {
    match message {
        "Query is nested too deep." => ErrorCode::QueryTooDeep,
        "Query is too complex." => ErrorCode::QueryTooComplex,
        m if m.starts_with("The recursion depth") => ErrorCode::QueryTooDeep,
        _ => ErrorCode::GraphqlValidationFailed,
    }
}

/// Every error our resolvers raise carries a code (see `ApiError`); an
/// error still without one comes from async-graphql coercing an input
/// value, so it is the client's.
pub(super) fn code_response(mut response: Response) -> Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| with_code(e, ErrorCode::BadUserInput))
        .collect();
    response
}

/// A document that does not parse.
pub(super) fn code_parse_error(err: ServerError) -> ServerError {
    with_code(err, ErrorCode::GraphqlParseFailed)
}

/// A document that parsed but is not valid, or is over a limit.
pub(super) fn code_validation_errors(errors: Vec<ServerError>) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|e| {
            let code = validation_code(&e.message);
            with_code(e, code)
        })
        .collect()
}

/// Marks the request as run, so the HTTP layer can tell a request error
/// (refused before it ran) from a response with field errors.
pub(super) fn mark_executed(ctx: &ExtensionContext<'_>) {
    if let Some(executed) = ctx.data_opt::<super::context::Executed>() {
        executed.mark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_messages_map_to_their_codes() {
        assert_eq!(
            validation_code("Query is nested too deep."),
            ErrorCode::QueryTooDeep
        );
        assert_eq!(
            validation_code("Query is too complex."),
            ErrorCode::QueryTooComplex
        );
        assert_eq!(
            validation_code("Unknown field \"x\""),
            ErrorCode::GraphqlValidationFailed
        );
    }
}
