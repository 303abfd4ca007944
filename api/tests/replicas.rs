//! Two `marquee` processes on one PostgreSQL database, as in production:
//! live comments and flood control must work across them. Runs when
//! `TEST_DATABASE_URL` is set (`.ci/run` sets it).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use marquee_tests::{Backend, LiveSubscription, TestDb};
use serde_json::{Value, json};

/// A running replica, stopped when dropped.
struct Replica {
    child: Child,
    address: String,
}

impl Replica {
    fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_marquee"))
            .env("DATABASE_URL", database_url)
            .env("MARQUEE_BIND", "127.0.0.1:0")
            .env("MARQUEE_WORKERS", "1")
            .env("MARQUEE_LOG_FORMAT", "json")
            .env("MARQUEE_LOG", "info")
            .env("MARQUEE_COMMENT_FLOOD_SECONDS", "15")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("marquee starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent
                    && let Ok(v) = serde_json::from_str::<Value>(&line)
                    && let Some(address) = v["address"].as_str()
                {
                    let _ = tx.send(format!("http://{address}"));
                    sent = true;
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the replica says where it listens");
        Self { child, address }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
async fn two_replicas_share_live_comments_and_flood_control() {
    let Some(backend) = Backend::postgres() else {
        eprintln!("skipped: set TEST_DATABASE_URL to run the two-replica test");
        return;
    };
    let (_db, url) = TestDb::create(&backend).await;
    // Both start at once: the advisory lock makes them take turns at
    // migrating and loading the demo content.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Replica::start(&url));
        let b = s.spawn(|| Replica::start(&url));
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
