//! A database outage, on PostgreSQL: the server reaches its database
//! through a proxy the test can cut. While it is cut, `/health` answers 503
//! within a second and GraphQL requests `SERVICE_UNAVAILABLE` with
//! `Retry-After`, quickly; when it is back, service resumes by itself, and
//! a comment retried with its idempotency key is stored exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use marquee_tests::{Backend, TestDb, error_codes, spawn_app_on};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP proxy to PostgreSQL that can be cut (every connection dropped,
/// new ones refused) and restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<std::sync::Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(std::sync::Mutex::new(Vec::<AbortHandle>::new()));
        let (up2, connections2) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections2.lock().unwrap().push(task.abort_handle());
            }
        });
        Self {
            port,
            up,
            connections,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `url` with its host and port replaced by the proxy's.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (user, host) = match authority.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host),
        None => (String::new(), authority),
    };
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    (format!("{scheme}://{user}127.0.0.1:{port}/{path}"), host)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL"]
async fn an_outage_is_answered_quickly_and_service_resumes_with_no_lost_or_doubled_comment() {
    let backend = Backend::postgres();
    let (_db, url) = TestDb::create(&backend).await;
    let (_, upstream) = through(&url, 0);
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through(&url, proxy.port);
    let app = spawn_app_on(&proxied, |s| s.db_acquire_timeout_ms = 500).await;
    let review = app.her_review_id().await;
    let add = |key: &str| {
        json!({
            "query": "mutation ($i: AddCommentInput!) { addComment(input: $i) { comment { id } status replayed errors { code } } }",
            "variables": { "i": { "reviewId": review, "authorName": "Ada", "authorEmail": "ada@example.org",
                                   "body": "Posted through an outage.", "idempotencyKey": key } }
        })
    };
    let key = "6f1c1b0e-7a3a-4c55-9d0b-2f1f3f5a9e01";

    proxy.cut();

    // Health: 503 within a second.
    let started = Instant::now();
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // A read: SERVICE_UNAVAILABLE with Retry-After, after the short wait.
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(
            &json!({ "query": r#"{ review(slug: "her") { headline comments { totalCount } } }"# }),
        )
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), vec!["SERVICE_UNAVAILABLE"], "{body}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

    // A comment: the same, and safe to retry.
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&add(key))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(
        error_codes(&body)
            .iter()
            .all(|c| c == "SERVICE_UNAVAILABLE")
            && !error_codes(&body).is_empty(),
        "{body}"
    );

    proxy.restore();

    // Service resumes by itself.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.client.get(app.url("/health")).send().await.unwrap();
        if response.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = app
        .data(
            add(key)["query"].as_str().unwrap(),
            add(key)["variables"].clone(),
        )
        .await;
    assert!(first["addComment"]["comment"]["id"].is_string(), "{first}");
    let again = app
        .data(
            add(key)["query"].as_str().unwrap(),
            add(key)["variables"].clone(),
        )
        .await;
    assert_eq!(
        again["addComment"]["comment"]["id"],
        first["addComment"]["comment"]["id"]
    );
    assert_eq!(again["addComment"]["replayed"], true);
    let stored = entity::comment::Entity::find()
        .filter(entity::comment::Column::Body.eq("Posted through an outage."))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1, "one comment, however many retries");
}

#[test]
fn the_proxy_url_keeps_user_and_database() {
    assert_eq!(
        through("postgres://postgres@127.0.0.1:5432/marquee_test_1", 9),
        (
            "postgres://postgres@127.0.0.1:9/marquee_test_1".to_owned(),
            "127.0.0.1:5432".to_owned()
        )
    );
}
