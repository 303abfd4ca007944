//! `addComment`: the happy path, every validation rule, the held/approved
//! policy, and retries with an idempotency key.

use entity::enums::CommentStatus;
use marquee_tests::{Backend, TestApp, backend_tests, spawn_app, spawn_app_with};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::{Value, json};

async fn valid_input(app: &TestApp) -> Value {
    json!({
        "reviewId": app.her_review_id().await,
        "authorName": "Ada Reader",
        "authorEmail": "ada@example.org",
        "authorUrl": "ada.example.org",
        "body": "Saw it twice.\nStill thinking about it.",
    })
}

fn codes(payload: &Value) -> Vec<(String, String)> {
    payload["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn public_comment_authors(app: &TestApp) -> Vec<String> {
    let data = app
        .data(r#"{ review(slug: "her") { comments(layout: FLAT) { edges { node { authorName } } } } }"#, json!({}))
        .await;
    data["review"]["comments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["authorName"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_first_comment_is_held_for_moderation_and_returned_to_its_author(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let input = valid_input(&app).await;
    // Act
    let payload = app.add_comment(input).await;
    // Assert
    assert_eq!(payload["errors"], json!([]));
    assert_eq!(payload["status"], "PENDING");
    assert_eq!(payload["replayed"], false);
    let comment = &payload["comment"];
    assert_eq!(comment["status"], "PENDING");
    assert_eq!(comment["authorName"], "Ada Reader");
    assert_eq!(comment["authorUrl"], "http://ada.example.org");
    assert_eq!(comment["body"], "Saw it twice.\nStill thinking about it.");
    assert_eq!(
        comment["bodyHtml"],
        "<p>Saw it twice.<br>\nStill thinking about it.</p>"
    );
    assert_eq!(
        public_comment_authors(&app).await,
        vec!["Mainstream Chick"],
        "held comments are not public"
    );
}

async fn an_email_with_an_approved_comment_is_approved_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.add_comment(valid_input(&app).await).await;
    assert_eq!(first["status"], "PENDING");
    // A moderator approves the first comment (moderation lands in a later issue).
    let row = entity::comment::Entity::find()
        .filter(entity::comment::Column::AuthorEmail.eq("ada@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: entity::comment::ActiveModel = row.into();
    row.status = Set(CommentStatus::Approved);
    row.update(&app.db).await.unwrap();

    let mut input = valid_input(&app).await;
    input["authorEmail"] = json!("ADA@Example.ORG");
    input["body"] = json!("A second thought.");
    let second = app.add_comment(input).await;

    assert_eq!(second["status"], "APPROVED", "emails compare without case");
    assert_eq!(
        public_comment_authors(&app).await,
        vec!["Mainstream Chick", "Ada Reader", "Ada Reader"]
    );
    let count = app
        .data(r#"{ review(slug: "her") { commentCount } }"#, json!({}))
        .await;
    assert_eq!(count["review"]["commentCount"], 3);
}

async fn every_validation_rule_answers_with_its_field_and_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let base = valid_input(&app).await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("blank name", json!("   "), "authorName", "REQUIRED"),
        (
            "name over 245 bytes",
            json!("é".repeat(123)),
            "authorName",
            "TOO_LONG",
        ),
        ("blank email", json!(""), "authorEmail", "REQUIRED"),
        (
            "email without @",
            json!("ada.example.org"),
            "authorEmail",
            "INVALID_EMAIL",
        ),
        (
            "email without domain dot",
            json!("ada@localhost"),
            "authorEmail",
            "INVALID_EMAIL",
        ),
        (
            "email over 100 bytes",
            json!(format!("{}@example.org", "a".repeat(90))),
            "authorEmail",
            "TOO_LONG",
        ),
        (
            "javascript url",
            json!("javascript:alert(1)"),
            "authorUrl",
            "INVALID_URL",
        ),
        (
            "url over 200 bytes",
            json!(format!("https://example.org/{}", "p".repeat(190))),
            "authorUrl",
            "TOO_LONG",
        ),
        ("blank body", json!(" \n\t "), "body", "REQUIRED"),
        (
            "body over 65525 bytes",
            json!("x".repeat(65_526)),
            "body",
            "TOO_LONG",
        ),
        (
            "bad review id",
            json!("not-an-id"),
            "reviewId",
            "INVALID_REFERENCE",
        ),
        (
            "idempotency key with spaces",
            json!("a key"),
            "idempotencyKey",
            "INVALID_FORMAT",
        ),
    ];
    for (case, value, field, code) in cases {
        let mut input = base.clone();
        input[field] = value;
        let payload = app.add_comment(input).await;
        assert_eq!(
            codes(&payload),
            vec![(field.to_owned(), code.to_owned())],
            "{case}"
        );
        assert_eq!(payload["comment"], Value::Null, "{case}");
        assert!(
            !payload["errors"][0]["message"].as_str().unwrap().is_empty(),
            "{case}"
        );
    }
    // At the limits exactly, all is well.
    let mut input = base.clone();
    input["authorName"] = json!("n".repeat(245));
    input["body"] = json!("b".repeat(65_525));
    assert_eq!(app.add_comment(input).await["errors"], json!([]));
    // No refused comment was stored.
    let stored = entity::comment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 2, "the seed comment and the one valid comment");
}

async fn all_refused_fields_are_reported_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut input = valid_input(&app).await;
    input["authorName"] = json!("");
    input["authorEmail"] = json!("nope");
    input["body"] = json!("");
    let payload = app.add_comment(input).await;
    assert_eq!(
        codes(&payload),
        vec![
            ("authorName".to_owned(), "REQUIRED".to_owned()),
            ("authorEmail".to_owned(), "INVALID_EMAIL".to_owned()),
            ("body".to_owned(), "REQUIRED".to_owned()),
        ]
    );
}

async fn a_comment_must_target_a_published_review_and_an_approved_parent(backend: Backend) {
    let app = spawn_app(backend).await;
    // A draft review.
    let film = entity::film::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    let draft = entity::review::ActiveModel {
        slug: Set("draft".into()),
        film_id: Set(film.id),
        headline: Set("Draft".into()),
        body_markdown: Set("Not yet.".into()),
        excerpt: Set("Not yet.".into()),
        status: Set(entity::enums::ReviewStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let draft_id = marquee_tests::marquee::graphql::ids::encode(
        marquee_tests::marquee::graphql::ids::Kind::Review,
        draft.id,
    );

    let mut input = valid_input(&app).await;
    input["reviewId"] = json!(draft_id.0);
    assert_eq!(
        codes(&app.add_comment(input).await),
        vec![("reviewId".into(), "INVALID_REFERENCE".into())]
    );

    // A reply to a pending comment is refused; to the approved seed comment, accepted.
    let pending = app.add_comment(valid_input(&app).await).await;
    let mut reply = valid_input(&app).await;
    reply["parentId"] = pending["comment"]["id"].clone();
    reply["body"] = json!("Replying.");
    assert_eq!(
        codes(&app.add_comment(reply.clone()).await),
        vec![("parentId".into(), "INVALID_REFERENCE".into())]
    );

    let seed = app
        .data(
            r#"{ review(slug: "her") { comments { edges { node { id } } } } }"#,
            json!({}),
        )
        .await;
    reply["parentId"] = seed["review"]["comments"]["edges"][0]["node"]["id"].clone();
    let accepted = app.add_comment(reply).await;
    assert_eq!(accepted["errors"], json!([]));
    assert_eq!(accepted["status"], "PENDING");
}

async fn a_retry_with_the_same_key_returns_the_first_comment_and_stores_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut input = valid_input(&app).await;
    input["idempotencyKey"] = json!("5e1d3c1a-2b0f-4b7e-9d51-0c6a8e4f7a21");

    let first = app.add_comment(input.clone()).await;
    let retry = app.add_comment(input.clone()).await;

    assert_eq!(first["replayed"], false);
    assert_eq!(retry["replayed"], true);
    assert_eq!(retry["comment"], first["comment"]);
    let stored = entity::comment::Entity::find()
        .filter(entity::comment::Column::AuthorEmail.eq("ada@example.org"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);

    // The same key with different input is refused.
    input["body"] = json!("Something else entirely.");
    let reused = app.add_comment(input).await;
    assert_eq!(
        codes(&reused),
        vec![("idempotencyKey".into(), "IDEMPOTENCY_KEY_REUSED".into())]
    );
}

async fn concurrent_retries_with_one_key_store_one_comment(backend: Backend) {
    // Flood control on: a retry racing its first attempt must still be
    // answered as a retry, not as a flood or a duplicate.
    let app = spawn_app_with(backend, |s| s.comment_flood_seconds = 15).await;
    let mut input = valid_input(&app).await;
    input["idempotencyKey"] = json!("concurrent-retry-key");
    let attempts = (0..5).map(|_| app.add_comment(input.clone()));
    let mut payloads = futures_util::future::join_all(attempts).await;
    // One attempt stored the comment; the others are answered as its
    // retries. `replayed` tells which (as Stripe's Idempotent-Replayed
    // header does); everything else is identical.
    let first: Vec<&Value> = payloads.iter().filter(|p| p["replayed"] == false).collect();
    assert_eq!(first.len(), 1, "{payloads:#?}");
    for p in &mut payloads {
        p.as_object_mut().unwrap().remove("replayed");
    }
    assert!(payloads.iter().all(|p| *p == payloads[0]), "{payloads:#?}");
    assert_eq!(payloads[0]["errors"], json!([]));
    assert!(!payloads[0]["comment"]["id"].is_null());
    let stored = entity::comment::Entity::find()
        .filter(entity::comment::Column::IdempotencyKey.eq("concurrent-retry-key"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

async fn comments_list_threaded_or_flat_oldest_or_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    // A known author (approved straight away from here on).
    let first = app.add_comment(valid_input(&app).await).await;
    entity::comment::Entity::update_many()
        .col_expr(
            entity::comment::Column::Status,
            sea_orm::sea_query::Expr::value("APPROVED"),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let mut second = valid_input(&app).await;
    second["body"] = json!("Second.");
    let second = app.add_comment(second).await;
    assert_eq!(second["status"], "APPROVED");
    let mut reply = valid_input(&app).await;
    reply["body"] = json!("A reply to the first.");
    reply["parentId"] = first["comment"]["id"].clone();
    assert_eq!(app.add_comment(reply).await["status"], "APPROVED");

    let query = r#"query ($layout: CommentLayout!, $order: OrderDirection!) { review(slug: "her") {
        comments(layout: $layout, order: $order) { totalCount edges { node { body replies { totalCount edges { node { body } } } } } } } }"#;
    let bodies = |data: &Value| -> Vec<String> {
        data["review"]["comments"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["node"]["body"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .take(12)
                    .collect()
            })
            .collect()
    };
    let threaded = app
        .data(query, json!({ "layout": "THREADED", "order": "ASC" }))
        .await;
    let newest = app
        .data(query, json!({ "layout": "THREADED", "order": "DESC" }))
        .await;
    let flat = app
        .data(query, json!({ "layout": "FLAT", "order": "ASC" }))
        .await;

    assert_eq!(
        bodies(&threaded),
        vec!["“Her” is one", "Saw it twice", "Second."]
    );
    assert_eq!(
        threaded["review"]["comments"]["edges"][1]["node"]["replies"]["totalCount"],
        1
    );
    assert_eq!(
        bodies(&newest),
        vec!["Second.", "Saw it twice", "“Her” is one"]
    );
    assert_eq!(
        bodies(&flat),
        vec!["“Her” is one", "Saw it twice", "Second.", "A reply to t"]
    );
    assert_eq!(flat["review"]["comments"]["totalCount"], 4);
}

backend_tests!(
    a_first_comment_is_held_for_moderation_and_returned_to_its_author,
    an_email_with_an_approved_comment_is_approved_at_once,
    every_validation_rule_answers_with_its_field_and_code,
    all_refused_fields_are_reported_at_once,
    a_comment_must_target_a_published_review_and_an_approved_parent,
    a_retry_with_the_same_key_returns_the_first_comment_and_stores_one,
    concurrent_retries_with_one_key_store_one_comment,
    comments_list_threaded_or_flat_oldest_or_newest_first,
    a_comment_costs_a_fixed_handful_of_statements,
);

/// Every check `addComment` makes (rate limit, review, duplicate, known
/// author, idempotency key, both flood counters) and the insert, with or
/// without a key: one statement for the checks, one for the rate limit and
/// flood counters, one insert, and on PostgreSQL the live event's `NOTIFY`
/// (issue 8 allows six; the count must not grow).
async fn a_comment_costs_a_fixed_handful_of_statements(backend: Backend) {
    let expected = match backend {
        Backend::Sqlite => 3,
        Backend::Postgres(_) => 4,
    };
    let app = spawn_app_with(backend, |s| {
        s.comment_flood_seconds = 15;
        s.trusted_proxies = "127.0.0.1, ::1".into();
    })
    .await;
    let review = app.her_review_id().await;
    let mut counts = Vec::new();
    for (n, key) in [(1, None), (2, Some("5b0f3c1e-8d1a-4f6e-9c3b-1a2b3c4d5e6f"))] {
        let mut input = json!({
            "reviewId": review,
            "authorName": "Ada Reader",
            "authorEmail": format!("ada{n}@example.org"),
            "body": format!("Comment number {n}."),
        });
        if let Some(key) = key {
            input["idempotencyKey"] = json!(key);
        }
        let address = format!("198.51.100.{n}");
        let before = app.statements.get();
        let payload = app
            .add_comment_with(input, &[("x-forwarded-for", &address)])
            .await;
        assert!(payload["comment"]["id"].is_string(), "{payload}");
        counts.push(app.statements.get() - before);
    }
    eprintln!("SQL statements per addComment (without, with a key): {counts:?}");
    assert!(counts.iter().all(|n| *n <= expected), "{counts:?}");
}
