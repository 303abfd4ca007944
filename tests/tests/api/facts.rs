//! Every query under "Queries this content must answer" in the seed's
//! FACTS.md, and every fact of the demo review, through the API.

use marquee_tests::{Backend, backend_tests, spawn_app};
use serde_json::{Value, json};

const BY_CREDIT: &str = r#"
query ($filter: ReviewFilter) {
  reviews(filter: $filter) { totalCount edges { node { slug headline film { title } } } }
}"#;

async fn review_slugs(app: &marquee_tests::TestApp, filter: Value) -> Vec<String> {
    let data = app.data(BY_CREDIT, json!({ "filter": filter })).await;
    let slugs: Vec<String> = data["reviews"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        data["reviews"]["totalCount"],
        json!(slugs.len()),
        "totalCount matches"
    );
    slugs
}

async fn reviews_of_films_directed_by_spike_jonze_are_the_her_review(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    // Act
    let by_name = review_slugs(&app, json!({ "director": { "name": "Spike Jonze" } })).await;
    let by_slug = review_slugs(&app, json!({ "director": { "slug": "spike-jonze" } })).await;
    // Assert
    assert_eq!(by_name, vec!["her"]);
    assert_eq!(by_slug, vec!["her"]);
}

async fn reviews_of_films_each_cast_member_acts_in_are_the_her_review(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in [
        "Scarlett Johansson",
        "scarlett johansson",
        "Joaquin Phoenix",
        "Rooney Mara",
    ] {
        let slugs = review_slugs(&app, json!({ "actor": { "name": name } })).await;
        assert_eq!(slugs, vec!["her"], "actor {name}");
    }
}

async fn sandra_bullock_acts_in_no_reviewed_film_but_is_compared_to_in_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let acting = review_slugs(&app, json!({ "actor": { "name": "Sandra Bullock" } })).await;
    assert!(
        acting.is_empty(),
        "Sandra Bullock appears only in a comparison"
    );
    let comparing = review_slugs(
        &app,
        json!({ "comparesToPerson": { "name": "Sandra Bullock" } }),
    )
    .await;
    assert_eq!(comparing, vec!["her"]);
    let to_gravity = review_slugs(&app, json!({ "comparesToFilm": { "slug": "gravity" } })).await;
    assert_eq!(to_gravity, vec!["her"]);
}

async fn spike_jonzes_filmography_lists_each_film_with_its_reviews(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ person(slug: "spike-jonze") {
                name
                filmography(role: DIRECTOR) { title releaseYear reviews { slug } }
                writing: filmography(role: WRITER) { title }
            } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["person"]["filmography"],
        json!([
            { "title": "Being John Malkovich", "releaseYear": 1999, "reviews": [] },
            { "title": "Adaptation.", "releaseYear": 2002, "reviews": [] },
            { "title": "Where the Wild Things Are", "releaseYear": 2009, "reviews": [] },
            { "title": "Her", "releaseYear": 2013, "reviews": [{ "slug": "her" }] },
        ])
    );
    assert_eq!(data["person"]["writing"], json!([{ "title": "Her" }]));
}

