//! The GraphQL-over-HTTP spec: `application/graphql-response+json` answers
//! request errors with 4xx and no `data`; `application/json` keeps 200 for
//! older clients. (The spec's own reference audit runs in
//! `api/tests/http_audit.rs`.)

use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app};
use serde_json::{Value, json};

backend_tests!(
    request_errors_are_4xx_without_data_under_the_new_media_type,
    application_json_keeps_200_for_older_clients,
    accept_headers_are_negotiated,
);

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post(app: &TestApp, accept: &str, body: Value) -> (u16, String, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

async fn request_errors_are_4xx_without_data_under_the_new_media_type(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, variables, code) in [
        ("{", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        // Variables that do not coerce fail validation.
        (
            "query ($id: ID!) { node(id: $id) { id } }",
            json!({ "id": null }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            &format!(
                "{{ {} }}",
                (0..60)
                    .map(|i| format!("a{i}: __typename "))
                    .collect::<String>()
            ),
            json!({}),
            "TOO_MANY_ALIASES",
        ),
    ] {
        let (status, content_type, body) = post(
            &app,
            GRAPHQL_RESPONSE,
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
        assert!(body.get("data").is_none(), "{query}: {body}");
        assert_eq!(error_codes(&body), vec![code.to_owned()], "{query}: {body}");
    }
    // A field error once running is 200 with partial data.
    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": r#"{ review(slug: "her") { headline } node(id: "garbage") { id } }"# }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["review"]["headline"], "Her");
    assert_eq!(error_codes(&body), vec!["INVALID_ID"]);
}

async fn application_json_keeps_200_for_older_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    for query in ["{", "{ nope }"] {
        let (status, content_type, body) =
            post(&app, "application/json", json!({ "query": query })).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    }
    // A body that is not JSON, or not a GraphQL request, is 400 either way.
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("accept", accept)
            .header("content-type", "application/json")
            .body("{ not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let (status, _, _) = post(&app, accept, json!({ "qeury": "{ __typename }" })).await;
        assert_eq!(status, 400);
    }
}

async fn accept_headers_are_negotiated(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (
            "application/json;q=0.5, application/graphql-response+json",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/graphql-response+json;q=0.1, application/json",
            "application/json",
        ),
    ] {
        let (status, content_type, body) = post(&app, accept, query.clone()).await;
        assert_eq!(status, 200, "{accept}: {body}");
        assert!(
            content_type.starts_with(expected),
            "{accept}: {content_type}"
        );
        assert!(content_type.contains("charset=utf-8"), "{content_type}");
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/xml")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 406);
}
