//! Content import is idempotent: importing the same file again changes nothing.

use marquee_tests::marquee::service::import::{self, DEMO_CONTENT, ImportReport};
use marquee_tests::{Backend, backend_tests, spawn_app, spawn_app_with};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, JsonValue, PaginatorTrait, Statement,
};

/// Every row of every content table, as JSON, in id order.
async fn snapshot(db: &DatabaseConnection) -> Vec<JsonValue> {
    let mut rows = Vec::new();
    for table in [
        "film",
        "person",
        "credit",
        "film_location",
        "review",
        "comment",
        "comparison",
    ] {
        let stmt = Statement::from_string(
            db.get_database_backend(),
            format!("SELECT * FROM {table} ORDER BY id"),
        );
        for row in db.query_all_raw(stmt).await.unwrap() {
            rows.push(JsonValue::from(format!("{table}: {row:?}")));
        }
    }
    rows
}

async fn importing_the_demo_content_twice_changes_nothing(backend: Backend) {
    // Arrange: the server loaded the demo content at start.
    let app = spawn_app(backend).await;
    let before = snapshot(&app.db).await;
    assert!(before.len() > 20);
    // Act
    let content = import::parse(DEMO_CONTENT).unwrap();
    let report = import::import(&app.db, &content).await.unwrap();
    // Assert
    assert_eq!(
        report,
        ImportReport {
            created: 0,
            updated: 0,
            unchanged: report.unchanged
        }
    );
    assert_eq!(snapshot(&app.db).await, before);
}

async fn the_demo_content_can_be_turned_off_and_imported_later(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.no_demo_content = true).await;
    assert_eq!(
        entity::film::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    let content = import::parse(DEMO_CONTENT).unwrap();
    let first = import::import(&app.db, &content).await.unwrap();
    assert!(first.created > 20);
    assert_eq!(first.updated, 0);
    assert!(!app.her_review_id().await.is_empty());
}

async fn a_changed_field_is_updated_in_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let edited = DEMO_CONTENT.replace("title = \"All Is Lost\"", "title = \"All Is Lost (2013)\"");
    let report = import::import(&app.db, &import::parse(&edited).unwrap())
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 1));
    let data = app
        .data(
            r#"{ film(slug: "all-is-lost") { title } }"#,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(data["film"]["title"], "All Is Lost (2013)");
}

backend_tests!(
    importing_the_demo_content_twice_changes_nothing,
    the_demo_content_can_be_turned_off_and_imported_later,
    a_changed_field_is_updated_in_place,
);
