//! Caching public reads: cacheable GETs with an ETag and 304, private
//! answers for whoever is not the public, the response cache and its
//! invalidation (at once here, within 100 ms on another replica, at a
//! scheduled publication's instant), and purges through the webhook.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, TimeDelta, Utc};
use entity::enums::Role;
use marquee_tests::{Backend, TestApp, TestDb, backend_tests, spawn_app_on, spawn_app_with};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

backend_tests!(
    a_public_get_is_cacheable_with_an_etag_and_304,
    answers_that_depend_on_who_asks_are_private,
    an_approved_comment_purges_the_reviews_tags_through_the_webhook,
    an_editorial_change_invalidates_cached_answers_at_once,
    a_webhook_that_never_answers_does_not_hold_up_mutations,
    a_scheduled_review_caps_max_age_and_ends_cached_answers,
    a_switched_off_cache_still_gives_etags,
);

const HER_PAGE: &str = r#"{ review(slug: "her") { headline film { title directors { name } cast { character person { name } } } } }"#;
const HER_COMMENTS: &str =
    r#"{ review(slug: "her") { commentCount comments(first: 50) { edges { node { body } } } } }"#;
const LATEST: &str = "{ reviews(first: 5) { edges { node { headline } } } }";

/// A server whose response cache is on (the harness turns it off).
async fn cached_app(
    backend: Backend,
    adjust: impl FnOnce(&mut marquee::config::Settings),
) -> TestApp {
    spawn_app_with(backend, |s| {
        s.response_cache_mb = 16;
        adjust(s);
    })
    .await
}

/// A GET of `query`: status, headers and body.
async fn get(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, String) {
    let mut request = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// Who served it: `hit` or `miss`.
fn served(headers: &HeaderMap) -> &str {
    header(headers, "x-marquee-cache")
}

async fn a_public_get_is_cacheable_with_an_etag_and_304(backend: Backend) {
    // Arrange
    let app = cached_app(backend, |s| {
        s.cache_max_age = 30;
        s.cache_stale_while_revalidate = 90;
    })
    .await;

    // Act
    let (status, first, body) = get(&app, HER_PAGE, &[]).await;

    // Assert: cacheable, validated, tagged.
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["data"]["review"]["headline"], "Her");
    assert!(
        body.get("extensions").is_none(),
        "no per-client cost: {body}"
    );
    assert_eq!(
        header(&first, "cache-control"),
        "public, max-age=30, stale-while-revalidate=90"
    );
    let etag = header(&first, "etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
        "{etag}"
    );
    let vary = header(&first, "vary").to_ascii_lowercase();
    for name in ["accept", "accept-encoding", "authorization"] {
        assert!(vary.contains(name), "Vary: {vary}");
    }
    let keys: Vec<&str> = header(&first, "surrogate-key").split(' ').collect();
    for tag in ["review:1", "film:1", "person:1", "credits"] {
        assert!(keys.contains(&tag), "Surrogate-Key: {keys:?}");
    }
    assert_eq!(header(&first, "cache-tag"), keys.join(","));
    assert_eq!(served(&first), "miss");

    // The same request again comes from the cache, the same bytes.
    let (_, second, again) = get(&app, HER_PAGE, &[]).await;
    assert_eq!(served(&second), "hit");
    assert_eq!(header(&second, "etag"), etag);
    assert_eq!(serde_json::from_str::<Value>(&again).unwrap(), body);

    // With the ETag: 304 and no body.
    let (status, not_modified, empty) = get(&app, HER_PAGE, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(empty.is_empty());
    assert_eq!(header(&not_modified, "etag"), etag);
    assert!(header(&not_modified, "cache-control").starts_with("public"));

    // Gzip has its own strong ETag, which revalidates too.
    let (_, gzipped, _) = get(&app, HER_PAGE, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    let gzip_etag = header(&gzipped, "etag").to_owned();
    assert_ne!(gzip_etag, etag);
    let (status, _, _) = get(&app, HER_PAGE, &[("if-none-match", &gzip_etag)]).await;
    assert_eq!(status, 304);

    // Another ETag is not a match.
    let (status, _, _) = get(&app, HER_PAGE, &[("if-none-match", "\"nope\"")]).await;
    assert_eq!(status, 200);

    // The metrics count the hits and the one miss, and each hit as a query.
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |line: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(line))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {line} in {metrics}"))
    };
    assert_eq!(
        value("marquee_response_cache_requests_total{outcome=\"miss\"}"),
        1
    );
    assert_eq!(
        value("marquee_response_cache_requests_total{outcome=\"hit\"}"),
        5
    );
}

