//! `reviewPublished` over graphql-ws: a review is announced when it goes
//! public (published now, or scheduled and its time come), once, on every
//! replica, and never while it is a draft.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, SubsecRound, TimeDelta, Utc};
use entity::review;
use marquee_tests::marquee::service::import;
use marquee_tests::{
    Backend, LiveSubscription, TestApp, backend_tests, spawn_app_on, spawn_app_with,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const PUBLISHED: &str =
    "subscription { reviewPublished { slug headline publishedAt film { slug } } }";

/// A publication clock that looks every 100 ms, so tests wait little.
const FAST: u64 = 100;
/// A clock that looks at start and then not for a minute: within a test,
/// only an announcement wakes it.
const STILL: u64 = 60_000;

async fn app_with_clock(backend: Backend, clock_ms: u64) -> TestApp {
    spawn_app_with(backend, |s| s.publication_clock_ms = clock_ms).await
}

/// Imports (or imports again, changed) a review of the demo film with this
/// status and date, as `marquee import` does; returns its id.
async fn import_review(app: &TestApp, slug: &str, status: &str, at: DateTime<Utc>) -> i32 {
    let content = format!(
        r#"
[[reviews]]
slug = "{slug}"
film = "her"
headline = "Headline of {slug}"
status = "{status}"
published_at = "{}"
body = "A paragraph."
"#,
        at.to_rfc3339_opts(SecondsFormat::Millis, true)
    );
    let content = import::parse(&content).expect("the content parses");
    import::import(&app.db, &content)
        .await
        .expect("the content imports");
    review::Entity::find()
        .filter(review::Column::Slug.eq(slug))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the review is stored")
        .id
}

/// `ms` milliseconds from now (before now if negative), to the millisecond.
fn in_ms(ms: i64) -> DateTime<Utc> {
    (Utc::now() + TimeDelta::milliseconds(ms)).trunc_subsecs(3)
}

/// The time left until `at`, less `margin`; zero if that is past.
fn until(at: DateTime<Utc>, margin_ms: i64) -> Duration {
    (at - TimeDelta::milliseconds(margin_ms) - Utc::now())
        .to_std()
        .unwrap_or_default()
}

/// The next announcement within `seconds`, and when it was heard.
async fn heard(live: &mut LiveSubscription, seconds: u64) -> (Value, DateTime<Utc>) {
    let message = live.next(seconds).await.expect("an announcement");
    (message, Utc::now())
}

fn slug_of(message: &Value) -> &str {
    message["payload"]["data"]["reviewPublished"]["slug"]
        .as_str()
        .unwrap_or_else(|| panic!("a review: {message}"))
}

async fn a_scheduled_review_is_announced_when_its_time_comes_and_not_before(backend: Backend) {
    // Arrange
    let app = app_with_clock(backend, FAST).await;
    let mut live = LiveSubscription::start(&app.address, PUBLISHED, json!({}), json!({})).await;
    let at = in_ms(2_000);
    // Act: scheduled by an import, which tells no one.
    import_review(&app, "her-revisited", "PUBLISHED", at).await;
    // Assert
    let early = live.next_within(until(at, 50)).await;
    assert_eq!(early, None, "nothing before its time");
    let (message, heard_at) = heard(&mut live, 3).await;
    assert!(heard_at >= at, "heard at {heard_at}, before {at}");
    assert!(
        heard_at - at < TimeDelta::seconds(1),
        "heard {} after its time",
        heard_at - at
    );
    let review = &message["payload"]["data"]["reviewPublished"];
    assert_eq!(review["slug"], "her-revisited", "{message}");
    assert_eq!(review["headline"], "Headline of her-revisited");
    assert_eq!(review["film"]["slug"], "her");
    let published_at = review["publishedAt"].as_str().unwrap();
    assert_eq!(DateTime::parse_from_rfc3339(published_at).unwrap(), at);
    // The read path shows it too.
    let data = app
        .data(r#"{ review(slug: "her-revisited") { slug } }"#, json!({}))
        .await;
    assert_eq!(data["review"]["slug"], "her-revisited");
    // Once: the clock's later looks, which read it again, stay silent.
    assert_eq!(
        live.next_within(Duration::from_millis(600)).await,
        None,
        "announced once"
    );
}

async fn a_draft_is_never_announced(backend: Backend) {
    let app = app_with_clock(backend, FAST).await;
    let mut live = LiveSubscription::start(&app.address, PUBLISHED, json!({}), json!({})).await;
    let at = in_ms(300);
    let draft = import_review(&app, "her-draft", "DRAFT", at).await;
    import_review(&app, "her-old-draft", "DRAFT", in_ms(-1_000)).await;
    // Not even when a mutation says so by mistake.
    app.publications.announce(draft).await.unwrap();

    let message = live.next_within(until(at, -700)).await;
    assert_eq!(message, None, "a draft is never announced");

    // The subscription is alive: a review published now is announced, and
    // only that one.
    import_review(&app, "her-published", "PUBLISHED", in_ms(0)).await;
    let (message, _) = heard(&mut live, 3).await;
    assert_eq!(slug_of(&message), "her-published");
    assert_eq!(live.next_within(Duration::from_millis(300)).await, None);
}

async fn a_publication_announced_by_its_mutation_arrives_at_once(backend: Backend) {
    // The clock's next tick is a minute away: only the announcements can
    // bring these in time.
    let app = app_with_clock(backend, STILL).await;
    let mut live = LiveSubscription::start(&app.address, PUBLISHED, json!({}), json!({})).await;

    // As `publishReview` will: the draft published in one commit, then
    // announced.
    import_review(&app, "her-now", "DRAFT", in_ms(0)).await;
    let id = import_review(&app, "her-now", "PUBLISHED", in_ms(0)).await;
    app.publications.announce(id).await.unwrap();
    let (message, _) = heard(&mut live, 2).await;
    assert_eq!(slug_of(&message), "her-now");

    // Published with a date long past, outside the clock's window.
    let archived = "2014-01-01T00:00:00Z".parse().unwrap();
    import_review(&app, "her-archived", "DRAFT", archived).await;
    let id = import_review(&app, "her-archived", "PUBLISHED", archived).await;
    app.publications.announce(id).await.unwrap();
    let (message, _) = heard(&mut live, 2).await;
    assert_eq!(slug_of(&message), "her-archived");

    // Scheduled: the clock learns the instant at once, and wakes for it.
    let at = in_ms(1_000);
    let id = import_review(&app, "her-soon", "PUBLISHED", at).await;
    app.publications.announce(id).await.unwrap();
    assert_eq!(live.next_within(until(at, 50)).await, None);
    let (message, heard_at) = heard(&mut live, 2).await;
    assert_eq!(slug_of(&message), "her-soon");
    assert!(heard_at >= at, "heard at {heard_at}, before {at}");
}

async fn a_review_committed_after_its_time_is_still_announced(backend: Backend) {
    let app = app_with_clock(backend, FAST).await;
    let mut live = LiveSubscription::start(&app.address, PUBLISHED, json!({}), json!({})).await;
    // Its transaction chose its date a second before it committed, and the
    // clock has looked several times since that instant. No announcement.
    import_review(&app, "her-late", "PUBLISHED", in_ms(-1_000)).await;
    let (message, _) = heard(&mut live, 2).await;
    assert_eq!(slug_of(&message), "her-late");
}

async fn publish_review_announces_at_once_through_the_real_mutation(backend: Backend) {
    // A still clock: only `publishReview`'s announcement can bring it.
    let app = app_with_clock(backend, STILL).await;
    let draft = import_review(&app, "her-by-mutation", "DRAFT", in_ms(0)).await;
    let id = marquee_tests::marquee::graphql::ids::encode(
        marquee_tests::marquee::graphql::ids::Kind::Review,
        draft,
    );
    let mut live = LiveSubscription::start(&app.address, PUBLISHED, json!({}), json!({})).await;
    let editor = app.staff_token(entity::enums::Role::Editor, "Edna").await;
    let published = app
        .gql_as(
            &editor,
            "mutation ($id: ID!) { publishReview(id: $id) { review { status } errors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        published["data"]["publishReview"]["review"]["status"], "PUBLISHED",
        "{published}"
    );
    let (message, _) = heard(&mut live, 5).await;
    assert_eq!(slug_of(&message), "her-by-mutation");
}

backend_tests!(
    publish_review_announces_at_once_through_the_real_mutation,
    a_scheduled_review_is_announced_when_its_time_comes_and_not_before,
    a_draft_is_never_announced,
    a_publication_announced_by_its_mutation_arrives_at_once,
    a_review_committed_after_its_time_is_still_announced,
);

/// Several replicas on one database: PostgreSQL only (SQLite runs as one
/// process).
mod replicas {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs TEST_DATABASE_URL"]
    async fn every_replica_announces_a_scheduled_review_at_its_time() {
        let a = app_with_clock(Backend::postgres(), FAST).await;
        let b = spawn_app_on(&a.database_url, |s| s.publication_clock_ms = FAST).await;
        let mut on_a = LiveSubscription::start(&a.address, PUBLISHED, json!({}), json!({})).await;
        let mut on_b = LiveSubscription::start(&b.address, PUBLISHED, json!({}), json!({})).await;
        let at = in_ms(1_500);

        import_review(&a, "her-everywhere", "PUBLISHED", at).await;

        let ((on_a, heard_on_a), (on_b, heard_on_b)) =
            tokio::join!(heard(&mut on_a, 4), heard(&mut on_b, 4));
        assert_eq!(slug_of(&on_a), "her-everywhere");
        assert_eq!(slug_of(&on_b), "her-everywhere");
        assert!(heard_on_a >= at && heard_on_b >= at, "not before {at}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs TEST_DATABASE_URL"]
    async fn an_announcement_on_one_replica_reaches_every_replica_at_once() {
        let a = app_with_clock(Backend::postgres(), STILL).await;
        let b = spawn_app_on(&a.database_url, |s| s.publication_clock_ms = STILL).await;
        let mut on_a = LiveSubscription::start(&a.address, PUBLISHED, json!({}), json!({})).await;
        let mut on_b = LiveSubscription::start(&b.address, PUBLISHED, json!({}), json!({})).await;

        import_review(&a, "her-via-a", "DRAFT", in_ms(0)).await;
        let id = import_review(&a, "her-via-a", "PUBLISHED", in_ms(0)).await;
        a.publications.announce(id).await.unwrap();

        let ((on_a, _), (on_b, _)) = tokio::join!(heard(&mut on_a, 2), heard(&mut on_b, 2));
        assert_eq!(slug_of(&on_a), "her-via-a");
        assert_eq!(slug_of(&on_b), "her-via-a");
    }
}
