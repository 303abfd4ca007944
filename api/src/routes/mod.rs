//! HTTP routes: `/graphql` (POST, and GET for queries, GraphiQL and the
//! subscriptions WebSocket) and `/health`.

pub mod graphql;
pub mod health;
pub mod ws;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

/// An HTTP-level error in the GraphQL response shape, so clients parse every
/// failure the same way.
pub fn http_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}
