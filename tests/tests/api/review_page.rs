//! The review page (issue 8): at most two statements whatever its page
//! sizes, and the same answers as the loaders give.

use chrono::{Duration, TimeZone, Utc};
use entity::enums::CommentStatus;
use entity::{comment, comparison, film, person, review};
use marquee_tests::{Backend, TestApp, backend_tests, spawn_app};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// The benchmark's review page.
const BENCH_PAGE: &str = include_str!("../../../bench/queries/review.graphql");

/// Runs `query` and returns the SQL statements it cost, and its data.
async fn run(app: &TestApp, query: &str, variables: Value) -> (u64, Value) {
    let before = app.statements.get();
    let data = app.data(query, variables).await;
    (app.statements.get() - before, data)
}

/// Adds to the demo review of "Her": 25 approved top-level comments (two
/// posted at the same instant), held and spam ones, 12 approved replies
/// (and a held one) under each of the first three, and comparisons drawn
/// by comments and replies.
async fn seed(app: &TestApp) {
    let db = &app.db;
    let her = review::Entity::find()
        .filter(review::Column::Slug.eq("her"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let gravity = film::Entity::find()
        .filter(film::Column::Slug.eq("gravity"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let bullock = person::Entity::find()
        .filter(person::Column::Slug.eq("sandra-bullock"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let base = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap() + Duration::microseconds(250);
    let insert = |parent: Option<i32>, n: i64, status: CommentStatus, at| comment::ActiveModel {
        review_id: Set(her.id),
        parent_id: Set(parent),
        author_name: Set(format!("Reader {n}")),
        author_email: Set(Some(format!("reader{n}@example.org"))),
        author_url: Set((n % 3 == 0).then(|| format!("https://example.org/{n}"))),
        body: Set(format!("Comment {n}.\n\nWith a second paragraph.")),
        status: Set(status),
        client_ip_hash: Set(Some("secret-hash".into())),
        user_agent: Set(Some("Secret Agent".into())),
        depth: Set(if parent.is_some() { 1 } else { 0 }),
        created_at: Set(at),
        updated_at: Set(at + Duration::seconds(n)),
        ..Default::default()
    };
    let compare = |comment_id: i32, position: i32| comparison::ActiveModel {
        comment_id: Set(Some(comment_id)),
        film_id: Set(gravity.id),
        person_id: Set((position == 0).then_some(bullock.id)),
        note: Set(format!("Comparison {position} of comment {comment_id}")),
        recommended: Set(position == 0),
        position: Set(position),
        created_at: Set(base),
        ..Default::default()
    };
    let mut top = Vec::new();
    for n in 0..25 {
        // Comments 5 and 6 share an instant: the id breaks the tie.
        let at = base + Duration::minutes(if n == 6 { 5 } else { n });
        let c = insert(None, n, CommentStatus::Approved, at)
            .insert(db)
            .await
            .unwrap();
        top.push(c.id);
    }
    for (n, status) in [
        (100, CommentStatus::Pending),
        (101, CommentStatus::Spam),
        (102, CommentStatus::Trash),
    ] {
        insert(None, n, status, base + Duration::minutes(3))
            .insert(db)
            .await
            .unwrap();
    }
    for (i, &parent) in top.iter().take(3).enumerate() {
        for r in 0..12 {
            let n = 1000 + 100 * i as i64 + r;
            let at = base + Duration::hours(1) + Duration::minutes(r);
            let reply = insert(Some(parent), n, CommentStatus::Approved, at)
                .insert(db)
                .await
                .unwrap();
            if r % 4 == 1 {
                compare(reply.id, 0).insert(db).await.unwrap();
            }
        }
        insert(Some(parent), 1999, CommentStatus::Pending, base)
            .insert(db)
            .await
            .unwrap();
    }
    for &c in top.iter().step_by(4) {
        compare(c, 1).insert(db).await.unwrap();
        compare(c, 0).insert(db).await.unwrap();
    }
}

/// A review page with every page size and order a variable.
const SELECTION: &str = r#"
  id slug headline byline publishedAt updatedAt verdict excerpt bodyHtml bodyMarkdown
  poster { url alt }
  film {
    id slug title releaseYear synopsis createdAt updatedAt
    directors { id slug name }
    writers { name }
    cast { id role character characterNote voice billingOrder person { id name slug } }
    crew { role job person { name } }
    credits(role: WRITER) { id role }
    filmingLocations { place area standsInFor filmId }
  }
  comparisons { id note recommended position film { id title releaseYear } person { id name } }
  commentCount
  comments(first: $first, after: $after, last: $last, before: $before, order: $order, layout: $layout) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      id authorName authorUrl body bodyHtml status createdAt updatedAt
      parent { id }
      review { slug }
      comparisons { id note recommended position film { title } person { name } }
      replies(first: $replies, order: $replyOrder) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { node { id authorName bodyHtml createdAt updatedAt parent { id } comparisons { note film { slug } person { slug } } } }
      }
    } }
  }
  oldest: comments(first: 2) { nodes { id } }
  commentPolicy { open requiredFields optionalFields notice limits { bodyMaxBytes } }
"#;

const VARIABLES: &str = "$first: Int, $after: String, $last: Int, $before: String, \
    $order: OrderDirection = ASC, $layout: CommentLayout = THREADED, \
    $replies: Int = 10, $replyOrder: OrderDirection = ASC";

fn by_slug() -> String {
    format!("query ($slug: String!, {VARIABLES}) {{ review(slug: $slug) {{ {SELECTION} }} }}")
}

/// The same selection through `node(id:)`, which resolves every relation
/// through the loaders.
fn through_loaders() -> String {
    format!(
        "query ($id: ID!, {VARIABLES}) {{ node(id: $id) {{ ... on Review {{ {SELECTION} }} }} }}"
    )
}

async fn the_benchmark_review_page_runs_in_at_most_two_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    seed(&app).await;
    let (n, data) = run(&app, BENCH_PAGE, json!({ "slug": "her" })).await;
    let page = &data["review"];
    assert_eq!(page["commentCount"], 26 + 36, "{page}");
    let edges = page["comments"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 20);
    assert_eq!(page["comments"]["pageInfo"]["hasNextPage"], true);
    // The demo comment, then readers 0, 1, 2 with their replies.
    assert_eq!(
        edges[0]["node"]["comparisons"][0]["film"]["title"],
        "Lars and the Real Girl"
    );
    assert_eq!(
        edges[1]["node"]["replies"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(edges[4]["node"]["replies"]["edges"], json!([]));
    assert!(!page["film"]["cast"].as_array().unwrap().is_empty());
    assert_eq!(page["comparisons"].as_array().unwrap().len(), 2);
    assert!(n <= 2, "the review page took {n} statements");
}

async fn the_review_page_statement_count_does_not_grow_with_page_sizes(backend: Backend) {
    let app = spawn_app(backend).await;
    seed(&app).await;
    let mut counts = Vec::new();
    let query = BENCH_PAGE
        .replace(
            "($slug: String!)",
            "($slug: String!, $first: Int!, $replies: Int!)",
        )
        .replace("comments(first: 20)", "comments(first: $first)")
        .replace("replies(first: 10)", "replies(first: $replies)");
    for (first, replies) in [(1, 1), (5, 3), (20, 10), (40, 20)] {
        let vars = json!({ "slug": "her", "first": first, "replies": replies });
        let (n, data) = run(&app, &query, vars).await;
        assert_eq!(
            data["review"]["comments"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            first.min(26)
        );
        counts.push(((first, replies), n));
    }
    eprintln!("SQL statements per review page ((comments, replies), statements): {counts:?}");
    assert!(counts.iter().all(|(_, n)| *n == counts[0].1), "{counts:?}");
    assert!(counts[0].1 <= 2, "{counts:?}");
}

async fn the_review_page_answers_as_the_loaders_do(backend: Backend) {
    let app = spawn_app(backend).await;
    seed(&app).await;
    let id = app
        .data(r#"{ review(slug: "her") { id } }"#, json!({}))
        .await["review"]["id"]
        .clone();
    let first_page = app
        .data(&by_slug(), json!({ "slug": "her", "first": 7 }))
        .await;
    let end = first_page["review"]["comments"]["pageInfo"]["endCursor"].clone();
    let cases = [
        json!({}),
        json!({ "first": 20, "replies": 10 }),
        json!({ "first": 1, "replies": 1 }),
        json!({ "first": 5, "after": end, "replies": 3, "replyOrder": "DESC" }),
        json!({ "last": 4, "replies": 2 }),
        json!({ "last": 3, "before": end }),
        json!({ "first": 6, "order": "DESC" }),
        json!({ "first": 30, "layout": "FLAT", "replies": 0 }),
        json!({ "first": 0 }),
    ];
    for vars in cases {
        let mut page_vars = vars.clone();
        page_vars["slug"] = json!("her");
        let (n, page) = run(&app, &by_slug(), page_vars).await;
        let mut node_vars = vars.clone();
        node_vars["id"] = id.clone();
        let node = app.data(&through_loaders(), node_vars).await;
        assert_eq!(page["review"], node["node"], "variables: {vars}");
        assert!(n <= 2, "{n} statements for {vars}");
        let text = page.to_string();
        assert!(!text.contains("@example.org"));
        assert!(!text.contains("secret-hash") && !text.contains("Secret Agent"));
    }
}

async fn a_review_page_without_relations_is_one_statement(backend: Backend) {
    let app = spawn_app(backend).await;
    let (n, data) = run(
        &app,
        r#"{ review(slug: "her") { headline commentPolicy { open } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(data["review"]["headline"], "Her");
    assert_eq!(n, 1);
    let (n, data) = run(
        &app,
        r#"{ review(slug: "no-such-review") { headline film { title } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(data["review"], Value::Null);
    assert_eq!(n, 1);
}

backend_tests!(
    the_benchmark_review_page_runs_in_at_most_two_statements,
    the_review_page_statement_count_does_not_grow_with_page_sizes,
    the_review_page_answers_as_the_loaders_do,
    a_review_page_without_relations_is_one_statement,
);