async fn answers_that_depend_on_who_asks_are_private(backend: Backend) {
    // Arrange
    let app = cached_app(backend, |_| {}).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let bearer = format!("Bearer {editor}");
    let private = |headers: &HeaderMap| {
        assert_eq!(header(headers, "cache-control"), "private, no-store");
        assert!(headers.get("etag").is_none());
        assert!(headers.get("surrogate-key").is_none());
    };

    // A staff token.
    let (status, headers, _) = get(&app, HER_PAGE, &[("authorization", &bearer)]).await;
    assert_eq!(status, 200);
    private(&headers);

    // An owner token.
    let review_id = app.her_review_id().await;
    let posted = app
        .add_comment(json!({ "reviewId": review_id, "authorName": "Ada",
                             "authorEmail": "ada@example.com", "body": "Mine, pending." }))
        .await;
    let query = format!(
        r#"{{ comment(id: "{}", ownerToken: "{}") {{ body status }} }}"#,
        posted["comment"]["id"].as_str().unwrap(),
        posted["ownerToken"].as_str().unwrap()
    );
    let (_, headers, body) = get(&app, &query, &[]).await;
    assert!(body.contains("Mine, pending."), "{body}");
    private(&headers);

    // An error.
    let (_, headers, body) = get(&app, "{ review(slug: \"her\") { nope } }", &[]).await;
    assert!(body.contains("errors"), "{body}");
    private(&headers);

    // A mutation, over POST.
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "mutation ($i: AddCommentInput!) { addComment(input: $i) { status } }",
                        "variables": { "i": { "reviewId": review_id, "authorName": "Bo",
                                              "authorEmail": "bo@example.com", "body": "Hello." } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "cache-control"),
        "private, no-store"
    );

    // And the staff member never got the public answer from the cache.
    let (_, first, _) = get(&app, HER_PAGE, &[]).await;
    let (_, staff, _) = get(&app, HER_PAGE, &[("authorization", &bearer)]).await;
    assert_eq!(served(&first), "miss");
    assert_ne!(served(&staff), "hit");
}

/// A purge webhook: an HTTP listener that answers 200 and hands on the
/// JSON body of each request.
async fn purge_listener() -> (String, mpsc::UnboundedReceiver<Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/purge", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    bytes.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&bytes).to_string();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if bytes.len() >= end + 4 + length {
                        let body = &bytes[end + 4..end + 4 + length];
                        let _ = tx.send(serde_json::from_slice(body).unwrap_or(Value::Null));
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        return;
                    }
                }
            });
        }
    });
    (url, rx)
}

/// The tags of the purges received within `seconds`, until one holds `tag`.
async fn purged_until(
    rx: &mut mpsc::UnboundedReceiver<Value>,
    tag: &str,
    seconds: u64,
) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while let Ok(Some(body)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        let tags: Vec<String> = body["tags"]
            .as_array()
            .expect("a purge names its tags")
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        let found = tags.iter().any(|t| t == tag);
        seen.extend(tags);
        if found {
            return seen;
        }
    }
    panic!("no purge of {tag} within {seconds} s; purged: {seen:?}");
}

async fn an_approved_comment_purges_the_reviews_tags_through_the_webhook(backend: Backend) {
    // Arrange
    let (purge_url, mut purges) = purge_listener().await;
    let app = cached_app(backend, |s| s.purge_url = Some(purge_url)).await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    let comment = app
        .post_comment("reader@example.com", "A pending thought.")
        .await;
    let (_, before, body) = get(&app, HER_COMMENTS, &[]).await;
    assert!(
        !body.contains("A pending thought."),
        "held for moderation: {body}"
    );
    assert!(header(&before, "surrogate-key").contains("comments:review:1"));
    let (_, cached, _) = get(&app, HER_COMMENTS, &[]).await;
    assert_eq!(served(&cached), "hit");

    // Act
    app.approve(&moderator, &comment).await;

    // Assert: this replica answers afresh at once, and the CDN is told.
    let (_, after, body) = get(&app, HER_COMMENTS, &[]).await;
    assert_eq!(served(&after), "miss");
    assert!(body.contains("A pending thought."), "{body}");
    let tags = purged_until(&mut purges, "comments:review:1", 10).await;
    assert!(tags.iter().any(|t| t == "comments:review:1"), "{tags:?}");
}

