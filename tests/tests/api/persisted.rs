//! Persisted queries: Apollo's automatic persisted queries over GET and
//! POST, a hash that does not match refused, a store every replica shares,
//! and trusted-documents mode.

use marquee::config::Switch;
use marquee::service::persisted::{self, Trusted, sha256_hex};
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app_on, spawn_app_with};
use serde_json::{Value, json};

backend_tests!(
    an_apq_round_trip_over_get_then_post,
    a_hash_that_does_not_match_the_text_is_refused,
    replicas_share_the_persisted_query_store,
    trusted_documents_mode_runs_only_registered_documents,
    persisted_queries_can_be_switched_off,
);

const HEADLINE: &str = r#"query Headline { review(slug: "her") { headline } }"#;

fn extensions(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// A GET naming the document by hash alone, or with its text.
async fn get(app: &TestApp, hash: &str, text: Option<&str>) -> (u16, Value) {
    let ext = extensions(hash).to_string();
    let mut params = vec![("extensions", ext.as_str())];
    if let Some(text) = text {
        params.push(("query", text));
    }
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&params)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A POST naming the document by hash alone, or with its text.
async fn post(app: &TestApp, hash: &str, text: Option<&str>) -> Value {
    let mut body = json!({ "extensions": extensions(hash) });
    if let Some(text) = text {
        body["query"] = json!(text);
    }
    app.client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn an_apq_round_trip_over_get_then_post(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |_| {}).await;
    let hash = sha256_hex(HEADLINE);

    // Act: the hash alone, as Apollo's client first sends it.
    let (status, missed) = get(&app, &hash, None).await;

    // Assert: not found, in the words Apollo's client looks for.
    assert_eq!(status, 200);
    assert_eq!(error_codes(&missed), vec!["PERSISTED_QUERY_NOT_FOUND"]);
    assert_eq!(missed["errors"][0]["message"], "PersistedQueryNotFound");

    // The retry with the text registers it and runs.
    let (_, registered) = get(&app, &hash, Some(HEADLINE)).await;
    assert_eq!(
        registered["data"]["review"]["headline"], "Her",
        "{registered}"
    );

    // From now on the hash alone is enough, over GET and over POST.
    let (_, by_hash) = get(&app, &hash, None).await;
    assert_eq!(by_hash["data"]["review"]["headline"], "Her", "{by_hash}");
    let by_post = post(&app, &hash, None).await;
    assert_eq!(by_post["data"]["review"]["headline"], "Her", "{by_post}");

    // And a document registered over POST runs by hash over GET.
    let other = "{ film(slug: \"her\") { title } }";
    let other_hash = sha256_hex(other);
    assert_eq!(
        error_codes(&post(&app, &other_hash, None).await),
        vec!["PERSISTED_QUERY_NOT_FOUND"]
    );
    let ran = post(&app, &other_hash, Some(other)).await;
    assert_eq!(ran["data"]["film"]["title"], "Her", "{ran}");
    let (_, by_get) = get(&app, &other_hash, None).await;
    assert_eq!(by_get["data"]["film"]["title"], "Her", "{by_get}");
}

async fn a_hash_that_does_not_match_the_text_is_refused(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |_| {}).await;
    let wrong = sha256_hex("{ __typename }");

    // Act
    let refused = post(&app, &wrong, Some(HEADLINE)).await;

    // Assert: refused, and nothing registered under either hash.
    assert_eq!(error_codes(&refused), vec!["PERSISTED_QUERY_HASH_MISMATCH"]);
    assert!(refused["data"].is_null(), "{refused}");
    assert_eq!(
        error_codes(&post(&app, &wrong, None).await),
        vec!["PERSISTED_QUERY_NOT_FOUND"]
    );
    // A malformed one is a bad request.
    let body = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "xyz" } } }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(error_codes(&body), vec!["BAD_REQUEST"]);
}

async fn replicas_share_the_persisted_query_store(backend: Backend) {
    // Arrange: two replicas on one database.
    let a = spawn_app_with(backend, |_| {}).await;
    let b = spawn_app_on(&a.database_url, |_| {}).await;
    let hash = sha256_hex(HEADLINE);

    // Act: registered on A...
    let ran = post(&a, &hash, Some(HEADLINE)).await;
    assert_eq!(ran["data"]["review"]["headline"], "Her", "{ran}");

    // Assert: ...known to B.
    let (_, on_b) = get(&b, &hash, None).await;
    assert_eq!(on_b["data"]["review"]["headline"], "Her", "{on_b}");
}

async fn trusted_documents_mode_runs_only_registered_documents(backend: Backend) {
    // Arrange: one document trusted ahead of time, as `marquee documents
    // add` does.
    let app = spawn_app_with(backend, |s| s.trusted_documents = true).await;
    let trusted = persisted::trust(
        &app.db,
        vec![Trusted {
            id: "headline-v1".into(),
            body: HEADLINE.into(),
            name: Some("Headline".into()),
        }],
    )
    .await
    .unwrap();
    assert_eq!(trusted, 1);

    // Act + Assert: the trusted document runs by its manifest id, and
    // by nothing else.
    let (status, ran) = get(&app, "headline-v1", None).await;
    assert_eq!(status, 200);
    assert_eq!(ran["data"]["review"]["headline"], "Her", "{ran}");
    let (_, by_hash) = get(&app, &sha256_hex(HEADLINE), None).await;
    assert_eq!(error_codes(&by_hash), vec!["DOCUMENT_NOT_TRUSTED"]);
    let as_text = app.gql(HEADLINE, json!({})).await;
    assert_eq!(error_codes(&as_text), vec!["DOCUMENT_NOT_TRUSTED"]);

    // A `.graphql` file's document is trusted under its hash, and runs by
    // hash or as text.
    persisted::trust(
        &app.db,
        persisted::parse_file("headline.graphql", HEADLINE).unwrap(),
    )
    .await
    .unwrap();
    let (_, ran) = get(&app, &sha256_hex(HEADLINE), None).await;
    assert_eq!(ran["data"]["review"]["headline"], "Her", "{ran}");
    let as_text = app.gql(HEADLINE, json!({})).await;
    assert_eq!(as_text["data"]["review"]["headline"], "Her", "{as_text}");

    // Anything else is refused, before it runs: as text, by a hash the
    // client registers itself, and from staff too.
    let other = "{ film(slug: \"her\") { title } }";
    for refused in [
        app.gql(other, json!({})).await,
        post(&app, &sha256_hex(other), Some(other)).await,
        post(&app, &sha256_hex(other), None).await,
    ] {
        assert_eq!(
            error_codes(&refused),
            vec!["DOCUMENT_NOT_TRUSTED"],
            "{refused}"
        );
        assert!(refused["data"].is_null(), "{refused}");
    }
    let admin = app.staff_token(entity::enums::Role::Admin, "Ada").await;
    let staff = app.gql_as(&admin, other, json!({})).await;
    assert_eq!(error_codes(&staff), vec!["DOCUMENT_NOT_TRUSTED"]);
}

async fn persisted_queries_can_be_switched_off(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| s.persisted_queries = Switch::Off).await;

    // Act
    let refused = post(&app, &sha256_hex(HEADLINE), Some(HEADLINE)).await;

    // Assert: the client is told to send the text alone, which runs.
    assert_eq!(error_codes(&refused), vec!["PERSISTED_QUERY_NOT_SUPPORTED"]);
    let ran = app.gql(HEADLINE, json!({})).await;
    assert_eq!(ran["data"]["review"]["headline"], "Her");
}
