//! Live comments over graphql-ws: readers see comments as they are
//! published; moderators watch the queue.

use entity::enums::Role;
use marquee_tests::{Backend, LiveSubscription, backend_tests, spawn_app};
use serde_json::{Value, json};

const ADDED: &str =
    "subscription ($id: ID!) { commentAdded(reviewId: $id) { authorName body status } }";
const QUEUE: &str = "subscription { moderationQueue { authorEmail comment { body status } } }";

async fn a_reader_sees_a_comment_the_moment_it_is_approved(backend: Backend) {
    let app = spawn_app(backend).await;
    let review = app.her_review_id().await;
    let token = app.staff_token(Role::Moderator, "Molly").await;
    let mut live =
        LiveSubscription::start(&app.address, ADDED, json!({ "id": review }), json!({})).await;

    let id = app.post_comment("ada@example.org", "Held at first.").await;
    assert_eq!(live.next(1).await, None, "a held comment is not announced");

    app.approve(&token, &id).await;
    let message = live.next(5).await.expect("the approved comment arrives");
    assert_eq!(
        message["payload"]["data"]["commentAdded"],
        json!({ "authorName": "Ada", "body": "Held at first.", "status": "APPROVED" })
    );

    // A known author's next comment is published, and announced, at once.
    app.post_comment("ada@example.org", "Straight through.")
        .await;
    let message = live.next(5).await.expect("the second comment arrives");
    assert_eq!(
        message["payload"]["data"]["commentAdded"]["body"],
        "Straight through."
    );
    assert!(!message.to_string().contains("ada@example.org"));
}

async fn a_moderator_watches_the_queue_live(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.staff_token(Role::Moderator, "Molly").await;
    let init = json!({ "authorization": format!("Bearer {token}") });
    let mut live = LiveSubscription::start(&app.address, QUEUE, json!({}), init).await;

    app.post_comment("ada@example.org", "Queue me.").await;

    let message = live.next(5).await.expect("the held comment arrives");
    assert_eq!(
        message["payload"]["data"]["moderationQueue"],
        json!({ "authorEmail": "ada@example.org", "comment": { "body": "Queue me.", "status": "PENDING" } })
    );
}

async fn a_reader_cannot_watch_the_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut live = LiveSubscription::start(&app.address, QUEUE, json!({}), json!({})).await;
    let message: Value = live.next(5).await.expect("an error");
    // A subscription refused at the start is graphql-ws's `error` message,
    // whose payload is the errors array.
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

backend_tests!(
    a_reader_sees_a_comment_the_moment_it_is_approved,
    a_moderator_watches_the_queue_live,
    a_reader_cannot_watch_the_queue,
);
