//! `search`: ranked full-text search over reviews, films and people, on
//! each database's own engine, kept current by every write.

use entity::enums::Role;
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app};
use serde_json::{Value, json};

const SEARCH: &str = r#"query ($q: String!, $kinds: [SearchKind!], $first: Int, $after: String) {
  search(query: $q, kinds: $kinds, first: $first, after: $after) {
    edges { cursor snippet score node {
      __typename
      ... on Review { slug headline }
      ... on Film { slug title }
      ... on Person { slug name }
    } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"#;

/// The hits for `q`, as `Kind:slug`, best first.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    found_as(app, None, q).await
}

async fn found_as(app: &TestApp, token: Option<&str>, q: &str) -> Vec<String> {
    let body = match token {
        Some(token) => app.gql_as(token, SEARCH, json!({ "q": q })).await,
        None => app.gql(SEARCH, json!({ "q": q })).await,
    };
    assert!(body.get("errors").is_none(), "{q:?}: {body:#}");
    keys(&body["data"]["search"])
}

fn keys(search: &Value) -> Vec<String> {
    search["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            format!(
                "{}:{}",
                n["__typename"].as_str().unwrap(),
                n["slug"].as_str().unwrap()
            )
        })
        .collect()
}

async fn the_demo_review_is_found_by_what_it_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let hits = found(&app, "operating system").await;
    assert_eq!(
        hits.first().map(String::as_str),
        Some("Review:her"),
        "{hits:?}"
    );
    assert!(
        hits.contains(&"Film:her".to_owned()),
        "the synopsis says it too: {hits:?}"
    );

    let hits = found(&app, "joaquin").await;
    assert!(
        hits.contains(&"Person:joaquin-phoenix".to_owned()),
        "{hits:?}"
    );
    assert!(hits.contains(&"Review:her".to_owned()), "{hits:?}");

    let hits = found(&app, "shanghai").await;
    assert!(hits.contains(&"Review:her".to_owned()), "{hits:?}");

    // Case, accents and stemming: "Loves" finds "love", "SHANGHÁI" finds
    // "Shanghai".
    assert!(
        found(&app, "Loves")
            .await
            .contains(&"Review:her".to_owned())
    );
    assert!(
        found(&app, "SHANGHÁI")
            .await
            .contains(&"Review:her".to_owned())
    );
    // Every word must match.
    assert_eq!(found(&app, "shanghai zzzyzx").await, Vec::<String>::new());
}

