//! Stable `extensions.code`s for the errors async-graphql itself raises:
//! syntax errors, validation errors, the depth and complexity limits, and
//! input values that do not coerce (a null where a value is required).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::code::ErrorCode;

/// Adds codes to parse and validation errors.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

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

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    /// Every error our resolvers raise carries a code (see `ApiError`); an
    /// error still without one comes from async-graphql coercing an input
    /// value, so it is the client's.
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| with_code(e, ErrorCode::BadUserInput))
            .collect();
        response
    }

    /// Marks the request as run, so the HTTP layer can tell a request
    /// error (refused before it ran) from a response with field errors.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(executed) = ctx.data_opt::<super::context::Executed>() {
            executed.mark();
        }
        next.run(ctx, operation_name).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = validation_code(&e.message);
                    with_code(e, code)
                })
                .collect()
        })
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
