//! The schema's one extension, which runs the request hooks of `limits`
//! (error codes), `cost` (budgets) and `trace` (the operation's span).
//!
//! One, not three: with any extension installed, async-graphql sends every
//! field through each extension's `resolve` hook, a boxed future apiece,
//! even when the hook only passes the field on. None of these hooks looks
//! at fields, so one extension costs every field one pass instead of three.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};
use tracing::Instrument;

use super::cost::RequestCost;
use super::{limits, trace};

/// Makes each request's hooks.
pub struct Hooks;

impl ExtensionFactory for Hooks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestHooks::default())
    }
}

/// One request's hooks, and what they hold between them.
#[derive(Default)]
struct RequestHooks {
    cost: RequestCost,
}

#[async_trait::async_trait]
impl Extension for RequestHooks {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        limits::code_response(self.cost.after_request(ctx, response))
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.cost.before_parse(ctx);
        next.run(ctx, query, variables)
            .await
            .map_err(limits::code_parse_error)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next
            .run(ctx)
            .await
            .map_err(limits::code_validation_errors)?;
        self.cost.after_validation(ctx, result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        limits::mark_executed(ctx);
        let span = trace::operation_span(operation_name);
        let response = next.run(ctx, operation_name).instrument(span.clone()).await;
        trace::record(&span, &response);
        response
    }
}
