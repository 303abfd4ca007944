//! Counting the `/graphql` answers the schema had no part in: requests
//! turned away before any operation in them was read (a body that is not
//! JSON or is too large, a client over its budget, a document over a
//! limit, a bad token, a refused WebSocket upgrade, …), and errors that
//! replace a response after the operations ran (`TIMEOUT`,
//! `RESPONSE_TOO_LARGE`).
//!
//! Whoever writes such an answer marks it ([`refused`],
//! [`failed_after_start`]); [`count`], the middleware around `/graphql`,
//! counts what it finds marked. Operations the schema saw are counted by
//! its hooks (`graphql::meter`), never here.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::AppState;
use crate::code::ErrorCode;

/// The mark on an answer written without the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Refused before any operation was read: counts as a refused request.
    Refused(ErrorCode),
    /// An error that replaced the response of operations the schema
    /// already counted: counts as an error only.
    FailedAfterStart(ErrorCode),
}

/// Marks `response` as a refusal with `code`, before any operation in the
/// request was read.
pub fn refused(response: &mut HttpResponse, code: ErrorCode) {
    response.extensions_mut().insert(Mark::Refused(code));
}

/// Marks `response` as an error with `code` that replaced the answer of
/// operations that had begun to run.
pub fn failed_after_start(response: &mut HttpResponse, code: ErrorCode) {
    response
        .extensions_mut()
        .insert(Mark::FailedAfterStart(code));
}

/// Counts a marked answer in the server's metrics.
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let mark = response.response().extensions().get::<Mark>().copied();
    if let (Some(state), Some(mark)) = (state, mark) {
        match mark {
            Mark::Refused(code) => state.metrics.refused_unread(code),
            Mark::FailedAfterStart(code) => state.metrics.error(Some(code.as_str())),
        }
    }
    Ok(response)
}
