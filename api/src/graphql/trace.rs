//! One tracing span per GraphQL operation, named by the operation.
//!
//! async-graphql's own `Tracing` extension opens a span for every resolved
//! field (about 640 for the hot query), which cost a third of the server's
//! CPU on that query. A request here has one span from `TracingLogger` for
//! the HTTP exchange, this one for the operation, and one per SQL statement
//! (logged at `trace` by `db::connect`'s metric callback).

use async_graphql::Response;
use tracing::Span;

/// The operation's span; [`record`] the response in it once it has run.
pub(super) fn operation_span(operation_name: Option<&str>) -> Span {
    tracing::info_span!(
        "graphql",
        operation = operation_name.unwrap_or("(anonymous)"),
        errors = tracing::field::Empty,
    )
}

/// Records how many errors the operation answered with.
pub(super) fn record(span: &Span, response: &Response) {
    if !response.errors.is_empty() {
        span.record("errors", response.errors.len());
    }
}