async fn a_hit_carries_a_highlighted_snippet_that_is_safe_html(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .data(
            SEARCH,
            json!({ "q": "operating system", "kinds": ["REVIEW"] }),
        )
        .await;
    let snippet = body["search"]["edges"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>operating</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>system"), "{snippet}");
    assert!(snippet.len() < 400, "a snippet is short: {snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!without_marks.contains('<'), "{snippet}");
    assert!(body["search"]["edges"][0]["score"].as_f64().unwrap() > 0.0);
}

async fn hostile_query_strings_are_text_never_syntax(backend: Backend) {
    let app = spawn_app(backend).await;
    for q in [
        "\"",
        "-",
        "*",
        ":",
        "(",
        ")",
        "NEAR",
        "AND",
        "OR",
        "NOT",
        "'",
        "\"shanghai",
        "shanghai*",
        "-shanghai",
        "title:shanghai",
        "(shanghai",
        "shanghai NEAR her",
        "\"operating\" AND -system* OR (:)",
        "\\",
        "%_",
        "",
        "   ",
        // Stop words alone: PostgreSQL drops them all.
        "the",
        "her",
        "the and of",
    ] {
        let body = app.gql(SEARCH, json!({ "q": q })).await;
        assert!(body.get("errors").is_none(), "{q:?}: {body}");
    }
    // Operators are read as words: these find what the words find.
    assert!(
        found(&app, "shanghai:")
            .await
            .contains(&"Review:her".to_owned())
    );
    assert!(
        found(&app, "(Shanghai)")
            .await
            .contains(&"Review:her".to_owned())
    );
    assert!(
        found(&app, "-shanghai*")
            .await
            .contains(&"Review:her".to_owned())
    );
    assert_eq!(found(&app, "\"(-*:)\"").await, Vec::<String>::new());
    // Too long is a clear error, not a 500.
    let long = app.gql(SEARCH, json!({ "q": "a".repeat(10_000) })).await;
    assert_eq!(error_codes(&long), ["BAD_USER_INPUT"]);
    let nul = app.gql(SEARCH, json!({ "q": "her\u{0}" })).await;
    assert_eq!(error_codes(&nul), ["BAD_USER_INPUT"]);
}

async fn drafts_are_found_by_editors_only_and_the_index_follows_every_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let film = app
        .gql_as(
            &editor,
            r#"mutation { createFilm(input: { title: "Quixotic Zephyr", synopsis: "A balloonist crosses the Andes." }) { film { id version } } }"#,
            json!({}),
        )
        .await["data"]["createFilm"]["film"]
        .clone();
    assert_eq!(found(&app, "zephyr").await, ["Film:quixotic-zephyr"]);
    assert_eq!(found(&app, "balloonists").await, ["Film:quixotic-zephyr"]);

    let review = app
        .gql_as(
            &editor,
            "mutation ($f: ID!) { createReview(input: { filmId: $f, headline: \"Up, up\", bodyMarkdown: \"Vertiginous *marvels* above the clouds.\" }) { review { id slug } } }",
            json!({ "f": film["id"] }),
        )
        .await["data"]["createReview"]["review"]
        .clone();
    assert_eq!(
        found(&app, "vertiginous").await,
        Vec::<String>::new(),
        "a draft"
    );
    assert_eq!(
        found_as(&app, Some(&editor), "vertiginous").await,
        ["Review:up-up"]
    );
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    app.gql_as(
        &editor,
        "mutation ($id: ID!, $at: DateTime) { publishReview(id: $id, at: $at) { errors { code } } }",
        json!({ "id": review["id"], "at": later }),
    )
    .await;
    assert_eq!(
        found(&app, "vertiginous").await,
        Vec::<String>::new(),
        "scheduled"
    );
    app.gql_as(
        &editor,
        "mutation ($id: ID!) { publishReview(id: $id) { errors { code } } }",
        json!({ "id": review["id"] }),
    )
    .await;
    assert_eq!(found(&app, "vertiginous").await, ["Review:up-up"]);

    // An edit is found at once; the old words are gone.
    let edited = app
        .gql_as(
            &editor,
            "mutation ($id: ID!) { updateReview(input: { id: $id, expectedVersion: 3, bodyMarkdown: \"Serene drifting.\", excerpt: \"Serene.\" }) { errors { code } review { version } } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(
        edited["data"]["updateReview"]["errors"],
        json!([]),
        "{edited}"
    );
    assert_eq!(found(&app, "vertiginous").await, Vec::<String>::new());
    assert_eq!(found(&app, "serene").await, ["Review:up-up"]);

    // Deleted, it is not found.
    app.gql_as(
        &editor,
        "mutation ($id: ID!) { deleteReview(input: { id: $id, expectedVersion: 4 }) { deletedId } }",
        json!({ "id": review["id"] }),
    )
    .await;
    assert_eq!(found(&app, "serene").await, Vec::<String>::new());

    // A person's name, folded; a merged-away duplicate is not found.
    let zoe = app
        .gql_as(
            &editor,
            r#"mutation { createPerson(input: { name: "Zoë Kravitz" }) { person { id } } }"#,
            json!({}),
        )
        .await["data"]["createPerson"]["person"]["id"]
        .clone();
    let twin = app
        .gql_as(
            &editor,
            r#"mutation { createPerson(input: { name: "Zoe Kravits" }) { person { id } } }"#,
            json!({}),
        )
        .await["data"]["createPerson"]["person"]["id"]
        .clone();
    assert_eq!(found(&app, "ZOE").await.len(), 2);
    app.gql_as(
        &editor,
        "mutation ($s: ID!, $d: ID!) { mergePeople(input: { survivorId: $s, survivorVersion: 1, duplicateId: $d, duplicateVersion: 1 }) { errors { code } } }",
        json!({ "s": zoe, "d": twin }),
    )
    .await;
    assert_eq!(found(&app, "zoe").await, ["Person:zoe-kravitz"]);

    // An import is indexed too.
    let content = marquee_tests::marquee::service::import::parse(
        "[[people]]\nslug = \"imported-ibex\"\nname = \"Ignatius Ibex\"\n",
    )
    .unwrap();
    marquee_tests::marquee::service::import::import(&app.db, &content)
        .await
        .unwrap();
    assert_eq!(found(&app, "ignatius").await, ["Person:imported-ibex"]);
}

async fn search_pages_with_cursors_and_narrows_by_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .data(SEARCH, json!({ "q": "joaquin", "first": 1 }))
        .await;
    let page = &first["search"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 1);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    let next = app
        .data(
            SEARCH,
            json!({ "q": "joaquin", "first": 1, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_ne!(keys(&next["search"]), keys(page));
    assert_eq!(next["search"]["pageInfo"]["hasPreviousPage"], true);
    // A search is dear in the cost budget: ranking reads every match.
    let costed = app.gql(SEARCH, json!({ "q": "joaquin", "first": 1 })).await;
    assert!(
        costed["extensions"]["cost"]["requested"].as_u64().unwrap() >= 500,
        "{costed}"
    );
    let people = app
        .data(SEARCH, json!({ "q": "joaquin", "kinds": ["PERSON"] }))
        .await;
    assert_eq!(keys(&people["search"]), ["Person:joaquin-phoenix"]);
    let bad = app
        .gql(SEARCH, json!({ "q": "joaquin", "after": "not-a-cursor" }))
        .await;
    assert_eq!(error_codes(&bad), ["INVALID_CURSOR"]);
}

backend_tests!(
    the_demo_review_is_found_by_what_it_says,
    a_hit_carries_a_highlighted_snippet_that_is_safe_html,
    hostile_query_strings_are_text_never_syntax,
    drafts_are_found_by_editors_only_and_the_index_follows_every_write,
    search_pages_with_cursors_and_narrows_by_kind,
);
