//! The comment's owner token: read one's own comment in any status, edit and
//! delete it within the edit window.

use marquee_tests::{Backend, TestApp, backend_tests, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn post(app: &TestApp, body: &str) -> (String, String) {
    let payload = app
        .add_comment(
            json!({ "reviewId": app.her_review_id().await, "authorName": "Ada",
                             "authorEmail": "ada@example.org", "body": body }),
        )
        .await;
    (
        payload["comment"]["id"].as_str().unwrap().to_owned(),
        payload["ownerToken"].as_str().unwrap().to_owned(),
    )
}

const READ: &str =
    "query ($id: ID!, $t: String) { comment(id: $id, ownerToken: $t) { body status } }";
const EDIT: &str = "mutation ($i: EditCommentInput!) { editComment(input: $i) { comment { body status authorName } errors { field code } } }";
const DELETE: &str = "mutation ($i: DeleteCommentInput!) { deleteComment(input: $i) { deletedCommentId errors { field code } } }";

async fn the_author_reads_a_pending_comment_with_the_token_and_no_one_else_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, token) = post(&app, "Awaiting moderation.").await;

    let own = app.data(READ, json!({ "id": id, "t": token })).await;
    let anonymous = app.data(READ, json!({ "id": id })).await;
    let wrong = app
        .data(READ, json!({ "id": id, "t": "not-the-token" }))
        .await;

    assert_eq!(
        own["comment"],
        json!({ "body": "Awaiting moderation.", "status": "PENDING" })
    );
    assert_eq!(anonymous["comment"], Value::Null);
    assert_eq!(wrong["comment"], Value::Null);
}

async fn the_author_edits_and_deletes_within_the_window(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, token) = post(&app, "Tpyo.").await;

    let edited = app
        .data(EDIT, json!({ "i": { "id": id, "ownerToken": token, "body": "Typo fixed.", "authorName": "Ada L." } }))
        .await;
    assert_eq!(edited["editComment"]["errors"], json!([]));
    assert_eq!(
        edited["editComment"]["comment"],
        json!({ "body": "Typo fixed.", "status": "PENDING", "authorName": "Ada L." })
    );

    let wrong = app
        .data(
            EDIT,
            json!({ "i": { "id": id, "ownerToken": "nope", "body": "Hijack" } }),
        )
        .await;
    assert_eq!(
        wrong["editComment"]["errors"],
        json!([{ "field": "ownerToken", "code": "INVALID_OWNER_TOKEN" }])
    );

    let deleted = app
        .data(DELETE, json!({ "i": { "id": id, "ownerToken": token } }))
        .await;
    assert_eq!(deleted["deleteComment"]["deletedCommentId"], json!(id));
    let gone = app.data(READ, json!({ "id": id, "t": token })).await;
    assert_eq!(gone["comment"], Value::Null);
}

async fn after_the_window_edits_and_deletes_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.comment_edit_window_seconds = 0).await;
    let (id, token) = post(&app, "Too late to change.").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    let edited = app
        .data(
            EDIT,
            json!({ "i": { "id": id, "ownerToken": token, "body": "Changed" } }),
        )
        .await;
    let deleted = app
        .data(DELETE, json!({ "i": { "id": id, "ownerToken": token } }))
        .await;

    assert_eq!(
        edited["editComment"]["errors"],
        json!([{ "field": null, "code": "EDIT_WINDOW_EXPIRED" }])
    );
    assert_eq!(
        deleted["deleteComment"]["errors"],
        json!([{ "field": null, "code": "EDIT_WINDOW_EXPIRED" }])
    );
    let still = app.data(READ, json!({ "id": id, "t": token })).await;
    assert_eq!(still["comment"]["body"], "Too late to change.");
}

async fn an_edit_is_validated_like_a_new_comment(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, token) = post(&app, "Fine.").await;
    let edited = app
        .data(EDIT, json!({ "i": { "id": id, "ownerToken": token, "body": "  ", "authorUrl": "javascript:x" } }))
        .await;
    assert_eq!(
        edited["editComment"]["errors"],
        json!([{ "field": "body", "code": "REQUIRED" }, { "field": "authorUrl", "code": "INVALID_URL" }])
    );
}

/// Settings at (and past) the ends of their ranges, as a careless operator
/// might set them directly: no date arithmetic may overflow and panic.
async fn extreme_settings_never_panic_a_comment(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.comment_edit_window_seconds = u64::MAX;
        s.comment_flood_seconds = u64::MAX;
        s.close_comments_after_days = u32::MAX;
        s.mutations_per_minute = u32::MAX;
        s.comment_max_links = usize::MAX;
        s.comment_max_depth = i32::MAX;
    })
    .await;
    let (id, token) = post(&app, "Posted under extreme settings.").await;
    let edited = app
        .data(EDIT, json!({ "i": { "id": id, "ownerToken": token, "body": "Edited, still in the window." } }))
        .await;
    assert!(
        edited["editComment"]["errors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{edited}"
    );
    let policy = app
        .data(
            r#"{ review(slug: "her") { commentPolicy { open closesAt floodIntervalSeconds } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(policy["review"]["commentPolicy"]["open"], true, "{policy}");
    // A second comment from the same address and email is held back by the
    // (endless) flood interval, with a finite wait.
    let body = app
        .gql(
            "mutation ($i: AddCommentInput!) { addComment(input: $i) { errors { code retryAfterSeconds } } }",
            json!({ "i": { "reviewId": app.her_review_id().await, "authorName": "Ada",
                            "authorEmail": "ada@example.org", "body": "Again." } }),
        )
        .await;
    let errors = &body["data"]["addComment"]["errors"];
    assert_eq!(errors[0]["code"], "COMMENT_FLOOD", "{body}");
    assert!(
        errors[0]["retryAfterSeconds"].as_u64().unwrap() > 0,
        "{body}"
    );
}

backend_tests!(
    extreme_settings_never_panic_a_comment,
    the_author_reads_a_pending_comment_with_the_token_and_no_one_else_does,
    the_author_edits_and_deletes_within_the_window,
    after_the_window_edits_and_deletes_are_refused,
    an_edit_is_validated_like_a_new_comment,
);
