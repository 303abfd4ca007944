//! `extensions.cost` on every response, and the per-client budget that a
//! query's requested cost must fit in (see `service::budget`).
//!
//! - `requested`: the query's cost before it runs, as the complexity limit
//!   counts it (a field costs 1, a list its page size times its fields).
//! - `actual`: the same count over what the response holds (at least 1),
//!   which is what the budget is charged.
//! - `budget { remaining, max, restoreRate }`: the client's budget after it.
//!
//! A request whose requested cost does not fit is refused with `THROTTLED`
//! and `retryAfterSeconds` before it runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use async_graphql::extensions::ExtensionContext;
use async_graphql::{Response, ServerError, ValidationResult, Value};

use super::context::RequestData;
use crate::error::ApiError;
use crate::service::budget::{self, Budgets, Reservation, Status};

/// One request's part in its client's budget. Dropped with the request: a
/// reservation still held then (the request was cut off at its deadline, or
/// a subscription ended) charges what it held.
#[derive(Default)]
pub(super) struct RequestCost {
    /// Whose budget the request draws on. Read when the document is parsed:
    /// the request's own data is not yet visible to the `request` hook.
    key: OnceLock<String>,
    /// The validated request's cost, held until it is settled.
    reservation: Mutex<Option<Reservation>>,
    /// Whether the request was refused for want of budget (then it costs
    /// nothing).
    throttled: AtomicBool,
}

/// The budget a request draws on: its staff token's, or its client
/// address's.
fn budget_key(ctx: &ExtensionContext<'_>) -> Option<String> {
    let request = ctx.data_opt::<RequestData>()?;
    Some(budget::key(
        request.viewer.token_id(),
        request.client.ip_hash.as_deref(),
    ))
}

/// The number of fields a response holds, lists counted item by item.
fn fields_in(value: &Value) -> u64 {
    match value {
        Value::Object(map) => map.values().map(|v| 1 + fields_in(v)).sum(),
        Value::List(items) => items.iter().map(fields_in).sum(),
        _ => 0,
    }
}

/// `extensions.cost`: what a request asked for, what it cost, and the
/// client's budget after it.
pub fn report(requested: u64, actual: u64, status: Status) -> Value {
    let mut budget = async_graphql::indexmap::IndexMap::new();
    budget.insert(
        async_graphql::Name::new("remaining"),
        Value::from(status.remaining.floor() as u64),
    );
    budget.insert(
        async_graphql::Name::new("max"),
        Value::from(status.max as u64),
    );
    budget.insert(
        async_graphql::Name::new("restoreRate"),
        Value::from(status.restore_rate as u64),
    );
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(
        async_graphql::Name::new("requested"),
        Value::from(requested),
    );
    cost.insert(async_graphql::Name::new("actual"), Value::from(actual));
    cost.insert(async_graphql::Name::new("budget"), Value::Object(budget));
    Value::Object(cost)
}

impl RequestCost {
    fn held(&self) -> std::sync::MutexGuard<'_, Option<Reservation>> {
        self.reservation
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RequestCost {
    /// Notes whose budget the request draws on, before its document is
    /// parsed (the request's own data is not yet visible to the request
    /// hook).
    pub(super) fn before_parse(&self, ctx: &ExtensionContext<'_>) {
        if let Some(key) = budget_key(ctx) {
            let _ = self.key.set(key);
        }
    }

    /// Reserves the validated request's cost, or refuses it with
    /// `THROTTLED` when it does not fit the budget.
    pub(super) fn after_validation(
        &self,
        ctx: &ExtensionContext<'_>,
        result: ValidationResult,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let (Some(budgets), Some(key)) = (ctx.data_opt::<Budgets>(), self.key.get()) else {
            return Ok(result);
        };
        match budgets.reserve(key, result.complexity as u64) {
            Ok(reservation) => {
                *self.held() = Some(reservation);
                Ok(result)
            }
            Err(retry_after_secs) => {
                self.throttled.store(true, Ordering::Relaxed);
                Err(vec![
                    ApiError::Throttled { retry_after_secs }.into_request_error(),
                ])
            }
        }
    }

    /// Settles the request's cost and reports it in `extensions.cost`.
    pub(super) fn after_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut response: Response,
    ) -> Response {
        let (Some(budgets), Some(key)) = (ctx.data_opt::<Budgets>(), self.key.get()) else {
            return response;
        };
        let reservation = self.held().take();
        let requested = reservation.as_ref().map_or(0, Reservation::points);
        let (actual, status) = match reservation {
            _ if self.throttled.load(Ordering::Relaxed) => (0, budgets.status(key)),
            Some(reservation) => {
                let actual = fields_in(&response.data).max(1);
                (actual, reservation.settle(actual))
            }
            // Every request that is not refused costs at least a point, so
            // a flood of invalid documents is held too.
            None => (1, budgets.charge(key, 1)),
        };
        response
            .extensions
            .insert("cost".to_owned(), report(requested, actual, status));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_costs_its_fields_with_lists_counted_per_item() {
        let data = Value::from_json(serde_json::json!({
            "reviews": { "edges": [ { "node": { "headline": "a" } }, { "node": { "headline": "b" } } ] }
        }))
        .unwrap();
        // reviews, edges, and per item: node + headline.
        assert_eq!(fields_in(&data), 2 + 2 * 2);
        assert_eq!(fields_in(&Value::Null), 0);
    }
}
