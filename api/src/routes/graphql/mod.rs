//! `/graphql`: POST runs any operation from a JSON body; GET runs queries
//! from the URL (never mutations) and serves GraphiQL to browsers.
//!
//! Both speak the GraphQL-over-HTTP spec: a client that accepts
//! `application/graphql-response+json` gets 4xx with no `data` for a request
//! that fails before it runs; one that accepts `application/json` (or sends
//! no `Accept`) gets 200, as older clients expect. Before anything is
//! validated or run, every document is measured (`graphql::shape`) and held
//! to the limits; then the request runs under a deadline, and its response
//! under a size cap.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request};
use futures_util::StreamExt;

use super::AppState;
mod answer;
pub mod cache;
pub mod persisted;

use self::answer::{Format, not_acceptable, refuse, refuse_after_start, write};
use super::http_error;
use crate::client_ip::ClientInfo;
use crate::code::ErrorCode;
use crate::config::Profile;
use crate::error::ApiError;
use crate::graphql::context::{Executed, RequestData, Viewer};
use crate::graphql::loaders;
use crate::graphql::shape::{self, Shape};
use crate::graphql::tags::CacheTags;
use crate::graphql::{AppSchema, cost};
use crate::metrics::{CacheOutcome, OperationKind, Outcome};
use crate::service::budget;
use crate::service::token;

/// `POST /graphql` with `Content-Type: application/json`: one operation, or
/// a batch (a JSON array).
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    schema: web::Data<AppSchema>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !is_json(req.headers()) {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the GraphQL request as JSON, with `Content-Type: application/json`.",
        );
    }
    let Some(format) = Format::negotiate(req.headers()) else {
        return not_acceptable();
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return http_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "The request body could not be read.",
            );
        };
        if body.len() + chunk.len() > state.max_body_bytes {
            return http_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::RequestTooLarge,
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
                ErrorCode::BadRequest,
                &format!("The body is not a GraphQL request: {err}"),
            );
        }
    };
    let (requests, is_batch) = match batch {
        BatchRequest::Single(r) => (vec![r], false),
        BatchRequest::Batch(rs) => (rs, true),
    };
    if is_batch && requests.len() > state.max_batch {
        return http_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BatchTooLarge,
            &format!("A batch may hold at most {} operations.", state.max_batch),
        );
    }
    if requests.is_empty()
        || requests
            .iter()
            .any(|r| r.query.is_empty() && !r.extensions.0.contains_key("persistedQuery"))
    {
        return http_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Each operation needs a non-empty `query`, or its hash in `extensions.persistedQuery`.",
        );
    }
    let viewer = match viewer(&req, &state).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let method = if is_batch {
        Method::PostBatch
    } else {
        Method::Post
    };
    run(&req, &schema, &state, format, &viewer, requests, method).await
}

/// `GET /graphql`: a WebSocket for subscriptions; GraphiQL for a browser
/// (unless `--graphiql` says not: by default, not in the public profile);
/// otherwise a query from the URL's `query`,
/// `variables` and `operationName`. Mutations are refused with 405, so a
/// link or an image tag can never change data. In the public profile a GET
/// query also needs a CSRF preflight header.
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
        Err(err) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                &err.to_string(),
            );
        }
    };
    let extensions = match params
        .extensions
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
    {
        None | Some(Ok(serde_json::Value::Null)) => None,
        Some(Ok(value @ serde_json::Value::Object(_))) => {
            serde_json::from_value::<async_graphql::Extensions>(value).ok()
        }
        Some(_) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "`extensions` is not a JSON object.",
            );
        }
    };
    let persisted = extensions
        .as_ref()
        .is_some_and(|e| e.0.contains_key("persistedQuery"));
    let query = params.query.unwrap_or_default();
    if query.is_empty() && !persisted {
        if wants_html(req.headers()) && state.serves_graphiql {
            return super::graphiql::page();
        }
        return http_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Pass the query in the `query` parameter (or its hash in `extensions.persistedQuery`), or POST it as JSON.",
        );
    }
    let Some(format) = Format::negotiate(req.headers()) else {
        return not_acceptable();
    };
    if state.profile == Profile::Public && !has_csrf_preflight(req.headers()) {
        return http_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::CsrfPreflightRequired,
            "GET queries need a header a browser cannot send across sites without a preflight: \
             `X-Marquee-CSRF: 1` (or `Apollo-Require-Preflight: true`).",
        );
    }
    let mut request = Request::new(query);
    if let Some(extensions) = extensions {
        request.extensions = extensions;
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&vars) {
            Ok(vars @ (serde_json::Value::Object(_) | serde_json::Value::Null)) => {
                request = request.variables(async_graphql::Variables::from_json(vars))
            }
            _ => {
                return http_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "`variables` is not a JSON object.",
                );
            }
        }
    }
    let viewer = match viewer(&req, &state).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    run(
        &req,
        &schema,
        &state,
        format,
        &viewer,
        vec![request],
        Method::Get,
    )
    .await
}

