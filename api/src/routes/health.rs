//! `GET /health`: 200 when the database answers, 503 when it does not.

use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

#[get("/health")]
pub async fn health(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}
