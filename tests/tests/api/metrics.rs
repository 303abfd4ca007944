//! `GET /metrics`: the server's metrics in Prometheus's text format, among
//! them the statement counter that `bench/run` reads; and the setting that
//! says where it is served.

use std::collections::BTreeMap;
use std::time::Duration;

use marquee::config::{MetricsSetting, Profile};
use marquee_tests::{
    Backend, LiveSubscription, TestApp, backend_tests, error_codes, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

/// One scrape: each sample's name, labels and value.
struct Scrape {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
    text: String,
}

impl Scrape {
    /// Parses the text format (the label values here hold no `,` or `"`).
    fn parse(text: String) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
                let (name, labels) = match series.split_once('{') {
                    Some((name, labels)) => (name, labels.trim_end_matches('}')),
                    None => (series, ""),
                };
                let labels = labels
                    .split(',')
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, value) = pair.split_once('=').expect("key=\"value\"");
                        (key.to_owned(), value.trim_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels, value.parse().expect("a number"))
            })
            .collect();
        Self { samples, text }
    }

    /// The value of the series `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|(n, l, _)| n == name && *l == wanted)
            .map(|(_, _, value)| *value)
    }

    /// [`Scrape::value`], failing the test when the series is missing.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} in:\n{}", self.text))
    }

    /// `marquee_graphql_requests_total` for one operation, type and outcome.
    fn requests(&self, operation: &str, kind: &str, outcome: &str) -> f64 {
        self.value(
            "marquee_graphql_requests_total",
            &[
                ("operation", operation),
                ("type", kind),
                ("outcome", outcome),
            ],
        )
        .unwrap_or(0.0)
    }

    /// The labels of every series of `name`.
    fn series(&self, name: &str) -> Vec<&BTreeMap<String, String>> {
        self.samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, labels, _)| labels)
            .collect()
    }
}

/// `GET url`, which must answer 200 in the text format.
async fn scrape_url(app: &TestApp, url: &str) -> Scrape {
    let response = app
        .client
        .get(url)
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(response.status(), 200, "GET {url}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "plain text"
    );
    Scrape::parse(response.text().await.unwrap())
}

/// `GET /metrics` on the main listener.
async fn scrape(app: &TestApp) -> Scrape {
    scrape_url(app, &app.url("/metrics")).await
}

