//! `GET /metrics`: the statement counter that `bench/run` reads, in the dev
//! profile only.

use marquee::config::Profile;
use marquee_tests::{Backend, TestApp, backend_tests, spawn_app, spawn_app_with};
use serde_json::json;

/// The value of `marquee_sql_statements_total`.
async fn statements_reported(app: &TestApp) -> u64 {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "plain text"
    );
    let text = response.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("marquee_sql_statements_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no counter in {text:?}"))
}

async fn metrics_report_the_statements_requests_have_run(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let before = statements_reported(&app).await;
    assert_eq!(before, app.statements.get(), "reading it runs no SQL");

    // Act
    app.data(r#"{ review(slug: "her") { headline } }"#, json!({}))
        .await;
    let after = statements_reported(&app).await;

    // Assert
    assert!(after > before, "the query ran statements");
    assert_eq!(after, app.statements.get(), "the server's own counter");
}

async fn the_public_profile_does_not_serve_metrics(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| s.profile = Profile::Public).await;

    // Act
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();

    // Assert
    assert_eq!(response.status(), 404);
}

backend_tests!(
    metrics_report_the_statements_requests_have_run,
    the_public_profile_does_not_serve_metrics,
);