/// Whether a GET carries something a cross-site form, link or image cannot:
/// one of the preflight headers, or a non-simple `Content-Type`.
fn has_csrf_preflight(headers: &HeaderMap) -> bool {
    if [
        "x-marquee-csrf",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    ]
    .iter()
    .any(|name| headers.contains_key(*name))
    {
        return true;
    }
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            !mime.is_empty()
                && !matches!(
                    mime.as_str(),
                    "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
                )
        })
}

/// How the operations came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// One query in the URL: never a mutation.
    Get,
    /// One operation in a JSON body.
    Post,
    /// A JSON array of operations.
    PostBatch,
}

/// `405 Method Not Allowed` for a GET whose operation is not a query, so a
/// link or an image tag can never change data.
fn refuse_non_query_over_get(request: &mut Request) -> Option<HttpResponse> {
    let name = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    match shape::operation_type(doc, name.as_deref())? {
        OperationType::Query => return None,
        OperationType::Mutation | OperationType::Subscription => {}
    }
    let mut response = http_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "Only queries run over GET; send mutations with POST.",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    Some(response)
}

/// Finds persisted documents, answers from the response cache when it can,
/// else measures, limits, runs under the deadline, caches a public answer,
/// and writes it.
async fn run(
    req: &HttpRequest,
    schema: &AppSchema,
    state: &AppState,
    format: Format,
    viewer: &Viewer,
    requests: Vec<Request>,
    method: Method,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let is_batch = method == Method::PostBatch;
    let client = client_info(req, state);
    let key = budget::key(viewer.token_id(), client.ip_hash.as_deref());
    let cost = |requested: u64, actual: u64| {
        let status = if actual > 0 {
            state.budgets.charge(&key, actual)
        } else {
            state.budgets.status(&key)
        };
        cost::report(requested, actual, status)
    };
    // A client already over its budget is refused before its documents
    // are even read.
    if let Some(retry_after_secs) = state.budgets.exhausted(&key) {
        return refuse(format, ApiError::Throttled { retry_after_secs }, cost(0, 0));
    }
    let mut requests = requests;
    let registrations = match state.persisted.resolve(&mut requests).await {
        Ok(found) => found,
        Err(err) => return refuse(format, err, cost(0, 1)),
    };
    // A reader's single operation may have a public answer cached.
    let now = crate::service::now();
    let cache_key = (!is_batch && matches!(viewer, Viewer::Anonymous))
        .then(|| cache::key(state.profile, format, &requests[0]));
    if let Some(cache_key) = &cache_key
        && let Some(entry) = state.cache.get(cache_key, now)
    {
        // Charged as it was when it ran; reported to a POST only (a GET's
        // body is the same for everyone).
        let charge = || cost(entry.requested, entry.actual);
        // The schema never sees it: counted here, as the query it was.
        state.metrics.response_cache(CacheOutcome::Hit);
        // Its text passed validation when it ran: an APQ client's text
        // registers here as it would have on a miss.
        state.persisted.register(registrations).await;
        state.metrics.operation(
            requests[0].operation_name.as_deref(),
            OperationKind::Query,
            Outcome::Ok,
            Some(started.elapsed()),
        );
        return match method {
            Method::Get => {
                state.budgets.charge(&key, entry.actual);
                cache::serve_get(
                    &entry,
                    req.headers(),
                    format,
                    state.http_caching,
                    &state.cache,
                    true,
                    now,
                )
            }
            _ => cache::serve_post(&entry, format, charge(), true),
        };
    }
    let ticket = state.cache.ticket();
    if let Err(err) = measure(&state.shape_limits, &mut requests) {
        return refuse(format, err, cost(0, 1));
    }
    if method == Method::Get
        && let Some(refused) = requests.first_mut().and_then(refuse_non_query_over_get)
    {
        return refused;
    }
    let is_query = cache_key.is_some() && is_query(&mut requests[0]);
    state
        .metrics
        .response_cache(if is_query && state.cache.enabled() {
            CacheOutcome::Miss
        } else {
            CacheOutcome::Bypass
        });
    let public_reader = state.profile == Profile::Public && matches!(viewer, Viewer::Anonymous);
    let mut flags = Vec::with_capacity(requests.len());
    let tags = std::sync::Arc::new(CacheTags::default());
    let requests: Vec<Request> = requests
        .into_iter()
        .map(|mut r| {
            if public_reader {
                r = r.disable_introspection();
            }
            let executed = Executed::default();
            flags.push(executed.clone());
            with_request_data(r, state, &client, viewer)
                .data(executed)
                .data(tags.clone())
        })
        .collect();
    let batch = match (is_batch, <[Request; 1]>::try_from(requests)) {
        (false, Ok([single])) => BatchRequest::Single(single),
        (_, Ok(one)) => BatchRequest::Batch(one.into()),
        (_, Err(many)) => BatchRequest::Batch(many),
    };
    let responses =
        match tokio::time::timeout(state.request_timeout, schema.execute_batch(batch)).await {
            Ok(async_graphql::BatchResponse::Single(r)) => vec![r],
            Ok(async_graphql::BatchResponse::Batch(rs)) => rs,
            Err(_) => {
                // Cancelling the request dropped its cost reservations, which
                // charged the cost each operation had asked for.
                let seconds = state.request_timeout.as_secs();
                tracing::warn!(seconds, "a request ran past its deadline and was cancelled");
                return refuse_after_start(format, ApiError::Timeout { seconds }, cost(0, 0));
            }
        };
    // Documents are registered once they have passed validation.
    if flags.iter().all(Executed::get) {
        state.persisted.register(registrations).await;
    }
    // An answer read before a purge that came meanwhile may show what the
    // purge took away: served, but to this client alone.
    if let Some(cache_key) = cache_key
        && is_query
        && (method == Method::Get || state.cache.enabled())
        && state.cache.is_current(ticket)
        && let Some(entry) = public_answer(state, format, &responses, &tags, now)
    {
        let (entry, _) = state.cache.insert(cache_key, ticket, entry);
        return match method {
            Method::Get => cache::serve_get(
                &entry,
                req.headers(),
                format,
                state.http_caching,
                &state.cache,
                false,
                now,
            ),
            _ => cache::serve_post(
                &entry,
                format,
                responses[0]
                    .extensions
                    .get("cost")
                    .cloned()
                    .unwrap_or_default(),
                false,
            ),
        };
    }
    write(
        format,
        &responses,
        &flags,
        is_batch,
        state.max_response_bytes,
    )
}

