//! Staff tokens: the moderation queue, status changes and their audit trail.
//! Only here are authors' emails and hashed addresses visible.

use entity::enums::Role;
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app};
use serde_json::{Value, json};

const QUEUE: &str = r#"query ($status: [CommentStatus!]! = [PENDING]) {
  moderationQueue(status: $status) { totalCount edges { node {
    id authorEmail clientAddressHash userAgent comment { authorName body status }
    history { actorName fromStatus toStatus }
  } } }
}"#;
const MODERATE: &str = r#"mutation ($id: ID!, $status: ModerationStatus!) {
  moderateComment(input: { id: $id, status: $status }) { previousStatus comment { comment { status } history { actorName fromStatus toStatus } } }
}"#;
const BULK: &str = r#"mutation ($ids: [ID!]!, $status: ModerationStatus!) {
  moderateComments(input: { ids: $ids, status: $status }) { comments { previousStatus comment { comment { status } } } }
}"#;

async fn public_bodies(app: &TestApp) -> Vec<String> {
    let data = app
        .data(
            r#"{ review(slug: "her") { comments(layout: FLAT) { edges { node { body } } } } }"#,
            json!({}),
        )
        .await;
    data["review"]["comments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_moderator_sees_the_queue_with_emails_and_approves_with_an_audit_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app
        .post_comment("ada@example.org", "Please approve me.")
        .await;
    let token = app.staff_token(Role::Moderator, "Molly Moderator").await;

    let queue = app.gql_as(&token, QUEUE, json!({})).await;
    let item = &queue["data"]["moderationQueue"]["edges"][0]["node"];
    assert_eq!(queue["data"]["moderationQueue"]["totalCount"], 1);
    assert_eq!(item["authorEmail"], "ada@example.org");
    assert_eq!(item["clientAddressHash"].as_str().unwrap().len(), 64);
    assert_eq!(item["comment"]["status"], "PENDING");

    let approved = app
        .gql_as(&token, MODERATE, json!({ "id": id, "status": "APPROVED" }))
        .await;
    let result = &approved["data"]["moderateComment"];
    assert_eq!(result["previousStatus"], "PENDING");
    assert_eq!(result["comment"]["comment"]["status"], "APPROVED");
    assert_eq!(
        result["comment"]["history"],
        json!([{ "actorName": "Molly Moderator", "fromStatus": "PENDING", "toStatus": "APPROVED" }])
    );
    assert!(
        public_bodies(&app)
            .await
            .contains(&"Please approve me.".to_owned())
    );
    let empty = app.gql_as(&token, QUEUE, json!({})).await;
    assert_eq!(empty["data"]["moderationQueue"]["totalCount"], 0);
}

async fn bulk_moderation_changes_all_or_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.post_comment("a@example.org", "Spam one").await;
    let b = app.post_comment("b@example.org", "Spam two").await;
    let token = app.staff_token(Role::Editor, "Eddie Editor").await;

    let missing = marquee_tests::marquee::graphql::ids::encode(
        marquee_tests::marquee::graphql::ids::Kind::Comment,
        99_999,
    );
    let refused = app
        .gql_as(
            &token,
            BULK,
            json!({ "ids": [a, missing.0], "status": "SPAM" }),
        )
        .await;
    assert_eq!(error_codes(&refused), vec!["NOT_FOUND"]);
    let still = app.gql_as(&token, QUEUE, json!({})).await;
    assert_eq!(
        still["data"]["moderationQueue"]["totalCount"], 2,
        "nothing changed"
    );

    let done = app
        .gql_as(&token, BULK, json!({ "ids": [a, b], "status": "SPAM" }))
        .await;
    let statuses: Vec<&Value> = done["data"]["moderateComments"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["comment"]["comment"]["status"])
        .collect();
    assert_eq!(statuses, vec!["SPAM", "SPAM"]);
    let spam = app
        .gql_as(&token, QUEUE, json!({ "status": ["SPAM"] }))
        .await;
    assert_eq!(spam["data"]["moderationQueue"]["totalCount"], 2);
}

async fn readers_cannot_moderate_or_see_the_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app.post_comment("ada@example.org", "Hello").await;
    let queue = app.gql(QUEUE, json!({})).await;
    assert_eq!(error_codes(&queue), vec!["UNAUTHENTICATED"]);
    assert!(!queue.to_string().contains("ada@example.org"));
    let moderate = app
        .gql(MODERATE, json!({ "id": id, "status": "APPROVED" }))
        .await;
    assert_eq!(error_codes(&moderate), vec!["UNAUTHENTICATED"]);
    assert!(!public_bodies(&app).await.contains(&"Hello".to_owned()));
}

async fn an_unknown_or_revoked_token_gets_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.staff_token(Role::Admin, "Ann Admin").await;
    let row = entity::api_token::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "Ann Admin");
    assert!(
        marquee_tests::marquee::service::token::revoke(&app.db, row.id)
            .await
            .unwrap()
    );

    for bearer in [
        format!("Bearer {token}"),
        "Bearer mq_forged".to_owned(),
        "Basic abc".to_owned(),
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", bearer.as_str())
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{bearer}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            error_codes(&response.json().await.unwrap()),
            vec!["UNAUTHENTICATED"]
        );
    }
}

async fn the_queue_costs_the_same_statements_whatever_its_page_size(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(
            app.post_comment(&format!("r{n}@example.org"), &format!("Comment {n}"))
                .await,
        );
    }
    let token = app.staff_token(Role::Moderator, "Molly").await;
    // Give every comment a history: to spam and back.
    for status in ["SPAM", "PENDING"] {
        let body = app
            .gql_as(&token, BULK, json!({ "ids": ids, "status": status }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let query = r#"query ($first: Int!) { moderationQueue(first: $first) { edges { node {
        authorEmail comment { body review { headline film { title } } } history { actorName toStatus } } } } }"#;
    let mut counts = Vec::new();
    for first in [2, 12] {
        let before = app.statements.get();
        let body = app.gql_as(&token, query, json!({ "first": first })).await;
        assert_eq!(
            body["data"]["moderationQueue"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            first
        );
        assert_eq!(
            body["data"]["moderationQueue"]["edges"][0]["node"]["history"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        counts.push(app.statements.get() - before);
    }
    assert_eq!(counts[0], counts[1], "statements per request: {counts:?}");
}

use sea_orm::EntityTrait;

backend_tests!(
    a_moderator_sees_the_queue_with_emails_and_approves_with_an_audit_trail,
    bulk_moderation_changes_all_or_nothing,
    readers_cannot_moderate_or_see_the_queue,
    an_unknown_or_revoked_token_gets_401,
    the_queue_costs_the_same_statements_whatever_its_page_size,
);
