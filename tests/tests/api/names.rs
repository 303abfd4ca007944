//! Looking people up by name, ignoring case and accents.

use marquee_tests::marquee::service::import::{
    Content, CreditIn, FilmIn, PersonIn, ReviewIn, import,
};
use marquee_tests::{Backend, backend_tests, spawn_app};
use serde_json::json;

async fn an_actor_is_found_whatever_the_case_and_accents(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in [
        "scarlett johansson",
        "SCARLETT JOHANSSON",
        "Scarlétt Jöhansson",
        "  Scarlett   Johansson ",
    ] {
        let data = app
            .data(
                r#"query ($name: String!) { reviews(filter: { actor: { name: $name } }) { edges { node { slug } } } }"#,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(
            data["reviews"]["edges"],
            json!([{ "node": { "slug": "her" } }]),
            "{name:?}"
        );
    }
}

async fn an_accented_name_is_found_without_its_accents(backend: Backend) {
    // Arrange: a person whose name carries accents, credited on a reviewed film.
    let app = spawn_app(backend).await;
    let credit = |person: &str, role| CreditIn {
        person: person.into(),
        role,
        job: None,
        character: None,
        character_note: None,
        voice: false,
        billing: 0,
    };
    let content = Content {
        verbatim: false,
        people: vec![PersonIn {
            slug: "zoe-kravitz".into(),
            name: "Zoë Kravitz".into(),
            aliases: vec![],
            created_at: None,
            updated_at: None,
        }],
        films: vec![FilmIn {
            slug: "kimi".into(),
            title: "Kimi".into(),
            release_year: Some(2022),
            synopsis: None,
            poster: None,
            credits: vec![credit("zoe-kravitz", entity::enums::CreditRole::Actor)],
            locations: vec![],
            aliases: vec![],
            created_at: None,
            updated_at: None,
        }],
        reviews: vec![ReviewIn {
            slug: "kimi".into(),
            film: "kimi".into(),
            headline: "Kimi".into(),
            byline: None,
            status: entity::enums::ReviewStatus::Published,
            published_at: Some(chrono::Utc::now() - chrono::Duration::days(1)),
            verdict: None,
            poster: None,
            body: "A paranoid thriller.".into(),
            excerpt: None,
            comments_open: true,
            comparisons: vec![],
            comments: vec![],
            aliases: vec![],
            created_at: None,
            updated_at: None,
        }],
    };
    import(&app.db, &content).await.unwrap();

    // Act
    let data = app
        .data(
            r#"{
                byName: reviews(filter: { actor: { name: "zoe kravitz" } }) { edges { node { slug } } }
                search: people(search: "ZOE") { edges { node { name } } }
            }"#,
            json!({}),
        )
        .await;

    // Assert
    assert_eq!(
        data["byName"]["edges"],
        json!([{ "node": { "slug": "kimi" } }])
    );
    assert_eq!(
        data["search"]["edges"],
        json!([{ "node": { "name": "Zoë Kravitz" } }])
    );
}

async fn an_unknown_person_gives_an_empty_list_not_an_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{
                a: reviews(filter: { director: { name: "Nobody At All" } }) { totalCount edges { cursor } pageInfo { hasNextPage } }
                b: reviews(filter: { actor: { slug: "no-such-person" } }) { totalCount }
                c: person(slug: "no-such-person") { name }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["a"],
        json!({ "totalCount": 0, "edges": [], "pageInfo": { "hasNextPage": false } })
    );
    assert_eq!(data["b"]["totalCount"], 0);
    assert_eq!(data["c"], json!(null));
}

async fn people_search_matches_part_of_a_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ people(search: "jo") { totalCount edges { node { name } } } }"#,
            json!({}),
        )
        .await;
    // Joaquin Phoenix, Scarlett Johansson, Spike Jonze; sorted by name.
    assert_eq!(data["people"]["totalCount"], 3);
    assert_eq!(
        data["people"]["edges"],
        json!([
            { "node": { "name": "Joaquin Phoenix" } },
            { "node": { "name": "Scarlett Johansson" } },
            { "node": { "name": "Spike Jonze" } },
        ])
    );
}

backend_tests!(
    an_actor_is_found_whatever_the_case_and_accents,
    an_accented_name_is_found_without_its_accents,
    an_unknown_person_gives_an_empty_list_not_an_error,
    people_search_matches_part_of_a_name,
);
