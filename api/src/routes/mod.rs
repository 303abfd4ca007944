//! HTTP routes: `/graphql` (POST, and GET for queries, GraphiQL and the
//! subscriptions WebSocket), GraphiQL's files under `/graphiql/`,
//! `/health` and `/metrics`.

pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod refusals;
pub mod ws;

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::client_ip::TrustedProxies;
use crate::code::ErrorCode;
use crate::config::Profile;
use crate::routes::ws::{AllowedOrigins, SocketCounts};
use crate::service::budget::Budgets;
use crate::service::secret::Secret;

/// An HTTP-level error in the GraphQL response shape, so clients parse every
/// failure the same way. It is counted as a refused request (see
/// [`refusals`]).
pub fn http_error(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(json!({
            "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
        }));
    refusals::refused(&mut response, code);
    response
}

/// The token in an `Authorization` value (a header, or the WebSocket init
/// payload's `authorization`): `Bearer` (in any case, as RFC 7235 allows),
/// a space, then the token. None for any other shape.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What the HTTP handlers share, besides the schema.
pub struct AppState {
    pub db: DatabaseConnection,
    pub max_body_bytes: usize,
    pub secret: Secret,
    pub trusted_proxies: TrustedProxies,
    /// How open the server is.
    pub profile: Profile,
    /// Whether `GET /graphql` gives browsers GraphiQL.
    pub serves_graphiql: bool,
    /// Most operations in one batch.
    pub max_batch: usize,
    /// Limits on a document, checked before it is validated.
    pub shape_limits: crate::graphql::shape::Limits,
    /// How long a request may run.
    pub request_timeout: Duration,
    /// Largest response body.
    pub max_response_bytes: usize,
    /// Query cost budgets (the schema's extension shares them).
    pub budgets: Budgets,
    /// Persisted queries and trusted documents.
    pub persisted: graphql::persisted::Policy,
    /// Public answers, by request.
    pub cache: std::sync::Arc<crate::service::cache::ResponseCache>,
    /// How HTTP caches may keep public GET answers.
    pub http_caching: graphql::cache::HttpCaching,

    // ---- WebSocket (graphql-ws) layer: see `routes::ws`. ----
    /// Whose pages may open a WebSocket.
    pub ws_allowed_origins: AllowedOrigins,
    /// Most WebSockets per client address, on this replica.
    pub ws_max_sockets_per_client: usize,
    /// How long a new WebSocket has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// Most subscriptions per WebSocket.
    pub ws_max_subscriptions: usize,
    /// Open WebSockets per client address, in this process.
    pub ws_sockets: SocketCounts,

    /// The server's metrics (also the app's `web::Data<Metrics>`, for
    /// `/metrics`, and the schema's, for its hooks).
    pub metrics: crate::metrics::Metrics,
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn only_a_bearer_authorization_yields_a_token() {
        assert_eq!(bearer_token("Bearer mq_abc"), Some("mq_abc"));
        assert_eq!(bearer_token("bearer   mq_abc "), Some("mq_abc"));
        assert_eq!(bearer_token("mq_abc"), None);
        assert_eq!(bearer_token("Basic dXNlcg=="), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
