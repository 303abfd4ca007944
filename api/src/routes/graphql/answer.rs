//! Writing a GraphQL answer: the media type the client accepts, the status
//! the GraphQL-over-HTTP spec asks for, `Retry-After`, and the size cap.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use async_graphql::{Response, ServerError};
use serde::Serialize;

use super::super::http_error;
use crate::code::ErrorCode;
use crate::error::{ApiError, Limit};
use crate::graphql::context::Executed;

/// The media type the GraphQL-over-HTTP spec recommends.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// How a response is written, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `application/json`: 200 for every GraphQL result.
    Json,
    /// `application/graphql-response+json`: 4xx with no `data` for a
    /// request that fails before it runs.
    GraphqlResponse,
}

impl Format {
    /// The best format the client accepts, or `None` when it accepts
    /// neither. No `Accept`, `*/*` and `application/*` mean JSON.
    pub(super) fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Some(Self::Json);
        };
        let accept = accept.to_str().ok()?;
        let mut best: Option<(f32, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match mime.as_str() {
                GRAPHQL_RESPONSE_JSON => Self::GraphqlResponse,
                "application/json" | "*/*" | "application/*" => Self::Json,
                _ => continue,
            };
            if q <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((best_q, best_format)) => {
                    q > best_q
                        || (q == best_q
                            && format == Self::GraphqlResponse
                            && best_format == Self::Json)
                }
            };
            if better {
                best = Some((q, format));
            }
        }
        best.map(|(_, format)| format)
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        }
    }
}

pub(super) fn not_acceptable() -> HttpResponse {
    http_error(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::NotAcceptable,
        "Accept `application/graphql-response+json` or `application/json`.",
    )
}

/// The body of a GraphQL response, without `data` when there is none to
/// give (a request error under `application/graphql-response+json`).
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

fn body(format: Format, response: &Response, executed: bool) -> Body<'_> {
    let data = match format {
        Format::GraphqlResponse if !executed => None,
        _ => Some(&response.data),
    };
    Body {
        data,
        errors: &response.errors,
        extensions: &response.extensions,
    }
}

/// Writes the responses, within the size cap, with the status the format
/// calls for.
pub(super) fn write(
    format: Format,
    responses: &[Response],
    flags: &[Executed],
    is_batch: bool,
    max_bytes: usize,
) -> HttpResponse {
    let bodies: Vec<Body<'_>> = responses
        .iter()
        .zip(flags)
        .map(|(r, flag)| body(format, r, flag.get()))
        .collect();
    let json = if is_batch {
        serde_json::to_vec(&bodies)
    } else {
        serde_json::to_vec(&bodies[0])
    };
    let json = match json {
        Ok(json) => json,
        Err(err) => {
            return refuse_after_start(format, ApiError::internal(err), Default::default());
        }
    };
    if json.len() > max_bytes {
        // The work was done and charged: report it as the response would have.
        let cost = responses
            .first()
            .and_then(|r| r.extensions.get("cost").cloned())
            .unwrap_or_default();
        return refuse_after_start(
            format,
            ApiError::LimitExceeded {
                limit: Limit::ResponseBytes,
                max: max_bytes as u64,
                actual: json.len() as u64,
            },
            cost,
        );
    }
    let errors: Vec<&ServerError> = responses.iter().flat_map(|r| &r.errors).collect();
    let mut status = StatusCode::OK;
    if !is_batch {
        let executed = flags[0].get();
        let only = |code: ErrorCode| {
            !errors.is_empty() && errors.iter().all(|e| error_code(e) == Some(code.as_str()))
        };
        // Every error is the outage: the answer is as good as none, even if
        // a nullable field came back null.
        status = if only(ErrorCode::ServiceUnavailable) {
            StatusCode::SERVICE_UNAVAILABLE
        } else if only(ErrorCode::Throttled) {
            StatusCode::TOO_MANY_REQUESTS
        } else if format == Format::GraphqlResponse && !executed && !errors.is_empty() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    }
    let mut builder = HttpResponse::build(status);
    builder
        .content_type(format.content_type())
        // Only `cache::serve_get` writes a public answer; everything else
        // depends on who asks (its cost, a token) or is an error.
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    if let Some(retry) = errors.iter().filter_map(|e| retry_after(e)).max() {
        builder.insert_header((header::RETRY_AFTER, retry.to_string()));
    }
    builder.body(json)
}

fn error_code(err: &ServerError) -> Option<&str> {
    match err.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.as_str()),
        _ => None,
    }
}

fn retry_after(err: &ServerError) -> Option<u64> {
    match err.extensions.as_ref()?.get("retryAfterSeconds")? {
        async_graphql::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A request refused before it ran: 400 under
/// `application/graphql-response+json`, 200 under `application/json`, as
/// the spec asks; under either, 429 for `THROTTLED` and 503 for
/// `SERVICE_UNAVAILABLE`, which are about the moment, not the request.
pub(super) fn refuse(format: Format, err: ApiError, cost: async_graphql::Value) -> HttpResponse {
    let code = err.code();
    let mut response = write(
        format,
        &[answer(err, cost)],
        &[Executed::default()],
        false,
        usize::MAX,
    );
    super::super::refusals::refused(&mut response, code);
    response
}

/// A request that failed once running (past its deadline, or with too
/// large a response): 200 with `data: null`, whatever the format.
pub(super) fn refuse_after_start(
    format: Format,
    err: ApiError,
    cost: async_graphql::Value,
) -> HttpResponse {
    let executed = Executed::default();
    executed.mark();
    let code = err.code();
    let mut response = write(format, &[answer(err, cost)], &[executed], false, usize::MAX);
    super::super::refusals::failed_after_start(&mut response, code);
    response
}

/// An error about the whole request (no location in the document), with
/// the client's `extensions.cost`.
pub(super) fn answer(err: ApiError, cost: async_graphql::Value) -> Response {
    let mut response = Response::from_errors(vec![err.into_request_error()]);
    if cost != async_graphql::Value::Null {
        response.extensions.insert("cost".to_owned(), cost);
    }
    response
}
