//! The query cost budget: every response reports its cost; a client over
//! its budget is refused with `THROTTLED` before its query runs; and the
//! budget is one budget across replicas.

use std::time::Duration;

use marquee_tests::{Backend, backend_tests, error_codes, spawn_app_on, spawn_app_with};
use serde_json::{Value, json};

backend_tests!(
    every_response_reports_its_cost,
    a_batch_cannot_spend_the_same_points_twice,
    a_client_over_its_budget_is_throttled_until_it_refills,
    one_client_does_not_spend_anothers_budget,
    replicas_share_one_budget,
);

/// `commentCount` goes through a DataLoader, whose batching delay keeps
/// each operation of a batch waiting while the others are admitted.
const PAGE: &str =
    r#"{ reviews(first: 10) { edges { node { headline commentCount film { title } } } } }"#;

/// A query that returns far more than its requested cost suggests: it
/// spends a small budget at once.
const EXPENSIVE: &str = "{ __schema { types { name fields { name } } } }";

async fn every_response_reports_its_cost(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.cost_budget = 10_000;
        s.cost_restore_rate = 100;
    })
    .await;
    let body = app.gql(PAGE, json!({})).await;
    let cost = &body["extensions"]["cost"];
    // Requested: reviews 1 + 10 × (edges … node, headline, film, title).
    let requested = cost["requested"].as_u64().unwrap();
    assert!(requested > 10, "{cost}");
    // Actual: what came back (one review in the demo content).
    let actual = cost["actual"].as_u64().unwrap();
    assert!(actual < requested && actual >= 5, "{cost}");
    assert_eq!(cost["budget"]["max"], 10_000);
    assert_eq!(cost["budget"]["restoreRate"], 100);
    let remaining = cost["budget"]["remaining"].as_u64().unwrap();
    assert!(
        (10_000 - actual - 1..=10_000 - actual).contains(&remaining),
        "{cost}"
    );
    // An error response reports it too, and so does a refused document.
    let body = app.gql("{ nope }", json!({})).await;
    assert!(
        body["extensions"]["cost"]["budget"]["max"].is_number(),
        "{body}"
    );
    let aliases: String = (0..60).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_codes(&body), vec!["TOO_MANY_ALIASES"]);
    assert_eq!(body["extensions"]["cost"]["actual"], 1, "{body}");
}

async fn a_batch_cannot_spend_the_same_points_twice(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.cost_budget = 120;
        s.cost_restore_rate = 1;
    })
    .await;
    // Five operations each asking for about 60 points, run together: their
    // requested costs are held as each is admitted, so at most two fit.
    let batch: Vec<Value> = (0..5).map(|_| json!({ "query": PAGE })).collect();
    let body: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let answers = body.as_array().expect("a batch answer");
    let ran = answers.iter().filter(|a| a.get("errors").is_none()).count();
    let throttled = answers
        .iter()
        .filter(|a| error_codes(a) == vec!["THROTTLED"])
        .count();
    assert_eq!(ran + throttled, 5, "{body}");
    assert!((1..=2).contains(&ran), "{ran} ran: {body}");
}

async fn a_client_over_its_budget_is_throttled_until_it_refills(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.cost_budget = 100;
        s.cost_restore_rate = 500;
    })
    .await;
    // It fits, runs, and costs what it returned: more than the budget.
    let body = app.gql(EXPENSIVE, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let actual = body["extensions"]["cost"]["actual"].as_u64().unwrap();
    assert!(actual > 100, "{body}");
    assert_eq!(body["extensions"]["cost"]["budget"]["remaining"], 0);

    // The next query does not fit; it is refused before it runs.
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": PAGE }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), vec!["THROTTLED"], "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    let seconds = body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert_eq!(seconds, retry_after);
    // The debt (actual − 100) and the request (≈51) drain at 500 a second.
    let expected = (actual - 100 + 51).div_ceil(500);
    assert!(
        (expected.max(1)..=expected + 1).contains(&seconds),
        "{seconds} s for {actual}: {body}"
    );
    assert!(body["extensions"]["cost"]["budget"]["max"] == 100, "{body}");

    // After the wait it says, the query runs again.
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let body = app.gql(PAGE, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

async fn one_client_does_not_spend_anothers_budget(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.cost_budget = 100;
        s.cost_restore_rate = 1;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    let from = |ip: &'static str, query: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("x-forwarded-for", ip)
            .json(&json!({ "query": query }))
            .send()
    };
    // The abuser spends its budget and is refused.
    assert_eq!(from("203.0.113.9", EXPENSIVE).await.unwrap().status(), 200);
    assert_eq!(from("203.0.113.9", PAGE).await.unwrap().status(), 429);
    // Another reader is not.
    let response = from("198.51.100.7", PAGE).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["extensions"]["cost"]["budget"]["remaining"]
            .as_u64()
            .unwrap()
            > 50,
        "{body}"
    );
}

async fn replicas_share_one_budget(backend: Backend) {
    let adjust = |s: &mut marquee::config::Settings| {
        s.cost_budget = 100;
        s.cost_restore_rate = 1;
    };
    let a = spawn_app_with(backend, adjust).await;
    let b = spawn_app_on(&a.database_url, adjust).await;
    // Spend most of the budget on A.
    let body = a.gql(PAGE, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let spent_on_a = body["extensions"]["cost"]["actual"].as_u64().unwrap();
    let body = a.gql(PAGE, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let spent_on_a = spent_on_a + body["extensions"]["cost"]["actual"].as_u64().unwrap();
    // Two flush intervals: A has shared its spending, B has learnt it with
    // its own first charge.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body = b.gql("{ __typename }", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body_after = b.gql("{ __typename }", json!({})).await;
    let remaining = body_after["extensions"]["cost"]["budget"]["remaining"]
        .as_u64()
        .unwrap();
    assert!(
        remaining <= 100 - spent_on_a,
        "B sees A's spending ({spent_on_a}): {body} then {body_after}"
    );
}
