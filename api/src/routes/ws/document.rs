//! The document of a `subscribe` message: held to the same limits as one
//! sent over HTTP, and refused unless it is a subscription.

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use serde_json::{Value, json};

use crate::code::ErrorCode;
use crate::error::ApiError;
use crate::graphql::shape;

const NOT_SUBSCRIPTION: &str =
    "Only subscriptions run over WebSocket; send queries and mutations over HTTP.";

/// Holds a subscription's document to the same limits as one sent over
/// HTTP (see `graphql::shape`), then refuses any operation but a
/// subscription, before anything runs. Returns the parsed document, so it
/// is not parsed again.
pub(super) fn checked_subscription(
    limits: &shape::Limits,
    query: &str,
    operation_name: Option<&str>,
) -> Result<ExecutableDocument, Value> {
    let refused = |err: ApiError| json!([err.into_request_error()]);
    limits.check_text(query, 0).map_err(refused)?;
    let document = async_graphql::parser::parse_query(query)
        .map_err(|err| error_list(&err.to_string(), ErrorCode::GraphqlParseFailed))?;
    shape::measure(&document)
        .and_then(|measured| limits.check_shape(&measured))
        .map_err(refused)?;
    only_subscriptions(&document, operation_name)?;
    Ok(document)
}

/// Refuses any operation but a subscription. An operation that cannot be
/// picked (several, and no or an unknown `operationName`) is left to the
/// executor, which refuses it too.
fn only_subscriptions(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<(), Value> {
    match shape::operation_type(document, operation_name) {
        Some(OperationType::Query | OperationType::Mutation) => {
            Err(error_list(NOT_SUBSCRIPTION, ErrorCode::OperationNotAllowed))
        }
        Some(OperationType::Subscription) | None => Ok(()),
    }
}

pub(super) fn error_list(message: &str, code: ErrorCode) -> Value {
    json!([{ "message": message, "extensions": { "code": code.as_str() } }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> shape::Limits {
        crate::config::Settings::defaults().shape_limits()
    }

    #[test]
    fn only_subscriptions_pass() {
        let check = |q: &str, op: Option<&str>| checked_subscription(&limits(), q, op);
        assert!(check("subscription { x }", None).is_ok());
        assert!(check("{ x }", None).is_err());
        assert!(check("mutation { x }", None).is_err());
        assert!(check("query A { x } subscription B { y }", Some("A")).is_err());
        assert!(check("query A { x } subscription B { y }", Some("B")).is_ok());
        let parse = check("subscription {", None).unwrap_err();
        assert_eq!(parse[0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
    }

    #[test]
    fn subscriptions_are_held_to_the_document_limits() {
        let aliases: String = (0..100).map(|i| format!("a{i}: x ")).collect();
        let refused =
            checked_subscription(&limits(), &format!("subscription {{ {aliases} }}"), None)
                .unwrap_err();
        assert_eq!(refused[0]["extensions"]["code"], "TOO_MANY_ALIASES");
        let deep = format!("subscription {}{}", "{a".repeat(100), "}".repeat(100));
        let refused = checked_subscription(&limits(), &deep, None).unwrap_err();
        assert_eq!(refused[0]["extensions"]["code"], "QUERY_TOO_DEEP");
    }
}
