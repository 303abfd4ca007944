//! `/graphql`: POST runs any operation from a JSON body; GET runs queries
//! from the URL (never mutations) and serves GraphiQL to browsers.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Request};
use futures_util::StreamExt;

use super::http_error;
use crate::graphql::AppSchema;
use crate::graphql::context::{RequestData, Viewer};
use crate::graphql::loaders;
use crate::service::comment::ClientInfo;
use crate::service::token;
use crate::startup::AppState;

/// Most operations one batched POST may carry.
const MAX_BATCH: usize = 10;

/// `POST /graphql` with `Content-Type: application/json`: one operation, or
/// a batch (a JSON array) of at most ten.
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !is_json(req.headers()) {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the GraphQL request as JSON, with `Content-Type: application/json`.",
        );
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return http_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "The request body could not be read.",
            );
        };
        if body.len() + chunk.len() > state.max_body_bytes {
            return http_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "REQUEST_TOO_LARGE",
                &format!(
                    "The request body is larger than {} bytes.",
                    state.max_body_bytes
                ),
            );
        }
        body.extend_from_slice(&chunk);
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(err) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The body is not a GraphQL request: {err}"),
            );
        }
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > MAX_BATCH
    {
        return http_error(
            StatusCode::BAD_REQUEST,
            "BATCH_TOO_LARGE",
            &format!("A batch may hold at most {MAX_BATCH} operations."),
        );
    }
    let viewer = match viewer(&req, &state).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let batch = match batch {
        BatchRequest::Single(r) => {
            BatchRequest::Single(with_request_data(r, &req, &state, &viewer))
        }
        BatchRequest::Batch(rs) => BatchRequest::Batch(
            rs.into_iter()
                .map(|r| with_request_data(r, &req, &state, &viewer))
                .collect(),
        ),
    };
    respond(schema.execute_batch(batch).await)
}

/// `GET /graphql`: a WebSocket for subscriptions; GraphiQL for a browser;
/// otherwise a query from the URL's
/// `query`, `variables` and `operationName`. Mutations are refused with 405,
/// so a link or an image tag can never change data.
pub async fn get(
    req: HttpRequest,
    payload: web::Payload,
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if is_websocket(req.headers()) {
        return subscribe(req, payload, schema, state).await;
    }
    let params: GetParams = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(q) => q.into_inner(),
        Err(err) => return http_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &err.to_string()),
    };
    let Some(query) = params.query else {
        if wants_html(req.headers()) {
            let page = GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("Marquee GraphiQL")
                .finish();
            return HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(page);
        }
        return http_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Pass the query in the `query` parameter, or POST it as JSON.",
        );
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&query) {
        let op = match &params.operation_name {
            Some(name) => doc
                .operations
                .iter()
                .find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str())),
            None => doc.operations.iter().next(),
        };
        if let Some((_, op)) = op
            && op.node.ty != OperationType::Query
        {
            let mut response = http_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Only queries run over GET; send mutations with POST.",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
            return response;
        }
    }
    let mut request = Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str(&vars) {
            Ok(vars) => request = request.variables(async_graphql::Variables::from_json(vars)),
            Err(_) => {
                return http_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`variables` is not a JSON object.",
                );
            }
        }
    }
    let viewer = match viewer(&req, &state).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let request = with_request_data(request, &req, &state, &viewer);
    respond(BatchResponse::Single(schema.execute(request).await))
}

/// A graphql-ws connection for subscriptions: see [`super::ws`].
async fn subscribe(
    req: HttpRequest,
    payload: web::Payload,
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
) -> HttpResponse {
    super::ws::serve(req, payload, schema, state).await
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

fn respond(response: BatchResponse) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(response)
}

/// Attaches what resolvers need: a fresh DataLoader, the client's details
/// and who is asking.
fn with_request_data(
    request: Request,
    req: &HttpRequest,
    state: &AppState,
    viewer: &Viewer,
) -> Request {
    request
        .data(loaders::for_request(state.db.clone()))
        .data(RequestData {
            client: client_info(req, state),
            viewer: viewer.clone(),
        })
}

/// Who is asking: a reader, or staff with a live token. A token that is
/// malformed, unknown or revoked gets 401 rather than a reader's view, so
/// a moderator notices at once.
pub(crate) async fn viewer(req: &HttpRequest, state: &AppState) -> Result<Viewer, HttpResponse> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let unauthorized = |message: &str| {
        let mut response = http_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        response
    };
    let Some(token) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
        return Err(unauthorized(
            "Send the staff token as `Authorization: Bearer …`.",
        ));
    };
    match token::authenticate(&state.db, token.trim()).await {
        Ok(Some(token)) => Ok(Viewer::Staff(token)),
        Ok(None) => Err(unauthorized("This token is unknown or revoked.")),
        Err(err) => {
            tracing::error!(error = %err, "cannot check a staff token");
            Err(http_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL_SERVER_ERROR",
                "Internal server error",
            ))
        }
    }
}

/// The client's address (behind trusted proxies, the one they forward for),
/// hashed with the server's secret, and its user agent.
pub(crate) fn client_info(req: &HttpRequest, state: &AppState) -> ClientInfo {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let ip_hash = req.peer_addr().map(|peer| {
        let ip = state.trusted_proxies.client_ip(peer.ip(), &forwarded);
        state.secret.client_hash(&ip.to_string())
    });
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(255).collect());
    ClientInfo {
        ip_hash,
        user_agent,
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
