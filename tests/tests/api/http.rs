//! The HTTP surface: GET never mutates, limits answer with codes, GraphiQL
//! and health.

use marquee_tests::{Backend, backend_tests, error_codes, spawn_app, spawn_app_with};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

async fn a_get_request_cannot_run_a_mutation(backend: Backend) {
    let app = spawn_app(backend).await;
    let review_id = app.her_review_id().await;
    let mutation = format!(
        r#"mutation {{ addComment(input: {{ reviewId: "{review_id}", authorName: "Sneaky", authorEmail: "sneaky@example.org", body: "via GET" }}) {{ status }} }}"#
    );
    let before = entity::comment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", &mutation)])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), vec!["METHOD_NOT_ALLOWED"]);
    let after = entity::comment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing was written");
}

async fn a_get_request_runs_a_query(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query Q($s: String) { review(slug: $s) { headline } }",
            ),
            ("variables", r#"{"s": "her"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"], json!({ "review": { "headline": "Her" } }));
    assert!(body.get("errors").is_none(), "{body}");
}

async fn a_browser_gets_graphiql(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // Served whole by Marquee (see graphiql.rs), under a policy the browser
    // enforces.
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'; script-src 'self';")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Marquee GraphiQL</title>"), "{html}");
    let bundle = marquee::routes::graphiql::assets::named("graphiql.min.js").path();
    assert!(
        html.contains(&format!("<script src=\"{bundle}\">")),
        "{html}"
    );
    assert!(!html.contains("unpkg"), "{html}");
}

async fn health_answers_when_the_database_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
}

async fn every_limit_answers_with_a_clear_error(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.max_query_depth = 6;
        s.max_query_complexity = 300;
        s.max_body_bytes = 4096;
    })
    .await;

    // Depth.
    let deep =
        r#"{ review(slug: "her") { film { reviews { film { reviews { film { title } } } } } } }"#;
    let body = app.gql(deep, json!({})).await;
    assert_eq!(error_codes(&body), vec!["QUERY_TOO_DEEP"], "{body}");

    // Cost: a page of 100 with a few fields each.
    let costly =
        r#"{ reviews(first: 100) { edges { node { headline excerpt slug film { title } } } } }"#;
    let body = app.gql(costly, json!({})).await;
    assert_eq!(error_codes(&body), vec!["QUERY_TOO_COMPLEX"], "{body}");

    // Size.
    let huge = format!(
        "{{ review(slug: \"{}\") {{ headline }} }}",
        "x".repeat(5000)
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        error_codes(&response.json().await.unwrap()),
        vec!["REQUEST_TOO_LARGE"]
    );

    // Batch size.
    let batch: Vec<Value> = (0..11)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_codes(&response.json().await.unwrap()),
        vec!["BATCH_TOO_LARGE"]
    );

    // The server still serves.
    let body = app
        .gql(r#"{ review(slug: "her") { headline } }"#, json!({}))
        .await;
    assert_eq!(body["data"]["review"]["headline"], "Her");
}

async fn malformed_requests_get_coded_errors_and_the_server_keeps_serving(backend: Backend) {
    let app = spawn_app(backend).await;
    // Not JSON at all.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{ this is not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_codes(&response.json().await.unwrap()),
        vec!["BAD_REQUEST"]
    );
    // A form post (a cross-site request) is refused before it runs.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=mutation%7B__typename%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    // A syntax error, an unknown field, a bad ID.
    let body = app.gql("{ review(slug: ", json!({})).await;
    assert_eq!(error_codes(&body), vec!["GRAPHQL_PARSE_FAILED"]);
    let body = app
        .gql("{ review(slug: \"her\") { nope } }", json!({}))
        .await;
    assert_eq!(error_codes(&body), vec!["GRAPHQL_VALIDATION_FAILED"]);
    let body = app
        .gql(r#"{ node(id: "garbage") { id } }"#, json!({}))
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_ID"]);
    let body = app
        .gql(r#"{ film(slug: "her", id: "x") { title } }"#, json!({}))
        .await;
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"]);
    // Hostile nesting is refused, not a crash.
    let nested = format!("{{{}}}", "a{".repeat(5000) + &"}".repeat(5000));
    let body = app.gql(&nested, json!({})).await;
    assert!(!error_codes(&body).is_empty(), "{body}");
    let body = app
        .gql(r#"{ review(slug: "her") { headline } }"#, json!({}))
        .await;
    assert_eq!(body["data"]["review"]["headline"], "Her");
}

async fn responses_are_gzipped_for_clients_that_accept_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = json!({ "query": r#"{ review(slug: "her") { bodyHtml film { title } } }"# });
    let plain = app
        .client
        .post(app.url("/graphql"))
        .json(&query)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let gzipped = app
        .client
        .post(app.url("/graphql"))
        .header("accept-encoding", "gzip")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gzipped = gzipped.bytes().await.unwrap();
    assert!(
        gzipped.len() < plain.len(),
        "{} vs {}",
        gzipped.len(),
        plain.len()
    );

    // A WebSocket upgrade that offers gzip is still upgraded.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = app
        .url("/graphql")
        .replacen("http://", "ws://", 1)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    request
        .headers_mut()
        .insert("accept-encoding", "gzip".parse().unwrap());
    let (_ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    assert_eq!(response.status(), 101);
}

backend_tests!(
    responses_are_gzipped_for_clients_that_accept_it,
    a_get_request_cannot_run_a_mutation,
    a_get_request_runs_a_query,
    a_browser_gets_graphiql,
    health_answers_when_the_database_does,
    every_limit_answers_with_a_clear_error,
    malformed_requests_get_coded_errors_and_the_server_keeps_serving,
);
