//! `GET /metrics`: the server's counters, as plain text in Prometheus's
//! exposition format. One counter so far: the SQL statements run for
//! requests (background work, such as the budget flush, left out), which
//! `bench/run` reads before and after a load run to report statements per
//! request. The `public` profile answers 404: like introspection, it is for
//! the people who run the server.

use actix_web::{HttpResponse, get, web};

use crate::config::Profile;
use crate::db::StatementCounter;
use crate::routes::AppState;

#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    statements: web::Data<StatementCounter>,
) -> HttpResponse {
    if state.profile == Profile::Public {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(format!(
            "# HELP marquee_sql_statements_total SQL statements run for requests.\n\
             # TYPE marquee_sql_statements_total counter\n\
             marquee_sql_statements_total {}\n",
            statements.get()
        ))
}
