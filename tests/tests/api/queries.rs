//! Reads: statement counts that do not grow with page size, node lookups,
//! and the person page.

use marquee_tests::{Backend, TestApp, backend_tests, import_generated, spawn_app, spawn_app_with};
use serde_json::{Value, json};

/// The README's headline query: reviews by director, each with its film,
/// director and cast.
pub const BY_DIRECTOR: &str = r#"
query ($name: String!, $first: Int!) {
  reviews(filter: { director: { name: $name } }, first: $first) {
    edges { node {
      headline
      film { title directors { name } cast { character person { name } } }
    } }
  }
}"#;

/// Runs `query` and returns the SQL statements it cost.
async fn statements(app: &TestApp, query: &str, variables: Value) -> u64 {
    let before = app.statements.get();
    app.data(query, variables).await;
    app.statements.get() - before
}

async fn the_statement_count_does_not_grow_with_the_page_size(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.no_demo_content = true).await;
    import_generated(&app.db, "Busy Director", 100, 4).await;

    let mut counts = Vec::new();
    for first in [1, 5, 20, 60, 100] {
        let variables = json!({ "name": "Busy Director", "first": first });
        let before = app.statements.get();
        let data = app.data(BY_DIRECTOR, variables).await;
        let n = app.statements.get() - before;
        let edges = data["reviews"]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), first, "a full page of the director's reviews");
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["film"]["directors"][0]["name"] == "Busy Director"),
            "{data}"
        );
        counts.push((first, n));
    }
    eprintln!("SQL statements per request (page size, statements): {counts:?}");
    assert!(counts.iter().all(|(_, n)| *n == counts[0].1), "{counts:?}");
    assert!(counts[0].1 <= 2, "{counts:?}");
}

async fn a_list_reads_bodies_only_when_asked_and_never_serves_them_blank(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .data(r#"{ review(slug: "her") { bodyMarkdown } }"#, json!({}))
        .await["review"]["bodyMarkdown"]
        .as_str()
        .expect("the demo review has a body")
        .to_owned();
    assert!(!body.is_empty());

    // Asked for directly, and through a fragment: read with the page, in
    // its statements (a body the look-ahead missed would cost another).
    let direct = r#"{ reviews(first: 5) { edges { node { slug bodyMarkdown film { title directors { name } } } } } }"#;
    let fragment = r#"{ reviews(first: 5) { nodes { slug film { title } ...Body } } }
        fragment Body on Review { bodyHtml }"#;
    for query in [direct, fragment] {
        let before = app.statements.get();
        let data = app.data(query, json!({})).await;
        let used = app.statements.get() - before;
        let reviews = &data["reviews"];
        let node = reviews["edges"]
            .get(0)
            .map(|e| &e["node"])
            .unwrap_or(&reviews["nodes"][0]);
        assert_eq!(node["slug"], "her", "{data}");
        match node.get("bodyMarkdown") {
            Some(markdown) => assert_eq!(markdown.as_str(), Some(body.as_str())),
            None => assert!(
                node["bodyHtml"]
                    .as_str()
                    .is_some_and(|h| h.len() > body.len() / 2),
                "{data}"
            ),
        }
        assert!(used <= 2, "{used} statements for {query}");
    }
}

async fn nested_pages_are_batched_across_parents(backend: Backend) {
    // People each with a page of reviews, each review with a page of comments.
    let app = spawn_app_with(backend, |s| s.no_demo_content = true).await;
    import_generated(&app.db, "Nested One", 30, 3).await;
    let query = r#"query ($first: Int!) { people(first: $first) { edges { node {
        name reviews(first: 5) { totalCount edges { node { headline commentCount comments(first: 3) { edges { node { body } } } } } }
    } } } }"#;
    let small = statements(&app, query, json!({ "first": 1 })).await;
    let large = statements(&app, query, json!({ "first": 4 })).await;
    assert_eq!(
        small, large,
        "one statement per relation, whatever the page sizes"
    );
}

async fn any_object_can_be_refetched_by_its_global_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ review(slug: "her") { id film { id cast { id } } comparisons { id } comments { edges { node { id } } } } }"#,
            json!({}),
        )
        .await;
    let review = &data["review"];
    let ids = vec![
        review["id"].clone(),
        review["film"]["id"].clone(),
        review["film"]["cast"][0]["id"].clone(),
        review["comparisons"][0]["id"].clone(),
        review["comments"]["edges"][0]["node"]["id"].clone(),
    ];
    let nodes = app
        .data(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
        )
        .await;
    let types: Vec<&str> = nodes["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["Review", "Film", "Credit", "Comparison", "Comment"]
    );
    for (node, id) in nodes["nodes"].as_array().unwrap().iter().zip(&ids) {
        assert_eq!(&node["id"], id);
    }
    let by_id = app
        .data(
            "query ($id: ID!) { review(id: $id) { slug } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(by_id["review"]["slug"], "her");
}

async fn a_person_page_needs_one_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ person(slug: "scarlett-johansson") {
                name
                credits { role character voice film { title } }
                reviews(role: ACTOR) { totalCount edges { node { headline film { title } } } }
                directing: reviews(role: DIRECTOR) { totalCount }
            } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["person"],
        json!({
            "name": "Scarlett Johansson",
            "credits": [{ "role": "ACTOR", "character": "Samantha", "voice": true, "film": { "title": "Her" } }],
            "reviews": { "totalCount": 1, "edges": [{ "node": { "headline": "Her", "film": { "title": "Her" } } }] },
            "directing": { "totalCount": 0 },
        })
    );
}

async fn drafts_and_scheduled_reviews_are_never_public(backend: Backend) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = spawn_app(backend).await;
    let film = entity::film::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    for (slug, status, published_at) in [
        (
            "a-draft",
            entity::enums::ReviewStatus::Draft,
            Some(now - chrono::Duration::days(1)),
        ),
        (
            "scheduled",
            entity::enums::ReviewStatus::Published,
            Some(now + chrono::Duration::days(7)),
        ),
    ] {
        entity::review::ActiveModel {
            slug: Set(slug.into()),
            film_id: Set(film.id),
            headline: Set(slug.into()),
            body_markdown: Set("Hidden.".into()),
            excerpt: Set("Hidden.".into()),
            status: Set(status),
            published_at: Set(published_at),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let data = app
        .data(
            r#"{ reviews { totalCount edges { node { slug } } }
                 draft: review(slug: "a-draft") { slug } scheduled: review(slug: "scheduled") { slug }
                 film(slug: "her") { reviews { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["reviews"]["totalCount"], 1);
    assert_eq!(data["draft"], Value::Null);
    assert_eq!(data["scheduled"], Value::Null);
    assert_eq!(data["film"]["reviews"], json!([{ "slug": "her" }]));
}

backend_tests!(
    the_statement_count_does_not_grow_with_the_page_size,
    a_list_reads_bodies_only_when_asked_and_never_serves_them_blank,
    nested_pages_are_batched_across_parents,
    any_object_can_be_refetched_by_its_global_id,
    a_person_page_needs_one_request,
    drafts_and_scheduled_reviews_are_never_public,
);
