//! The schema's one extension, which runs the request hooks of `limits`
//! (error codes), `cost` (budgets), `trace` (the operation's span) and
//! `meter` (the operation's metrics).
//!
//! One, not three: with any extension installed, async-graphql sends every
//! field through each extension's `resolve` hook, a boxed future apiece,
//! even when the hook only passes the field on. None of these hooks looks
//! at fields, so one extension costs every field one pass instead of three.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use futures_util::stream::BoxStream;
use tracing::Instrument;

use super::cost::RequestCost;
use super::meter::OperationMeter;
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
    meter: OperationMeter,
}

#[async_trait::async_trait]
impl Extension for RequestHooks {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let response = limits::code_response(self.cost.after_request(ctx, response));
        self.meter.after_request(&response);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        self.meter.watch(next.run(ctx, stream))
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.meter.before_prepare(ctx, &request);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.cost.before_parse(ctx);
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(limits::code_parse_error)?;
        self.meter.after_parse(&document);
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next
            .run(ctx)
            .await
            .map_err(limits::code_validation_errors)
            .and_then(|result| self.cost.after_validation(ctx, result));
        self.meter.after_validation(result.is_ok());
        result
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        limits::mark_executed(ctx);
        self.meter.on_execute(operation_name);
        let span = trace::operation_span(operation_name);
        let response = next.run(ctx, operation_name).instrument(span.clone()).await;
        trace::record(&span, &response);
        response
    }
}