async fn a_webhook_that_never_answers_does_not_hold_up_mutations(backend: Backend) {
    // Arrange: a purge URL that takes connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/purge", listener.local_addr().unwrap());
    let (accepted_tx, mut accepted) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            let _ = accepted_tx.send(());
            held.push(socket);
        }
    });
    let app = cached_app(backend, |s| s.purge_url = Some(url)).await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    let editor = app.staff_token(Role::Editor, "Edna").await;

    // Act: changes that purge, one after another.
    let started = Instant::now();
    for n in 0..3 {
        // A new reader each time: a reader once approved is approved at once.
        let email = format!("reader{n}@example.com");
        let comment = app.post_comment(&email, &format!("Thought {n}.")).await;
        app.approve(&moderator, &comment).await;
    }
    let changed = app
        .gql_as(
            &editor,
            "mutation ($id: ID!) { updateReview(input: { id: $id, expectedVersion: 1, headline: \"Her!\" }) { errors { code } } }",
            json!({ "id": app.her_review_id().await }),
        )
        .await;
    let took = started.elapsed();

    // Assert: the webhook was called and is still hanging (its timeout is
    // 5 s, with retries), yet every mutation has answered, and the cache
    // was purged all the same.
    assert_eq!(
        changed["data"]["updateReview"]["errors"],
        json!([]),
        "{changed}"
    );
    tokio::time::timeout(Duration::from_secs(5), accepted.recv())
        .await
        .expect("the webhook was called");
    assert!(
        took < Duration::from_secs(3),
        "mutations waited on the webhook: {took:?}"
    );
    let (_, _, body) = get(&app, HER_PAGE, &[]).await;
    assert!(body.contains("Her!"), "{body}");
}

async fn an_editorial_change_invalidates_cached_answers_at_once(backend: Backend) {
    // Arrange
    let (purge_url, mut purges) = purge_listener().await;
    let app = cached_app(backend, |s| s.purge_url = Some(purge_url)).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let (_, _, body) = get(&app, HER_PAGE, &[]).await;
    assert!(body.contains("\"Her\""), "{body}");
    let (_, _, list) = get(&app, LATEST, &[]).await;
    assert!(list.contains("\"Her\""), "{list}");

    // Act
    let changed = app
        .gql_as(
            &editor,
            "mutation ($id: ID!) { updateReview(input: { id: $id, expectedVersion: 1, headline: \"Her, again\" }) { errors { code } } }",
            json!({ "id": app.her_review_id().await }),
        )
        .await;
    assert_eq!(
        changed["data"]["updateReview"]["errors"],
        json!([]),
        "{changed}"
    );

    // Assert: both the page and the list answer afresh.
    let (_, headers, body) = get(&app, HER_PAGE, &[]).await;
    assert_eq!(served(&headers), "miss");
    assert!(body.contains("Her, again"), "{body}");
    let (_, _, list) = get(&app, LATEST, &[]).await;
    assert!(list.contains("Her, again"), "{list}");
    let tags = purged_until(&mut purges, "review:1", 10).await;
    assert!(tags.iter().any(|t| t == "reviews"), "{tags:?}");
}

