//! Two `marquee` processes on one PostgreSQL database, as in production:
//! live comments and flood control must work across them. Ignored unless
//! run with `TEST_DATABASE_URL` and `--include-ignored` (`.ci/run` does).

use std::process::Command;

use marquee_tests::{Backend, LiveSubscription, ServerProcess, TestDb};
use serde_json::{Value, json};

/// A replica, as production runs it, with flood control on.
type Replica = ServerProcess;

fn replica(database_url: &str) -> Replica {
    ServerProcess::start(
        env!("CARGO_BIN_EXE_marquee"),
        database_url,
        &[("MARQUEE_COMMENT_FLOOD_SECONDS", "15")],
    )
}

async fn gql(
    client: &reqwest::Client,
    replica: &Replica,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{}/graphql", replica.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

const ADD: &str = "mutation ($i: AddCommentInput!) { addComment(input: $i) { comment { id } errors { code retryAfterSeconds } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL"]
async fn two_replicas_share_live_comments_and_flood_control() {
    let backend = Backend::postgres();
    let (_db, url) = TestDb::create(&backend).await;
    // Both start at once: the advisory lock makes them take turns at
    // migrating and loading the demo content.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| replica(&url));
        let b = s.spawn(|| replica(&url));
        (a.join().unwrap(), b.join().unwrap())
    });
    let token = {
        let out = Command::new(env!("CARGO_BIN_EXE_marquee"))
            .args(["token", "create", "--role", "moderator", "--name", "Molly"])
            .env("DATABASE_URL", &url)
            .env("MARQUEE_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let client = reqwest::Client::new();
    let review = gql(
        &client,
        &a,
        None,
        r#"{ review(slug: "her") { id } }"#,
        json!({}),
    )
    .await["data"]["review"]["id"]
        .as_str()
        .expect("one copy of the demo content")
        .to_owned();

    // A reader subscribes on replica B.
    let mut live = LiveSubscription::start(
        &b.address,
        "subscription ($id: ID!) { commentAdded(reviewId: $id) { body } }",
        json!({ "id": review }),
        json!({}),
    )
    .await;

    // A comment is posted and approved through replica A.
    let posted = gql(
        &client,
        &a,
        None,
        ADD,
        json!({ "i": { "reviewId": review, "authorName": "Ada", "authorEmail": "ada@example.org", "body": "Via A." } }),
    )
    .await;
    let id = posted["data"]["addComment"]["comment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approved = gql(
        &client,
        &a,
        Some(&token),
        "mutation ($id: ID!) { moderateComment(input: { id: $id, status: APPROVED }) { previousStatus } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        approved["data"]["moderateComment"]["previousStatus"], "PENDING",
        "{approved}"
    );

    let message = live
        .next(10)
        .await
        .expect("replica B's subscriber hears of it");
    assert_eq!(message["payload"]["data"]["commentAdded"]["body"], "Via A.");

    // The same client posts again at once, through replica B: flood control
    // remembers the first comment, made through A.
    let flooded = gql(
        &client,
        &b,
        None,
        ADD,
        json!({ "i": { "reviewId": review, "authorName": "Bob", "authorEmail": "bob@example.org", "body": "Via B." } }),
    )
    .await;
    let error = &flooded["data"]["addComment"]["errors"][0];
    assert_eq!(error["code"], "COMMENT_FLOOD", "{flooded}");
    assert!(error["retryAfterSeconds"].as_u64().unwrap() >= 1);

    // One copy of the demo content, though both replicas started on an
    // empty database.
    let films = gql(&client, &b, None, "{ films { totalCount } }", json!({})).await;
    assert_eq!(films["data"]["films"]["totalCount"], 7);
}
