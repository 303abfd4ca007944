//! One tracing span per GraphQL operation, named by the operation.
//!
//! async-graphql's own `Tracing` extension opens a span for every resolved
//! field (about 640 for the hot query), which cost a third of the server's
//! CPU on that query. A request here has one span from `TracingLogger` for
//! the HTTP exchange, this one for the operation, and one per SQL statement
//! (logged at `trace` by `db::connect`'s metric callback).

use std::sync::Arc;

use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use tracing::Instrument;

/// Opens the operation's span.
pub struct Trace;

impl ExtensionFactory for Trace {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TraceExtension)
    }
}

struct TraceExtension;

#[async_trait::async_trait]
impl Extension for TraceExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = tracing::info_span!(
            "graphql",
            operation = operation_name.unwrap_or("(anonymous)"),
            errors = tracing::field::Empty,
        );
        let response = next.run(ctx, operation_name).instrument(span.clone()).await;
        if !response.errors.is_empty() {
            span.record("errors", response.errors.len());
        }
        response
    }
}
