//! Relay pagination over a few hundred generated reviews: both directions,
//! stable cursors, limits.

use marquee_tests::{
    Backend, TestApp, backend_tests, error_codes, import_generated, spawn_app_with,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const TOTAL: usize = 230;

const PAGE: &str = r#"
query ($first: Int, $after: String, $last: Int, $before: String, $order: OrderDirection = DESC) {
  reviews(filter: { director: { name: "Page Turner" } }, orderBy: { direction: $order },
          first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}"#;

async fn page(app: &TestApp, vars: Value) -> Value {
    app.data(PAGE, vars).await["reviews"].clone()
}

fn slugs(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn arrange(backend: Backend) -> (TestApp, Vec<String>) {
    let app = spawn_app_with(backend, |s| s.no_demo_content = true).await;
    let oldest_first = import_generated(&app.db, "Page Turner", TOTAL, 1).await;
    (app, oldest_first)
}

async fn paging_forward_visits_every_review_once_newest_first(backend: Backend) {
    let (app, oldest_first) = arrange(backend).await;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let p = page(&app, json!({ "first": 40, "after": after })).await;
        assert_eq!(p["totalCount"], TOTAL);
        assert_eq!(p["pageInfo"]["hasPreviousPage"], json!(pages > 0));
        seen.extend(slugs(&p));
        pages += 1;
        if p["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
        assert!(pages < 20, "pagination must end");
    }
    let newest_first: Vec<String> = oldest_first.iter().rev().cloned().collect();
    assert_eq!(pages, TOTAL.div_ceil(40));
    assert_eq!(seen, newest_first);
}

async fn paging_backward_from_the_end_visits_the_same_reviews_in_reverse(backend: Backend) {
    let (app, oldest_first) = arrange(backend).await;
    let mut seen: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let p = page(&app, json!({ "last": 35, "before": before })).await;
        let mut batch = slugs(&p);
        batch.extend(seen);
        seen = batch;
        if p["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        before = p["pageInfo"]["startCursor"].clone();
    }
    let newest_first: Vec<String> = oldest_first.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
}

async fn ascending_order_is_the_reverse_of_the_default(backend: Backend) {
    let (app, oldest_first) = arrange(backend).await;
    let p = page(&app, json!({ "first": 10, "order": "ASC" })).await;
    assert_eq!(slugs(&p), oldest_first[..10].to_vec());
    let next = page(
        &app,
        json!({ "first": 10, "order": "ASC", "after": p["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(slugs(&next), oldest_first[10..20].to_vec());
}

async fn a_cursor_stays_valid_when_newer_reviews_arrive(backend: Backend) {
    let (app, _) = arrange(backend).await;
    let all = r#"query ($after: String) { reviews(first: 25, after: $after) {
        pageInfo { endCursor } edges { cursor node { slug } } } }"#;
    let first = app.data(all, json!({})).await["reviews"].clone();
    let cursor = first["pageInfo"]["endCursor"].clone();
    let second = app.data(all, json!({ "after": cursor })).await["reviews"].clone();

    // Five newer reviews land at the head of the list.
    let newer = import_generated(&app.db, "Late Arrival", 5, 0).await;
    entity::review::Entity::update_many()
        .col_expr(
            entity::review::Column::PublishedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(entity::review::Column::Slug.is_in(newer.clone()))
        .exec(&app.db)
        .await
        .unwrap();
    let head = app.data(all, json!({})).await["reviews"].clone();
    let again = app.data(all, json!({ "after": cursor })).await["reviews"].clone();

    assert!(
        newer.contains(&slugs(&head)[0]),
        "the newest review leads the list"
    );
    assert_eq!(
        slugs(&again),
        slugs(&second),
        "the page after a cursor does not shift"
    );
    assert_eq!(
        again["edges"][0]["cursor"], second["edges"][0]["cursor"],
        "cursors are stable"
    );
}

async fn a_page_size_above_one_hundred_is_refused_with_a_code(backend: Backend) {
    let (app, _) = arrange(backend).await;
    for vars in [
        json!({ "first": 101 }),
        json!({ "last": 500 }),
        json!({ "first": -1 }),
    ] {
        let body = app.gql(PAGE, vars.clone()).await;
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{vars}");
        assert!(body["errors"][0]["message"].as_str().unwrap().len() > 10);
    }
    let ok = page(&app, json!({ "first": 100 })).await;
    assert_eq!(slugs(&ok).len(), 100);
}

async fn a_forged_cursor_is_refused_with_a_code(backend: Backend) {
    let (app, _) = arrange(backend).await;
    for cursor in ["not-a-cursor", "dHx4fHk", "", "%%%"] {
        let body = app.gql(PAGE, json!({ "first": 5, "after": cursor })).await;
        assert_eq!(error_codes(&body), vec!["INVALID_CURSOR"], "{cursor:?}");
    }
}

async fn a_persons_reviews_page_the_same_way(backend: Backend) {
    let (app, oldest_first) = arrange(backend).await;
    let query = r#"query ($after: String) { person(slug: "gen-page-turner") {
        reviews(role: DIRECTOR, first: 100, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { slug } }
        } } }"#;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(query, json!({ "after": after })).await;
        let conn = &data["person"]["reviews"];
        assert_eq!(conn["totalCount"], TOTAL);
        seen.extend(slugs(conn));
        if conn["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let newest_first: Vec<String> = oldest_first.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
}

backend_tests!(
    paging_forward_visits_every_review_once_newest_first,
    paging_backward_from_the_end_visits_the_same_reviews_in_reverse,
    ascending_order_is_the_reverse_of_the_default,
    a_cursor_stays_valid_when_newer_reviews_arrive,
    a_page_size_above_one_hundred_is_refused_with_a_code,
    a_forged_cursor_is_refused_with_a_code,
    a_persons_reviews_page_the_same_way,
);