/// Scrapes until `done` holds, for up to five seconds.
async fn scrape_until(app: &TestApp, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let scrape = scrape(app).await;
        if done(&scrape) || tokio::time::Instant::now() > deadline {
            return scrape;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// POSTs a JSON body to `/graphql` and returns the response's body.
async fn post(app: &TestApp, body: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .expect("the request is sent")
        .json()
        .await
        .expect("a JSON body")
}

/// The value of `marquee_sql_statements_total`, read as `bench/run` does:
/// the line that starts with the name and a space.
async fn statements_reported(app: &TestApp) -> u64 {
    let text = scrape(app).await.text;
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

const POST_COMMENT: &str =
    "mutation Post($input: AddCommentInput!) { addComment(input: $input) { status replayed } }";

async fn requests_are_counted_by_operation_type_and_outcome_with_their_errors(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let review_id = app.her_review_id().await;

    // Act
    for _ in 0..2 {
        app.data(
            r#"query HerReview { review(slug: "her") { headline } }"#,
            json!({}),
        )
        .await;
    }
    let bad_id = app
        .gql(r#"query BadId { node(id: "garbage") { id } }"#, json!({}))
        .await;
    let broken = post(
        &app,
        json!({ "query": "query Broken { review(", "operationName": "Broken" }),
    )
    .await;
    let not_json = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    let input = json!({ "reviewId": review_id, "authorName": "Ada", "authorEmail": "ada@example.org",
                        "body": "Counted once.", "idempotencyKey": "metrics-post-1" });
    let first = app.data(POST_COMMENT, json!({ "input": input })).await;
    let replay = app.data(POST_COMMENT, json!({ "input": input })).await;
    let scrape = scrape(&app).await;

    // Assert
    assert_eq!(error_codes(&bad_id), vec!["INVALID_ID"]);
    assert_eq!(error_codes(&broken), vec!["GRAPHQL_PARSE_FAILED"]);
    assert_eq!(not_json.status(), 400);
    assert_eq!(first["addComment"]["replayed"], false);
    assert_eq!(replay["addComment"]["replayed"], true);

    assert_eq!(scrape.requests("HerReview", "query", "ok"), 2.0);
    assert_eq!(
        scrape.requests("anonymous", "query", "ok"),
        1.0,
        "her_review_id"
    );
    assert_eq!(scrape.requests("BadId", "query", "error"), 1.0);
    assert_eq!(scrape.requests("Broken", "unknown", "refused"), 1.0);
    assert_eq!(
        scrape.requests("unknown", "unknown", "refused"),
        1.0,
        "a body that is not JSON is refused before any operation is read"
    );
    assert_eq!(scrape.requests("Post", "mutation", "ok"), 2.0);
    let total: f64 = scrape
        .samples
        .iter()
        .filter(|(name, _, _)| name == "marquee_graphql_requests_total")
        .map(|(_, _, value)| value)
        .sum();
    assert_eq!(total, 8.0, "{}", scrape.text);

    let errors = "marquee_graphql_errors_total";
    assert_eq!(scrape.get(errors, &[("code", "INVALID_ID")]), 1.0);
    assert_eq!(scrape.get(errors, &[("code", "GRAPHQL_PARSE_FAILED")]), 1.0);
    assert_eq!(scrape.get(errors, &[("code", "BAD_REQUEST")]), 1.0);
    assert_eq!(scrape.series(errors).len(), 3, "{}", scrape.text);

    let comments = "marquee_comments_posted_total";
    assert_eq!(
        scrape.get(comments, &[("status", "pending")]),
        1.0,
        "the replay stored nothing"
    );
    assert_eq!(scrape.get(comments, &[("status", "approved")]), 0.0);

    // Every operation the schema answered has a latency, by type.
    let count = "marquee_graphql_request_duration_seconds_count";
    let bucket = "marquee_graphql_request_duration_seconds_bucket";
    assert_eq!(scrape.get(count, &[("type", "query")]), 4.0);
    assert_eq!(scrape.get(count, &[("type", "mutation")]), 2.0);
    assert_eq!(scrape.get(count, &[("type", "unknown")]), 1.0);
    assert_eq!(
        scrape.get(bucket, &[("type", "query"), ("le", "+Inf")]),
        4.0
    );
    assert_eq!(scrape.get(bucket, &[("type", "query"), ("le", "10")]), 4.0);
    assert!(
        scrape
            .value(bucket, &[("type", "query"), ("le", "0.001")])
            .is_some()
    );
    assert!(
        scrape.get(
            "marquee_graphql_request_duration_seconds_sum",
            &[("type", "query")]
        ) > 0.0
    );
}

async fn the_pool_gauges_show_each_pool_in_use_and_idle(backend: Backend) {
    // Arrange
    let app = spawn_app(backend.clone()).await;
    app.her_review_id().await;

    // Act
    let scrape = scrape(&app).await;

    // Assert
    let connections = "marquee_db_pool_connections";
    let max = "marquee_db_pool_max_connections";
    assert_eq!(
        scrape.get(max, &[("pool", "main")]),
        5.0,
        "the tests' pool size"
    );
    let in_use = scrape.get(connections, &[("pool", "main"), ("state", "in_use")]);
    let idle = scrape.get(connections, &[("pool", "main"), ("state", "idle")]);
    assert!(
        (1.0..=5.0).contains(&(in_use + idle)),
        "the pool keeps one connection open and opens at most five: {in_use} + {idle}"
    );
    match backend {
        Backend::Sqlite => {
            assert_eq!(scrape.get(max, &[("pool", "writer")]), 1.0);
            let writer = scrape.get(connections, &[("pool", "writer"), ("state", "in_use")])
                + scrape.get(connections, &[("pool", "writer"), ("state", "idle")]);
            assert_eq!(writer, 1.0, "the writer is one connection, always open");
        }
        Backend::Postgres(_) => assert_eq!(scrape.series(max).len(), 1, "one pool"),
    }
}

async fn the_live_subscription_gauge_counts_a_subscription_while_it_runs(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let review_id = app.her_review_id().await;
    let gauge = "marquee_graphql_live_subscriptions";
    assert_eq!(scrape(&app).await.get(gauge, &[]), 0.0);

    // Act
    let live = LiveSubscription::start(
        &app.address,
        "subscription Watch($id: ID!) { commentAdded(reviewId: $id) { body } }",
        json!({ "id": review_id }),
        json!({}),
    )
    .await;
    let during = scrape_until(&app, |s| s.value(gauge, &[]) == Some(1.0)).await;
    drop(live);
    let after = scrape_until(&app, |s| s.value(gauge, &[]) == Some(0.0)).await;

    // Assert
    assert_eq!(during.get(gauge, &[]), 1.0, "the subscription is live");
    assert_eq!(
        during.requests("Watch", "subscription", "ok"),
        0.0,
        "counted once it ends"
    );
    assert_eq!(after.get(gauge, &[]), 0.0, "the socket closed: it ended");
    assert_eq!(after.requests("Watch", "subscription", "ok"), 1.0);
}

async fn a_flood_of_operation_names_keeps_the_name_label_bounded(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;

    // Act: 120 names, in batches of ten; then a name that is no name.
    for batch in 0..12 {
        let operations: Vec<Value> = (0..10)
            .map(|i| json!({ "query": format!("query Flood{} {{ __typename }}", batch * 10 + i) }))
            .collect();
        let answers = post(&app, Value::Array(operations)).await;
        assert_eq!(answers.as_array().map(Vec::len), Some(10), "{answers}");
    }
    post(
        &app,
        json!({ "query": "query Fine { __typename }", "operationName": "no such \"name\"" }),
    )
    .await;
    let scrape = scrape(&app).await;

    // Assert
    let names: Vec<&str> = scrape
        .series("marquee_graphql_requests_total")
        .into_iter()
        .map(|labels| labels["operation"].as_str())
        .collect();
    let flood = names.iter().filter(|n| n.starts_with("Flood")).count();
    assert_eq!(flood, 100, "the first hundred names keep theirs");
    assert_eq!(scrape.requests("other", "query", "ok"), 20.0);
    assert_eq!(
        scrape.requests("other", "unknown", "refused"),
        1.0,
        "{}",
        scrape.text
    );
    assert_eq!(names.len(), 102, "{names:?}");
}

async fn the_public_profile_does_not_serve_metrics(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| s.profile = Profile::Public).await;

    // Act
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();

    // Assert
    assert_eq!(response.status(), 404);
}

async fn metrics_can_be_turned_on_in_the_public_profile(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.profile = Profile::Public;
        s.metrics = MetricsSetting::On;
    })
    .await;

    let scrape = scrape(&app).await;

    assert!(scrape.value("marquee_sql_statements_total", &[]).is_some());
}

async fn metrics_turned_off_are_served_nowhere(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics = MetricsSetting::Off).await;

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();

    assert_eq!(response.status(), 404);
    assert_eq!(app.metrics_port, None);
    app.her_review_id().await;
}

