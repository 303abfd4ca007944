//! The public profile, as a security scanner sees it: each of graphql-cop's
//! checks (alias overloading, batching, circular introspection, directive
//! overloading, field duplication, field suggestions, GET mutations, GET
//! queries without a CSRF preflight, GraphiQL, introspection, POST CSRF,
//! trace mode, unhandled errors) must find nothing, while staff and ordinary
//! readers keep what they need.

use entity::enums::Role;
use marquee::config::Profile;
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app_with};
use serde_json::{Value, json};

backend_tests!(
    a_scan_of_the_public_profile_finds_nothing,
    staff_and_readers_keep_what_they_need_in_the_public_profile,
    the_dev_profile_stays_friendly,
);

async fn public(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.profile = Profile::Public).await
}

/// POSTs as the scanner does (`requests.post(json=…)`), returning the
/// body, parsed if it is JSON.
async fn post(app: &TestApp, body: Value) -> Value {
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

async fn get(app: &TestApp, query: &str) -> (u16, Value) {
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn op(query: &str) -> Value {
    json!({ "query": query, "operationName": "cop" })
}

async fn a_scan_of_the_public_profile_finds_nothing(backend: Backend) {
    let app = public(backend).await;

    // Alias overloading: 101 aliases.
    let aliases: String = (0..=100)
        .map(|i| format!("alias{i}:__typename \n"))
        .collect();
    let body = post(&app, op(&format!("query cop {{ {aliases} }}"))).await;
    assert!(
        body["data"]["alias100"].is_null(),
        "alias overloading: {body}"
    );
    assert_eq!(error_codes(&body), vec!["TOO_MANY_ALIASES"]);

    // Array-based batching of 10 queries.
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": "query cop { __typename }" }))
        .collect();
    let body = post(&app, json!(batch)).await;
    assert!(
        body.as_array().is_none_or(|a| a.len() < 10),
        "batching: {body}"
    );
    assert_eq!(error_codes(&body), vec!["BATCH_TOO_LARGE"]);

    // Circular introspection.
    let body = post(&app, op("query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }")).await;
    assert!(
        body["data"]["__schema"]["types"]
            .as_array()
            .is_none_or(|t| t.len() <= 25),
        "circular introspection: {body}"
    );

    // Directive overloading: ten unknown directives must not be ten errors.
    let body = post(
        &app,
        op("query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"),
    )
    .await;
    assert_eq!(
        error_codes(&body),
        vec!["TOO_MANY_DIRECTIVES"],
        "directives: {body}"
    );

    // Field duplication: 500 of the same field.
    let body = post(
        &app,
        op(&format!("query cop {{ {}}} ", "__typename \n".repeat(500))),
    )
    .await;
    assert!(
        body["data"]["__typename"].is_null(),
        "field duplication: {body}"
    );

    // Field suggestions.
    let body = post(&app, op("query cop { __schema { directive } }")).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(!message.contains("Did you mean"), "suggestions: {body}");
    let body = post(&app, op("query cop { reviw(slug: \"her\") { headline } }")).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(!message.contains("Did you mean"), "suggestions: {body}");

    // Mutations over GET: refused even with the CSRF preflight header.
    let (_, body) = get(&app, "mutation cop {__typename}").await;
    assert!(body["data"]["__typename"].is_null(), "GET mutation: {body}");
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("x-marquee-csrf", "1")
        .query(&[("query", "mutation cop {__typename}")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    // Queries over GET without a CSRF preflight header.
    let (status, body) = get(&app, "query cop {__typename}").await;
    assert!(body["data"]["__typename"].is_null(), "GET query: {body}");
    assert_eq!(status, 400);
    assert_eq!(error_codes(&body), vec!["CSRF_PREFLIGHT_REQUIRED"]);

    // GraphiQL.
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    for word in [
        "graphiql.min.css",
        "GraphQL Playground",
        "GraphiQL",
        "graphql-playground",
    ] {
        assert!(!html.contains(word), "GraphiQL is served: {html}");
    }
    // Nor are its files.
    let bundle = marquee::routes::graphiql::assets::named("graphiql.min.js").path();
    let response = app.client.get(app.url(&bundle)).send().await.unwrap();
    assert_eq!(response.status(), 404, "{bundle}");

    // Introspection.
    let body = post(
        &app,
        op("query cop { __schema { types { name fields { name } } } }"),
    )
    .await;
    assert!(
        !body["data"]["__schema"]["types"].is_array(),
        "introspection: {body}"
    );
    let body = post(
        &app,
        op(r#"query cop { __type(name: "Review") { fields { name } } }"#),
    )
    .await;
    assert!(
        !body["data"]["__type"]["fields"].is_array(),
        "introspection: {body}"
    );

    // Non-JSON POST (a cross-site form).
    let response = app
        .client
        .post(app.url("/graphql"))
        .form(&[("query", "query cop { __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    // Trace mode and unhandled errors.
    let body = post(&app, op("query cop { __typename }")).await;
    assert!(body["extensions"].get("tracing").is_none(), "{body}");
    assert!(body["errors"][0]["extensions"].get("tracing").is_none());
    let body = post(&app, op("qwerty cop { abc }")).await;
    assert!(
        body["errors"][0]["extensions"].get("exception").is_none(),
        "{body}"
    );
    assert_eq!(error_codes(&body), vec!["GRAPHQL_PARSE_FAILED"]);
}

async fn staff_and_readers_keep_what_they_need_in_the_public_profile(backend: Backend) {
    let app = public(backend).await;

    // Staff introspect.
    let token = app.staff_token(Role::Moderator, "Molly").await;
    let body = app
        .gql_as(&token, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"]["types"].as_array().unwrap().len() > 25,
        "{body}"
    );

    // Readers query over POST, and over GET with the preflight header.
    let data = app
        .data(r#"{ review(slug: "her") { headline } }"#, json!({}))
        .await;
    assert_eq!(data["review"]["headline"], "Her");
    for (name, value) in [
        ("x-marquee-csrf", "1"),
        ("apollo-require-preflight", "true"),
        ("content-type", "application/json"),
    ] {
        let response = app
            .client
            .get(app.url("/graphql"))
            .header(name, value)
            .query(&[("query", r#"{ review(slug: "her") { headline } }"#)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["review"]["headline"], "Her", "{name}: {body}");
    }
    // A simple Content-Type is what a cross-site form sends: not enough.
    let response = app
        .client
        .get(app.url("/graphql"))
        .header("content-type", "text/plain")
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Batches of up to five.
    let batch: Vec<Value> = (0..5)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let body = post(&app, json!(batch)).await;
    assert_eq!(body.as_array().map(Vec::len), Some(5), "{body}");
}

async fn the_dev_profile_stays_friendly(backend: Backend) {
    let app = marquee_tests::spawn_app(backend).await;
    let body = app.gql("{ __schema { types { name } } }", json!({})).await;
    assert!(body["data"]["__schema"]["types"].is_array());
    let body = app
        .gql("{ reviw(slug: \"her\") { headline } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Did you mean"), "{message}");
    let (status, body) = get(&app, "{ __typename }").await;
    assert_eq!(status, 200, "{body}");
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let body = post(&app, json!(batch)).await;
    assert_eq!(body.as_array().map(Vec::len), Some(10), "{body}");
}
