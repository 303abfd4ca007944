//! `GET /metrics`: the server's metrics in Prometheus's text format (see
//! `crate::metrics`). Among them is `marquee_sql_statements_total`, the
//! SQL statements run for requests (background work, such as the budget
//! flush, left out), which `bench/run` reads before and after a load run
//! to report statements per request. Where it is served is a setting
//! (`--metrics`, see `config::MetricsExposure`): `startup` mounts this
//! handler on the main listener, on a listener of its own, or nowhere
//! (404); by default nowhere in the `public` profile, since like
//! introspection it is for the people who run the server.

use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;

use crate::db::StatementCounter;
use crate::metrics::Metrics;

#[get("/metrics")]
pub async fn metrics(
    registry: web::Data<Metrics>,
    db: web::Data<DatabaseConnection>,
    statements: web::Data<StatementCounter>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(registry.render(&db, &statements))
}
