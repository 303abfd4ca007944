//! The comment moderation policy and the abuse defences, each by its code.

use marquee_tests::{
    ADD_COMMENT, Backend, TestApp, backend_tests, error_codes, spawn_app, spawn_app_with,
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn input(app: &TestApp, email: &str, body: &str) -> Value {
    json!({
        "reviewId": app.her_review_id().await,
        "authorName": "Ada Reader",
        "authorEmail": email,
        "body": body,
    })
}

fn code(payload: &Value) -> &str {
    payload["errors"][0]["code"].as_str().unwrap_or("<none>")
}

/// Approves every comment from `email`, as a moderator would.
async fn approve(app: &TestApp, email: &str) {
    app.db
        .execute_raw(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            match app.db.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE comment SET status = 'APPROVED' WHERE author_email = $1"
                }
                _ => "UPDATE comment SET status = 'APPROVED' WHERE author_email = ?",
            },
            [email.into()],
        ))
        .await
        .unwrap();
}

async fn links_and_moderation_words_hold_a_known_author_and_disallowed_words_are_spam(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| {
        s.moderation_words = "casino".into();
        s.disallowed_words = "crypto-giveaway".into();
    })
    .await;
    app.add_comment(input(&app, "known@example.org", "First.").await)
        .await;
    approve(&app, "known@example.org").await;

    let clean = app
        .add_comment(input(&app, "known@example.org", "Second, clean.").await)
        .await;
    let links = app
        .add_comment(
            input(
                &app,
                "known@example.org",
                "See http://a.example and http://b.example",
            )
            .await,
        )
        .await;
    let held = app
        .add_comment(input(&app, "known@example.org", "Come to the CASINO").await)
        .await;
    let spam = app
        .add_comment(input(&app, "known@example.org", "Join the Crypto-Giveaway now").await)
        .await;

    assert_eq!(clean["status"], "APPROVED");
    assert_eq!(links["status"], "PENDING", "two links hold a comment");
    assert_eq!(
        held["status"], "PENDING",
        "a moderation word holds a comment"
    );
    assert_eq!(spam["status"], "SPAM", "a disallowed word marks spam");
}

async fn a_closed_review_refuses_comments_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    app.db
        .execute_unprepared("UPDATE review SET comments_open = false WHERE slug = 'her'")
        .await
        .unwrap();
    let payload = app
        .add_comment(input(&app, "ada@example.org", "Hello?").await)
        .await;
    assert_eq!(code(&payload), "COMMENTS_CLOSED");
    assert_eq!(payload["errors"][0]["field"], "reviewId");
    let policy = app
        .data(
            r#"{ review(slug: "her") { commentPolicy { open } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(policy["review"]["commentPolicy"]["open"], false);
}

async fn comments_close_by_themselves_after_the_configured_days(backend: Backend) {
    // The demo review was published in 2014.
    let app = spawn_app_with(backend, |s| s.close_comments_after_days = 30).await;
    let payload = app
        .add_comment(input(&app, "ada@example.org", "Late to the party.").await)
        .await;
    assert_eq!(code(&payload), "COMMENTS_CLOSED");
    let policy = app
        .data(
            r#"{ review(slug: "her") { commentPolicy { open closesAt } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(policy["review"]["commentPolicy"]["open"], false);
    assert!(
        policy["review"]["commentPolicy"]["closesAt"]
            .as_str()
            .unwrap()
            .starts_with("2014-02-09")
    );
}

async fn the_same_comment_twice_is_a_duplicate(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .add_comment(input(&app, "ada@example.org", "Same words.").await)
        .await;
    let again = app
        .add_comment(input(&app, "ada@example.org", "Same words.").await)
        .await;
    assert_eq!(first["errors"], json!([]));
    assert_eq!(code(&again), "DUPLICATE_COMMENT");
}

async fn a_second_comment_within_the_flood_interval_is_refused_with_a_retry_after(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| {
        s.comment_flood_seconds = 15;
        s.trusted_proxies = "127.0.0.1, ::1".into();
    })
    .await;
    // Same address, different emails.
    let first = app
        .add_comment_with(
            input(&app, "one@example.org", "One.").await,
            &[("x-forwarded-for", "198.51.100.1")],
        )
        .await;
    let same_address = app
        .add_comment_with(
            input(&app, "two@example.org", "Two.").await,
            &[("x-forwarded-for", "198.51.100.1")],
        )
        .await;
    // Same email, different address.
    let same_email = app
        .add_comment_with(
            input(&app, "one@example.org", "Three.").await,
            &[("x-forwarded-for", "198.51.100.2")],
        )
        .await;
    // Someone else entirely.
    let other = app
        .add_comment_with(
            input(&app, "four@example.org", "Four.").await,
            &[("x-forwarded-for", "198.51.100.3")],
        )
        .await;

    assert_eq!(first["errors"], json!([]));
    for refused in [&same_address, &same_email] {
        assert_eq!(code(refused), "COMMENT_FLOOD");
        let retry = refused["errors"][0]["retryAfterSeconds"].as_u64().unwrap();
        assert!((1..=15).contains(&retry), "{retry}");
    }
    assert_eq!(other["errors"], json!([]));
}