async fn the_review_page_has_every_fact_of_the_published_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ review(slug: "her") {
                headline byline verdict excerpt bodyMarkdown bodyHtml publishedAt
                poster { url alt }
                film {
                    title releaseYear
                    directors { name } writers { name }
                    cast { character characterNote voice billingOrder person { name } }
                    filmingLocations { place area standsInFor }
                }
                comparisons { note recommended position film { title releaseYear } person { name } }
                commentCount
                comments { totalCount edges { node {
                    authorName authorUrl body status
                    comparisons { note recommended film { title releaseYear } person { name } }
                } } }
                commentPolicy { open requiredFields optionalFields emailPublished notice }
            } }"#,
            json!({}),
        )
        .await;
    let review = &data["review"];
    assert_eq!(review["headline"], "Her");
    assert_eq!(review["poster"]["url"], "/media/her-movie-poster.jpg");
    assert_eq!(review["poster"]["alt"], "her-movie-poster");
    assert_eq!(
        review["verdict"],
        "A great date movie or a good chicks’ dinner and movie night."
    );

    let body = review["bodyMarkdown"].as_str().unwrap();
    let paragraphs: Vec<&str> = body.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 5, "the body keeps its five paragraphs");
    assert!(paragraphs[0].starts_with("Her is really all about him"));
    assert!(paragraphs[4].starts_with("One word of warning for my Chinese friends"));
    assert_eq!(
        review["bodyHtml"].as_str().unwrap().matches("<p>").count(),
        5
    );

    let film = &review["film"];
    assert_eq!(film["title"], "Her");
    assert_eq!(film["releaseYear"], 2013);
    assert_eq!(film["directors"], json!([{ "name": "Spike Jonze" }]));
    assert_eq!(film["writers"], json!([{ "name": "Spike Jonze" }]));
    assert_eq!(
        film["cast"],
        json!([
            { "character": "Theodore Twombly", "characterNote": null, "voice": false, "billingOrder": 0,
              "person": { "name": "Joaquin Phoenix" } },
            { "character": "Samantha", "characterNote": "Theodore's operating system", "voice": true,
              "billingOrder": 1, "person": { "name": "Scarlett Johansson" } },
            { "character": "Catherine", "characterNote": "Theodore's ex-wife", "voice": false,
              "billingOrder": 2, "person": { "name": "Rooney Mara" } },
        ])
    );
    assert_eq!(
        film["filmingLocations"],
        json!([
            { "place": "Shanghai", "area": "Xujiahui", "standsInFor": "Los Angeles, in the near future" },
            { "place": "Shanghai", "area": "Pudong", "standsInFor": "Los Angeles, in the near future" },
        ])
    );

    let comparisons = review["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 2);
    assert_eq!(
        comparisons[0]["film"],
        json!({ "title": "Gravity", "releaseYear": 2013 })
    );
    assert_eq!(
        comparisons[0]["person"],
        json!({ "name": "Sandra Bullock" })
    );
    assert_eq!(
        comparisons[1]["film"],
        json!({ "title": "All Is Lost", "releaseYear": 2013 })
    );
    assert_eq!(
        comparisons[1]["person"],
        json!({ "name": "Robert Redford" })
    );
    for c in comparisons {
        assert!(c["note"].as_str().unwrap().contains("on screen alone"));
    }

    // "One thought on “Her”".
    assert_eq!(review["commentCount"], 1);
    assert_eq!(review["comments"]["totalCount"], 1);
    let comment = &review["comments"]["edges"][0]["node"];
    assert_eq!(comment["authorName"], "Mainstream Chick");
    assert_eq!(comment["status"], "APPROVED");
    let text = comment["body"].as_str().unwrap();
    assert!(
        text.contains("sweet and believable… sort of like"),
        "clean UTF-8: {text}"
    );
    assert!(
        !text.contains('‚') && !text.contains('Ķ'),
        "no mojibake left"
    );
    assert_eq!(
        comment["comparisons"],
        json!([{
            "note": "A relationship movie that somehow manages to be sweet and believable…",
            "recommended": true,
            "film": { "title": "Lars and the Real Girl", "releaseYear": 2007 },
            "person": null,
        }])
    );

    assert_eq!(
        review["commentPolicy"],
        json!({
            "open": true,
            "requiredFields": ["AUTHOR_NAME", "AUTHOR_EMAIL", "BODY"],
            "optionalFields": ["AUTHOR_URL"],
            "emailPublished": false,
            "notice": "Your email address will not be published. Required fields are marked *",
        })
    );
}

async fn films_know_the_reviews_that_compare_to_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{
                gravity: film(slug: "gravity") { cast { person { name } } comparingReviews { slug } comparedIn { review { slug } } }
                lars: film(slug: "lars-and-the-real-girl") { comparedIn { recommended review { slug } comment { authorName } } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["gravity"]["cast"],
        json!([{ "person": { "name": "Sandra Bullock" } }])
    );
    assert_eq!(
        data["gravity"]["comparingReviews"],
        json!([{ "slug": "her" }])
    );
    assert_eq!(
        data["gravity"]["comparedIn"],
        json!([{ "review": { "slug": "her" } }])
    );
    assert_eq!(
        data["lars"]["comparedIn"],
        json!([{ "recommended": true, "review": null, "comment": { "authorName": "Mainstream Chick" } }])
    );
}

backend_tests!(
    reviews_of_films_directed_by_spike_jonze_are_the_her_review,
    reviews_of_films_each_cast_member_acts_in_are_the_her_review,
    sandra_bullock_acts_in_no_reviewed_film_but_is_compared_to_in_one,
    spike_jonzes_filmography_lists_each_film_with_its_reviews,
    the_review_page_has_every_fact_of_the_published_review,
    films_know_the_reviews_that_compare_to_them,
);
