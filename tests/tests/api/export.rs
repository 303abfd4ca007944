//! `marquee export`: what it writes, `marquee import` reads back whole, on
//! each backend and from SQLite into PostgreSQL. (`api/tests/cli.rs` runs
//! the same through the `marquee` binary.)

use entity::enums::Role;
use marquee_tests::content::{
    EXTRA_CONTENT, EXTRA_EMAILS, assert_same_content, content_rows,
    store_text_an_import_would_clean,
};
use marquee_tests::marquee::service::export::{self, Options};
use marquee_tests::marquee::service::import::{self, ImportReport};
use marquee_tests::{Backend, TestApp, backend_tests, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// The emails of the comments posted through the API in [`arrange`].
const API_EMAILS: &[&str] = &["ada@example.org", "bo@example.org", "cy@example.org"];

const MODERATE: &str = "mutation ($id: ID!, $status: CommentStatus!) { moderateComment(input: { id: $id, status: $status }) { previousStatus } }";

/// The demo content, [`EXTRA_CONTENT`], text an import would clean, and
/// comments posted through the API (so they carry what only the API
/// stores: a client's idempotency key, the request and client hashes, the
/// user agent and the owner token's hash): an approved one with a reply,
/// and one marked spam.
async fn arrange(app: &TestApp) {
    import::import(&app.db, &import::parse(EXTRA_CONTENT).unwrap())
        .await
        .unwrap();
    store_text_an_import_would_clean(&app.db).await;

    let review = app.her_review_id().await;
    let post = |input: Value| async move {
        let payload = app
            .add_comment_with(input, &[("user-agent", "ExportTest/1.0")])
            .await;
        assert_eq!(payload["errors"], json!([]), "{payload}");
        payload["comment"]["id"].as_str().unwrap().to_owned()
    };
    let first = post(json!({
        "reviewId": review, "authorName": "Ada", "authorEmail": API_EMAILS[0],
        "authorUrl": "https://ada.example.org", "body": "Posted with a key.",
        "idempotencyKey": "0b9c6a4e-5f2d-4d3a-9a57-2f1c0e8d7b11",
    }))
    .await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    app.approve(&moderator, &first).await;
    post(json!({
        "reviewId": review, "parentId": first, "authorName": "Bo",
        "authorEmail": API_EMAILS[1], "body": "A reply, posted without a key.",
    }))
    .await;
    let spam = post(json!({
        "reviewId": review, "authorName": "Cy", "authorEmail": API_EMAILS[2],
        "body": "Cheap watches, this way.",
    }))
    .await;
    let body = app
        .gql_as(
            &moderator,
            MODERATE,
            json!({ "id": spam, "status": "SPAM" }),
        )
        .await;
    assert_eq!(
        body["data"]["moderateComment"]["previousStatus"], "PENDING",
        "{body}"
    );
}

/// The export of `app`'s database, as text.
async fn export_text(app: &TestApp, options: Options) -> String {
    let mut out = Vec::new();
    export::export(&app.db, &mut out, options).await.unwrap();
    String::from_utf8(out).unwrap()
}

/// Imports `text` into a fresh, empty database on `backend`.
async fn import_into_empty(backend: Backend, text: &str) -> TestApp {
    let target = spawn_app_with(backend, |s| s.no_demo_content = true).await;
    let report = import::import(&target.db, &import::parse(text).unwrap())
        .await
        .unwrap();
    assert_eq!((report.updated, report.unchanged), (0, 0), "{report:?}");
    target
}

async fn export_then_import_into_an_empty_database_gives_back_every_row(backend: Backend) {
    // Arrange
    let source = spawn_app(backend.clone()).await;
    arrange(&source).await;
    let before = content_rows(&source.db).await;

    // Act
    let text = export_text(
        &source,
        Options {
            include_private: true,
        },
    )
    .await;
    let target = import_into_empty(backend, &text).await;

    // Assert: every row, and importing the file again changes nothing.
    assert_same_content(&before, &content_rows(&target.db).await);
    let again = import::import(&target.db, &import::parse(&text).unwrap())
        .await
        .unwrap();
    assert_eq!(
        again,
        ImportReport {
            unchanged: again.unchanged,
            ..Default::default()
        }
    );
    // The moved database exports the same people, films and reviews.
    let moved = export_text(
        &target,
        Options {
            include_private: true,
        },
    )
    .await;
    let head = |t: &str| t[..t.find("\n[[reviews]]").unwrap()].to_owned();
    assert_eq!(head(&moved), head(&text));
}

async fn an_export_without_private_fields_names_no_email(backend: Backend) {
    // Arrange
    let app = spawn_app(backend.clone()).await;
    arrange(&app).await;

    // Act
    let public = export_text(&app, Options::default()).await;
    let private = export_text(
        &app,
        Options {
            include_private: true,
        },
    )
    .await;

    // Assert: the private export has the emails, the public one no email
    // and no other private field, and it still imports.
    for email in EXTRA_EMAILS.iter().chain(API_EMAILS) {
        assert!(private.contains(email), "{email} is in the private export");
    }
    assert!(!public.contains('@'), "{public}");
    for field in [
        "author_email",
        "idempotency_key",
        "request_hash",
        "client_ip_hash",
        "user_agent",
        "owner_token_hash",
    ] {
        assert!(private.contains(field), "{field} is in the private export");
        assert!(!public.contains(field), "{field} is in the public export");
    }
    let target = import_into_empty(backend, &public).await;
    let comments = |rows: &[String]| rows.iter().filter(|r| r.starts_with("comment:")).count();
    assert_eq!(
        comments(&content_rows(&target.db).await),
        comments(&content_rows(&app.db).await)
    );
}

backend_tests!(
    export_then_import_into_an_empty_database_gives_back_every_row,
    an_export_without_private_fields_names_no_email,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL"]
async fn a_sqlite_export_imports_into_postgresql_unchanged() {
    // Arrange
    let source = spawn_app(Backend::Sqlite).await;
    arrange(&source).await;

    // Act
    let text = export_text(
        &source,
        Options {
            include_private: true,
        },
    )
    .await;
    let target = import_into_empty(Backend::postgres(), &text).await;

    // Assert
    assert_same_content(
        &content_rows(&source.db).await,
        &content_rows(&target.db).await,
    );
}