async fn a_forwarded_for_header_from_an_untrusted_peer_is_ignored(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.comment_flood_seconds = 15).await;
    let first = app
        .add_comment_with(
            input(&app, "one@example.org", "One.").await,
            &[("x-forwarded-for", "198.51.100.1")],
        )
        .await;
    let second = app
        .add_comment_with(
            input(&app, "two@example.org", "Two.").await,
            &[("x-forwarded-for", "198.51.100.2")],
        )
        .await;
    assert_eq!(first["errors"], json!([]));
    assert_eq!(
        code(&second),
        "COMMENT_FLOOD",
        "the client cannot pick its own address"
    );
}

async fn mutations_past_the_per_address_limit_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.mutations_per_minute = 3).await;
    for n in 0..3 {
        let body = app
            .gql(ADD_COMMENT, json!({ "input": input(&app, &format!("r{n}@example.org"), &format!("Comment {n}")).await }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body = app
        .gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "r9@example.org", "One too many").await }),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["RATE_LIMITED"]);
    let retry = body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((1..=60).contains(&retry));
    // Queries are not limited.
    assert!(!app.her_review_id().await.is_empty());
}

/// `addComment` counts the rate limit in the statement that stores the
/// comment; a comment refused before that (invalid, a duplicate, a retry)
/// must count all the same, and past the limit every one of them, retries
/// included, answers `RATE_LIMITED` rather than its own refusal.
async fn refused_comments_and_retries_count_against_the_rate_limit(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| s.mutations_per_minute = 4).await;
    let mut first = input(&app, "ada@example.org", "Saw it twice.").await;
    first["idempotencyKey"] = json!("0d6c1bb4-6a55-4b43-9d36-5c6f3f3c9a10");
    let stored = app.gql(ADD_COMMENT, json!({ "input": first })).await;
    assert_eq!(
        stored["data"]["addComment"]["errors"],
        json!([]),
        "{stored}"
    );
    // Act: three refusals and a retry, each counted.
    let invalid = app
        .gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "bob@example.org", "").await }),
        )
        .await;
    let duplicate = app
        .gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "ada@example.org", "Saw it twice.").await }),
        )
        .await;
    let retry = app.gql(ADD_COMMENT, json!({ "input": first })).await;
    let past_limit = [
        app.gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "eve@example.org", "Fresh.").await }),
        )
        .await,
        app.gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "eve@example.org", "").await }),
        )
        .await,
        app.gql(
            ADD_COMMENT,
            json!({ "input": input(&app, "ada@example.org", "Saw it twice.").await }),
        )
        .await,
        app.gql(ADD_COMMENT, json!({ "input": first })).await,
    ];
    // Assert
    assert_eq!(
        code(&invalid["data"]["addComment"]),
        "REQUIRED",
        "{invalid}"
    );
    assert_eq!(
        code(&duplicate["data"]["addComment"]),
        "DUPLICATE_COMMENT",
        "{duplicate}"
    );
    assert_eq!(retry["data"]["addComment"]["replayed"], true, "{retry}");
    for body in &past_limit {
        assert_eq!(error_codes(body), vec!["RATE_LIMITED"], "{body}");
    }
    let count = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM comment WHERE author_email = 'ada@example.org'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(count, 1, "one comment stored, whatever was refused");
}