async fn a_scheduled_review_caps_max_age_and_ends_cached_answers(backend: Backend) {
    // Arrange: a review scheduled a few seconds ahead.
    let app = cached_app(backend, |s| {
        s.cache_max_age = 600;
        s.cache_stale_while_revalidate = 600;
    })
    .await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let film = app.data(r#"{ film(slug: "her") { id } }"#, json!({})).await["film"]["id"].clone();
    let created = app
        .gql_as(
            &editor,
            "mutation ($i: CreateReviewInput!) { createReview(input: $i) { review { id } errors { code } } }",
            json!({ "i": { "filmId": film, "headline": "Coming soon", "bodyMarkdown": "Soon." } }),
        )
        .await;
    let id = created["data"]["createReview"]["review"]["id"].clone();
    let at = Utc::now() + TimeDelta::seconds(4);
    let published = app
        .gql_as(
            &editor,
            "mutation ($id: ID!, $at: DateTime) { publishReview(id: $id, at: $at) { errors { code } } }",
            json!({ "id": id, "at": at.to_rfc3339_opts(SecondsFormat::Millis, true) }),
        )
        .await;
    assert_eq!(
        published["data"]["publishReview"]["errors"],
        json!([]),
        "{published}"
    );

    // Act: the list, cached before the instant.
    let (_, headers, list) = get(&app, LATEST, &[]).await;
    assert!(!list.contains("Coming soon"), "{list}");
    let (_, cached, _) = get(&app, LATEST, &[]).await;
    assert_eq!(served(&cached), "hit");

    // Assert: HTTP caches may not keep it past the instant...
    let cache_control = header(&headers, "cache-control");
    let max_age: u64 = cache_control
        .split(", ")
        .find_map(|d| d.strip_prefix("max-age="))
        .expect("a max-age")
        .parse()
        .unwrap();
    assert!(max_age <= 4, "{cache_control}");
    assert!(
        !cache_control.contains("stale-while-revalidate=6"),
        "{cache_control}"
    );
    // ...and the response cache does not serve it past the instant.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, headers, list) = get(&app, LATEST, &[]).await;
        if list.contains("Coming soon") {
            assert!(Utc::now() >= at, "shown before its time");
            assert_eq!(served(&headers), "miss");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still not shown at {}",
            Utc::now()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_switched_off_cache_still_gives_etags(backend: Backend) {
    // Arrange: the harness switches the response cache off.
    let app = spawn_app_with(backend, |_| {}).await;

    // Act
    let (_, first, _) = get(&app, HER_PAGE, &[]).await;
    let (status, second, _) =
        get(&app, HER_PAGE, &[("if-none-match", header(&first, "etag"))]).await;

    // Assert
    assert_eq!(served(&first), "miss");
    assert_eq!(status, 304);
    assert_eq!(served(&second), "miss", "answered afresh, then compared");
}

/// Two replicas on one PostgreSQL database: a change on one ends the
/// other's cached answers within 100 ms of the commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL: replicas share PostgreSQL"]
async fn cached_answers_are_invalidated_on_every_replica_within_100_ms() {
    // Arrange
    let (test_db, url) = TestDb::create(&Backend::postgres()).await;
    let on = |s: &mut marquee::config::Settings| s.response_cache_mb = 16;
    let a = spawn_app_on(&url, on).await;
    let b = spawn_app_on(&url, on).await;
    let editor = a.staff_token(Role::Editor, "Edna").await;
    let moderator = a.staff_token(Role::Moderator, "Molly").await;
    for app in [&a, &b] {
        get(app, HER_PAGE, &[]).await;
        get(app, HER_COMMENTS, &[]).await;
        let (_, headers, _) = get(app, HER_PAGE, &[]).await;
        assert_eq!(served(&headers), "hit", "cached on each replica");
    }

    // Act: an edit on A.
    let changed = a
        .gql_as(
            &editor,
            "mutation ($id: ID!) { updateReview(input: { id: $id, expectedVersion: 1, headline: \"Her, revised\" }) { errors { code } } }",
            json!({ "id": a.her_review_id().await }),
        )
        .await;
    let committed = Instant::now();
    assert_eq!(
        changed["data"]["updateReview"]["errors"],
        json!([]),
        "{changed}"
    );

    // Assert: B answers afresh within 100 ms.
    let seen = wait_for(&b, HER_PAGE, "Her, revised", committed).await;
    assert!(
        seen <= Duration::from_millis(100),
        "B served the old answer for {seen:?}"
    );

    // Act: a comment approved on A (the edit purged the comments too, as
    // unpublishing would hide them: cache them again first).
    get(&b, HER_COMMENTS, &[]).await;
    let (_, cached, _) = get(&b, HER_COMMENTS, &[]).await;
    assert_eq!(served(&cached), "hit");
    let comment = a.post_comment("reader@example.com", "Seen on B.").await;
    a.approve(&moderator, &comment).await;
    let committed = Instant::now();

    // Assert
    let seen = wait_for(&b, HER_COMMENTS, "Seen on B.", committed).await;
    assert!(
        seen <= Duration::from_millis(100),
        "B served the old comments for {seen:?}"
    );
    drop(test_db);
}

/// How long after `since` the replica first answered `query` with `text`.
async fn wait_for(app: &TestApp, query: &str, text: &str, since: Instant) -> Duration {
    loop {
        let (_, _, body) = get(app, query, &[]).await;
        if body.contains(text) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "never seen: {body}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A change made outside the servers (`marquee import`) has every replica
/// forget what it cached, through PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL: replicas hear each other through PostgreSQL"]
async fn a_change_from_outside_the_servers_purges_every_replica() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    // Arrange
    let app = cached_app(Backend::postgres(), |_| {}).await;
    get(&app, HER_PAGE, &[]).await;
    let (_, cached, _) = get(&app, HER_PAGE, &[]).await;
    assert_eq!(served(&cached), "hit");

    // Act: the row changes behind the server's back, then the CLI's purge.
    let row = entity::review::Entity::find_by_id(1)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: entity::review::ActiveModel = row.into();
    row.headline = Set("Her, imported".into());
    row.update(&app.db).await.unwrap();
    marquee::service::cache::purge_everywhere(&app.db)
        .await
        .unwrap();
    let sent = Instant::now();

    // Assert
    let seen = wait_for(&app, HER_PAGE, "Her, imported", sent).await;
    assert!(seen <= Duration::from_millis(100), "stale for {seen:?}");
}