/// Whether the request's operation is a query (it parsed: `measure` ran).
fn is_query(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    request
        .parsed_query()
        .ok()
        .and_then(|doc| shape::operation_type(doc, name.as_deref()))
        == Some(OperationType::Query)
}

/// The answer of a reader's query, as the caches keep it, if it is public:
/// it ran without an error, within the size cap, and nothing in it depends
/// on who asked.
fn public_answer(
    state: &AppState,
    format: Format,
    responses: &[async_graphql::Response],
    tags: &CacheTags,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<crate::service::cache::Entry> {
    let [response] = responses else {
        return None;
    };
    let (tags, private, until) = tags.take();
    if private || !response.errors.is_empty() {
        return None;
    }
    let fresh = cache::fresh(response, format, tags, until)?;
    if fresh.body.len() > state.max_response_bytes {
        return None;
    }
    Some(state.cache.entry(fresh, now))
}

/// Checks each document's text, parses it (once: the schema reuses the
/// parse), and checks the shape of the whole request.
fn measure(limits: &shape::Limits, requests: &mut [Request]) -> Result<(), ApiError> {
    let mut tokens = 0u64;
    let mut total = Shape::default();
    for request in requests.iter_mut() {
        tokens += limits.check_text(&request.query, tokens)?.tokens;
        // A document that does not parse is reported by the schema, with
        // the parser's message and position.
        if let Ok(doc) = request.parsed_query() {
            total = total.sum(shape::measure(doc)?);
        }
    }
    limits.check_shape(&total)
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
    extensions: Option<String>,
}

/// Attaches what resolvers need: a fresh DataLoader, the client's details
/// and who is asking.
fn with_request_data(
    request: Request,
    state: &AppState,
    client: &ClientInfo,
    viewer: &Viewer,
) -> Request {
    request
        .data(loaders::for_request(state.db.clone()))
        .data(RequestData {
            client: client.clone(),
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
        let mut response = http_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        response
    };
    let Some(token) = value.to_str().ok().and_then(super::bearer_token) else {
        return Err(unauthorized(
            "Send the staff token as `Authorization: Bearer …`.",
        ));
    };
    match token::authenticate(&state.db, token).await {
        Ok(Some(token)) => Ok(Viewer::Staff(token)),
        Ok(None) => Err(unauthorized("This token is unknown or revoked.")),
        Err(err) => {
            tracing::error!(error = %err, "cannot check a staff token");
            let mut response = http_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "The service is briefly unavailable. Try again shortly.",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::db::RETRY_AFTER_SECS),
            );
            Err(response)
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