async fn metrics_on_an_address_of_their_own_are_served_there_only(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| {
        s.metrics = MetricsSetting::Address("127.0.0.1:0".into());
    })
    .await;
    let port = app.metrics_port.expect("a listener of its own");
    assert_ne!(app.address, format!("http://127.0.0.1:{port}"));

    // Act
    app.data("query Counted { __typename }", json!({})).await;
    let own = scrape_url(&app, &format!("http://127.0.0.1:{port}/metrics")).await;
    let main = app.client.get(app.url("/metrics")).send().await.unwrap();
    let graphql_there = app
        .client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(own.requests("Counted", "query", "ok"), 1.0, "{}", own.text);
    assert_eq!(
        own.get("marquee_sql_statements_total", &[]),
        app.statements.get() as f64
    );
    assert_eq!(main.status(), 404, "not on the main listener");
    assert_eq!(graphql_there.status(), 404, "only /metrics there");
}

backend_tests!(
    metrics_report_the_statements_requests_have_run,
    requests_are_counted_by_operation_type_and_outcome_with_their_errors,
    the_pool_gauges_show_each_pool_in_use_and_idle,
    the_live_subscription_gauge_counts_a_subscription_while_it_runs,
    a_flood_of_operation_names_keeps_the_name_label_bounded,
    the_public_profile_does_not_serve_metrics,
    metrics_can_be_turned_on_in_the_public_profile,
    metrics_turned_off_are_served_nowhere,
    metrics_on_an_address_of_their_own_are_served_there_only,
);
