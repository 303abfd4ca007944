//! What each GraphQL operation adds to the server's metrics (see
//! `crate::metrics`): one count by name, type and outcome, its latency,
//! its errors by code, and while a subscription runs, the live
//! subscription gauge.
//!
//! An operation is counted once: when its response is ready, or, for one
//! that has no single response, when its hooks are dropped. That is how a
//! subscription ends, however it ends (its stream completed, the client
//! stopped it, the socket closed), and how a request cut off at its
//! deadline does.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::Services;
use super::shape;
use crate::metrics::{Metrics, OperationKind, Outcome, SubscriptionGuard};

/// One operation's metering, shared by its hooks and, for a subscription,
/// its stream.
#[derive(Default)]
pub(super) struct OperationMeter(Arc<Meter>);

struct Meter {
    started: Instant,
    seen: Mutex<Seen>,
}

impl Default for Meter {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            seen: Mutex::default(),
        }
    }
}

/// What the hooks have seen of the operation so far.
#[derive(Default)]
struct Seen {
    /// The server's metrics (the schema's data): None until the first hook.
    metrics: Option<Metrics>,
    /// The operation's name: the request's `operationName`, else the
    /// document's only operation's, else (once it runs) the executor's.
    name: Option<String>,
    kind: Option<OperationKind>,
    validated: bool,
    executed: bool,
    /// A stream (a subscription's) rather than one response.
    streaming: bool,
    /// A response of the stream had errors.
    errored: bool,
    recorded: bool,
    /// Held while a validated subscription's stream lives.
    live: Option<SubscriptionGuard>,
}

impl Meter {
    fn seen(&self) -> MutexGuard<'_, Seen> {
        // Every update is a plain assignment: a poisoned lock holds
        // nothing half-written.
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl OperationMeter {
    /// Notes the metrics to count in, and the name the client gave.
    pub(super) fn before_prepare(&self, ctx: &ExtensionContext<'_>, request: &Request) {
        let mut seen = self.0.seen();
        seen.metrics = ctx
            .data_opt::<Services>()
            .map(|services| services.metrics.clone());
        seen.name = request.operation_name.clone();
    }

    /// Notes the operation's type, and its name if the client gave none
    /// and the document holds one named operation.
    pub(super) fn after_parse(&self, document: &ExecutableDocument) {
        let mut seen = self.0.seen();
        seen.kind = Some(
            shape::operation_type(document, seen.name.as_deref())
                .map_or(OperationKind::Unknown, OperationKind::from),
        );
        if seen.name.is_none() {
            let mut operations = document.operations.iter();
            if let (Some((Some(name), _)), None) = (operations.next(), operations.next()) {
                seen.name = Some(name.to_string());
            }
        }
    }

    /// Notes whether the operation passed validation (and the cost
    /// budget); a subscription that did is live from now on.
    pub(super) fn after_validation(&self, passed: bool) {
        let mut seen = self.0.seen();
        seen.validated = passed;
        if passed && seen.streaming && seen.kind == Some(OperationKind::Subscription) {
            seen.live = seen.metrics.as_ref().map(Metrics::live_subscription);
        }
    }

    /// Notes that the operation runs, under the name the executor chose.
    pub(super) fn on_execute(&self, operation_name: Option<&str>) {
        let mut seen = self.0.seen();
        seen.executed = true;
        if let Some(name) = operation_name {
            seen.name = Some(name.to_owned());
        }
    }

    /// Counts a query or mutation by its response (its errors already
    /// coded): refused if it never ran, else ok or error.
    pub(super) fn after_request(&self, response: &Response) {
        let mut seen = self.0.seen();
        let Some(metrics) = seen.metrics.clone() else {
            return;
        };
        let outcome = if !seen.executed {
            Outcome::Refused
        } else if response.errors.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        count_errors(&metrics, response);
        metrics.operation(
            seen.name.as_deref(),
            seen.kind.unwrap_or(OperationKind::Unknown),
            outcome,
            Some(self.0.started.elapsed()),
        );
        seen.recorded = true;
    }

    /// Watches a subscription's responses for errors; the subscription is
    /// counted when the stream is dropped.
    pub(super) fn watch<'s>(&self, stream: BoxStream<'s, Response>) -> BoxStream<'s, Response> {
        self.0.seen().streaming = true;
        let meter = self.0.clone();
        stream
            .inspect(move |response| {
                if response.errors.is_empty() {
                    return;
                }
                let mut seen = meter.seen();
                seen.errored = true;
                if let Some(metrics) = &seen.metrics {
                    count_errors(metrics, response);
                }
            })
            .boxed()
    }
}

/// Counts a subscription that ended, or a request that was cut off.
impl Drop for Meter {
    fn drop(&mut self) {
        let seen = self.seen();
        let Some(metrics) = seen.metrics.as_ref().filter(|_| !seen.recorded) else {
            return;
        };
        let kind = seen.kind.unwrap_or(OperationKind::Unknown);
        let name = seen.name.as_deref();
        if seen.streaming {
            let outcome = if !seen.validated {
                Outcome::Refused
            } else if seen.errored {
                Outcome::Error
            } else {
                Outcome::Ok
            };
            metrics.operation(name, kind, outcome, None);
        } else {
            // Cut off before its response (its deadline, or the client
            // went away): the HTTP layer counts the `TIMEOUT` it answered.
            let elapsed = Some(self.started.elapsed());
            metrics.operation(name, kind, Outcome::Error, elapsed);
        }
    }
}

fn count_errors(metrics: &Metrics, response: &Response) {
    for error in &response.errors {
        let code = match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(code)) => Some(code.as_str()),
            _ => None,
        };
        metrics.error(code);
    }
}
