//! GraphQL over WebSocket on `GET /graphql`, for subscriptions only.
//!
//! Speaks `graphql-transport-ws`
//! (<https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>) and,
//! for older clients, the legacy `graphql-ws` subprotocol of
//! subscriptions-transport-ws. The subprotocol is chosen from the client's
//! `Sec-WebSocket-Protocol`; a client that offers neither gets
//! `graphql-transport-ws`.
//!
//! Before the upgrade, a socket must pass three checks: its `Origin` (so a
//! page on another site cannot use a reader's browser to reach us: cross-site
//! WebSocket hijacking), a staff token in `Authorization` if one is sent, and
//! the number of sockets its client address already holds. After it, the
//! client has a few seconds to send `connection_init`, and only subscriptions
//! run: queries and mutations belong on HTTP, where their own defences (JSON
//! content type, rate limits, GET refusing mutations) apply.
//!
//! One task per socket reads the client's messages and writes every message
//! to the client; each subscription runs in a task of its own and hands its
//! results to the socket's task through a channel. When the socket's task
//! ends, for whatever reason, every subscription task is aborted and the
//! socket's slot for its client address is given back.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

mod admission;
mod connection;
mod document;
mod protocol;

use self::admission::forbidden_origin;
pub use self::admission::{AllowedOrigins, SocketCounts};
use self::connection::Connection;
use self::protocol::Protocol;
use super::AppState;
use super::graphql::{client_info, viewer};
use super::http_error;
use crate::code::ErrorCode;
use crate::graphql::AppSchema;
/// How long a client refused for holding too many sockets is told to wait
/// (`Retry-After`, in seconds). Sockets free up when they close, which no
/// one can predict; this is a polite pause, not a promise.
const RETRY_AFTER_SECS: u64 = 10;

/// Upgrades `GET /graphql` to a graphql-ws connection, or answers why not:
/// 403 `FORBIDDEN_ORIGIN`, 401 `UNAUTHENTICATED` for a bad staff token, 429
/// `TOO_MANY_CONNECTIONS`, or 400 `BAD_REQUEST` for a broken handshake.
pub async fn serve(
    req: HttpRequest,
    payload: web::Payload,
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
) -> HttpResponse {
    // A browser always sends `Origin` on a WebSocket; one that is not ours
    // is a page on another site trying to act with this reader's browser.
    let origin = match req.headers().get(header::ORIGIN).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(origin)) => Some(origin),
        Some(Err(_)) => return forbidden_origin(),
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    if !state.ws_allowed_origins.allows(origin, host) {
        return forbidden_origin();
    }
    let viewer = match viewer(&req, &state).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let client = client_info(&req, &state);
    // Without a peer address (not seen over TCP), all such sockets share
    // one count.
    let key = client.ip_hash.clone().unwrap_or_default();
    let Some(slot) = state
        .ws_sockets
        .acquire(&key, state.ws_max_sockets_per_client)
    else {
        let mut response = http_error(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyConnections,
            &format!(
                "This address already has {} WebSockets open. Close one, or try again later.",
                state.ws_max_sockets_per_client
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return response;
    };
    let (protocol, offered) = Protocol::negotiate(req.headers());
    let (mut response, session, messages) = match actix_ws::handle(&req, payload) {
        Ok(parts) => parts,
        Err(err) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &err.to_string(),
            );
        }
    };
    // Name the subprotocol only when the client offered it: a client that
    // offered none must not be told of one (RFC 6455, 4.1).
    if offered {
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(protocol.name()),
        );
    }
    let messages = messages
        .max_frame_size(state.max_body_bytes)
        .aggregate_continuations()
        .max_continuation_size(state.max_body_bytes);
    let (connection, results) = Connection::new(
        protocol,
        schema.get_ref().clone(),
        state.clone(),
        client,
        viewer,
    );
    actix_web::rt::spawn(connection.run(session, messages, results, slot));
    response
}
