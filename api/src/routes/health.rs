//! `GET /health`: 200 when the database answers within a second, 503 at
//! once when it does not (a load balancer must not wait on an outage).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// How long the database gets to answer.
const WITHIN: Duration = Duration::from_millis(800);

#[get("/health")]
pub async fn health(db: web::Data<DatabaseConnection>) -> HttpResponse {
    if crate::db::ping(&db, WITHIN).await {
        HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(json!({ "status": "ok" }))
    } else {
        tracing::warn!("health check: the database does not answer");
        HttpResponse::ServiceUnavailable()
            .insert_header(("cache-control", "no-store"))
            .insert_header(("retry-after", crate::db::RETRY_AFTER_SECS.to_string()))
            .json(json!({ "status": "unavailable" }))
    }
}