/// Flood control and the rate limit share one statement, but a comment
/// refused for flooding takes its flood hit back with it: the address is
/// not kept out any longer than its first comment's window.
async fn a_comment_refused_by_the_rate_limit_does_not_count_as_a_flood(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, |s| {
        s.mutations_per_minute = 1;
        s.comment_flood_seconds = 15;
        s.trusted_proxies = "127.0.0.1, ::1".into();
    })
    .await;
    let from = |address: &'static str| [("x-forwarded-for", address)];
    let first = app
        .gql_with(
            ADD_COMMENT,
            json!({ "input": input(&app, "ada@example.org", "First.").await }),
            &from("198.51.100.7"),
        )
        .await;
    assert_eq!(first["data"]["addComment"]["errors"], json!([]), "{first}");
    // Act: a second comment from the same address is past the rate limit
    // (one a minute) and would also be a flood; the rate limit answers.
    let second = app
        .gql_with(
            ADD_COMMENT,
            json!({ "input": input(&app, "bob@example.org", "Second.").await }),
            &from("198.51.100.7"),
        )
        .await;
    // Another address with bob's email is not flooded by the refused one.
    let third = app
        .gql_with(
            ADD_COMMENT,
            json!({ "input": input(&app, "bob@example.org", "Third.").await }),
            &from("198.51.100.8"),
        )
        .await;
    // Assert
    assert_eq!(error_codes(&second), vec!["RATE_LIMITED"], "{second}");
    assert_eq!(third["data"]["addComment"]["errors"], json!([]), "{third}");
}

async fn replies_nest_no_deeper_than_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.comment_max_depth = 1).await;
    let seed = app
        .data(
            r#"{ review(slug: "her") { comments { edges { node { id } } } } }"#,
            json!({}),
        )
        .await;
    let top = seed["review"]["comments"]["edges"][0]["node"]["id"].clone();
    let mut reply = input(&app, "ada@example.org", "A reply.").await;
    reply["parentId"] = top;
    let reply = app.add_comment(reply).await;
    assert_eq!(reply["errors"], json!([]));
    approve(&app, "ada@example.org").await;

    let mut deeper = input(&app, "bob@example.org", "A reply to the reply.").await;
    deeper["parentId"] = reply["comment"]["id"].clone();
    let deeper = app.add_comment(deeper).await;
    assert_eq!(code(&deeper), "THREAD_TOO_DEEP");
    assert_eq!(deeper["errors"][0]["field"], "parentId");
}

async fn raw_html_is_not_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let payload = app
        .add_comment(input(&app, "ada@example.org", "Nice <script>alert(1)</script>").await)
        .await;
    assert_eq!(code(&payload), "INVALID_FORMAT");
    assert_eq!(payload["errors"][0]["field"], "body");
    let fine = app
        .add_comment(input(&app, "ada@example.org", "I <3 it, and 2 < 3.").await)
        .await;
    assert_eq!(fine["errors"], json!([]));
}

async fn a_retry_gets_the_same_owner_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut i = input(&app, "ada@example.org", "Keep my token.").await;
    i["idempotencyKey"] = json!("owner-token-retry");
    let first = app.add_comment(i.clone()).await;
    let retry = app.add_comment(i).await;
    let token = first["ownerToken"].as_str().unwrap();
    assert!(token.len() >= 40);
    assert_eq!(retry["ownerToken"], first["ownerToken"]);
    let other = app
        .add_comment(input(&app, "bob@example.org", "No key.").await)
        .await;
    assert_ne!(other["ownerToken"], first["ownerToken"]);
}

async fn twenty_concurrent_comments_all_land(backend: Backend) {
    let app = spawn_app(backend).await;
    let review_id = app.her_review_id().await;
    let posts = (0..20).map(|n| {
        let input = json!({ "reviewId": review_id, "authorName": format!("Reader {n}"),
                            "authorEmail": format!("reader{n}@example.org"), "body": format!("Comment {n}") });
        let app = &app;
        async move { app.gql(ADD_COMMENT, json!({ "input": input })).await }
    });
    let bodies = futures_util::future::join_all(posts).await;
    for body in &bodies {
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["addComment"]["errors"], json!([]), "{body}");
    }
    let stored: i64 = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::comment::Entity::find()
            .count(&app.db)
            .await
            .unwrap() as i64
    };
    assert_eq!(stored, 21, "the seed comment and twenty new ones");
}

backend_tests!(
    links_and_moderation_words_hold_a_known_author_and_disallowed_words_are_spam,
    a_closed_review_refuses_comments_with_a_code,
    comments_close_by_themselves_after_the_configured_days,
    the_same_comment_twice_is_a_duplicate,
    a_second_comment_within_the_flood_interval_is_refused_with_a_retry_after,
    a_forwarded_for_header_from_an_untrusted_peer_is_ignored,
    mutations_past_the_per_address_limit_are_rate_limited,
    refused_comments_and_retries_count_against_the_rate_limit,
    a_comment_refused_by_the_rate_limit_does_not_count_as_a_flood,
    replies_nest_no_deeper_than_the_limit,
    raw_html_is_not_accepted,
    a_retry_gets_the_same_owner_token,
    twenty_concurrent_comments_all_land,
);
