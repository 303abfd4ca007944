//! The newsroom: editors create, revise, schedule and publish through the
//! API, with field errors, edit conflicts, revisions, slug aliases, merges
//! and an audit trail; and the public never sees a draft.

use entity::enums::Role;
use marquee_tests::{Backend, TestApp, backend_tests, error_codes, spawn_app};
use serde_json::{Value, json};

const FILM_FIELDS: &str = "film { id slug title releaseYear synopsis version poster { url alt } filmingLocations { place } directors { slug } cast { character person { slug } } } errors { field code message currentVersion }";
const REVIEW_FIELDS: &str = "review { id slug headline bodyMarkdown excerpt verdict status version publishedAt } errors { field code message currentVersion }";

/// Runs an editorial mutation as `token` and returns its payload; panics
/// on a top-level error.
async fn run(app: &TestApp, token: &str, field: &str, query: &str, vars: Value) -> Value {
    let body = app.gql_as(token, query, vars).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"][field].clone()
}

async fn create_film(app: &TestApp, token: &str, input: Value) -> Value {
    let q =
        format!("mutation ($i: CreateFilmInput!) {{ createFilm(input: $i) {{ {FILM_FIELDS} }} }}");
    run(app, token, "createFilm", &q, json!({ "i": input })).await
}

async fn update_film(app: &TestApp, token: &str, input: Value) -> Value {
    let q =
        format!("mutation ($i: UpdateFilmInput!) {{ updateFilm(input: $i) {{ {FILM_FIELDS} }} }}");
    run(app, token, "updateFilm", &q, json!({ "i": input })).await
}

async fn create_person(app: &TestApp, token: &str, name: &str) -> Value {
    run(
        app,
        token,
        "createPerson",
        "mutation ($i: CreatePersonInput!) { createPerson(input: $i) { person { id slug name version } errors { field code } } }",
        json!({ "i": { "name": name } }),
    )
    .await["person"]
        .clone()
}

async fn create_review(app: &TestApp, token: &str, input: Value) -> Value {
    let q = format!(
        "mutation ($i: CreateReviewInput!) {{ createReview(input: $i) {{ {REVIEW_FIELDS} }} }}"
    );
    run(app, token, "createReview", &q, json!({ "i": input })).await
}

async fn update_review(app: &TestApp, token: &str, input: Value) -> Value {
    let q = format!(
        "mutation ($i: UpdateReviewInput!) {{ updateReview(input: $i) {{ {REVIEW_FIELDS} }} }}"
    );
    run(app, token, "updateReview", &q, json!({ "i": input })).await
}

async fn publish(app: &TestApp, token: &str, id: &Value, at: Option<String>) -> Value {
    let q = format!(
        "mutation ($id: ID!, $at: DateTime) {{ publishReview(id: $id, at: $at) {{ {REVIEW_FIELDS} }} }}"
    );
    run(
        app,
        token,
        "publishReview",
        &q,
        json!({ "id": id, "at": at }),
    )
    .await
}

fn codes_of(payload: &Value) -> Vec<(String, String)> {
    payload["errors"]
        .as_array()
        .expect("a payload has errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A film with a director and two actors, and a draft review of it.
struct Newsroom {
    editor: String,
    film: Value,
    director: Value,
    review: Value,
}

async fn newsroom(app: &TestApp) -> Newsroom {
    let editor = app.staff_token(Role::Editor, "Edna Editor").await;
    let film = create_film(
        app,
        &editor,
        json!({ "title": "Paterson", "releaseYear": 2016,
                "synopsis": "A bus driver who writes poems.",
                "locations": [{ "place": "Paterson, New Jersey" }] }),
    )
    .await;
    assert_eq!(film["errors"], json!([]), "{film}");
    let film = film["film"].clone();
    let director = create_person(app, &editor, "Jim Jarmusch").await;
    let driver = create_person(app, &editor, "Adam Driver").await;
    let farahani = create_person(app, &editor, "Golshifteh Farahani").await;
    let credits = run(
        app,
        &editor,
        "setFilmCredits",
        &format!("mutation ($i: SetFilmCreditsInput!) {{ setFilmCredits(input: $i) {{ {FILM_FIELDS} }} }}"),
        json!({ "i": { "filmId": film["id"], "expectedVersion": film["version"], "credits": [
            { "personId": director["id"], "role": "DIRECTOR" },
            { "personId": driver["id"], "role": "ACTOR", "character": "Paterson" },
            { "personSlug": farahani["slug"], "role": "ACTOR", "character": "Laura" },
        ] } }),
    )
    .await;
    assert_eq!(credits["errors"], json!([]), "{credits}");
    assert_eq!(
        credits["film"]["directors"],
        json!([{ "slug": "jim-jarmusch" }])
    );
    assert_eq!(
        credits["film"]["cast"],
        json!([
            { "character": "Paterson", "person": { "slug": "adam-driver" } },
            { "character": "Laura", "person": { "slug": "golshifteh-farahani" } },
        ])
    );
    assert_eq!(credits["film"]["version"], 2, "setting credits is a save");
    let review = create_review(
        app,
        &editor,
        json!({ "filmId": film["id"], "headline": "Paterson: poems on the bus",
                "bodyMarkdown": "A week in the life of a poet.\n\nNothing happens, beautifully.",
                "verdict": "For anyone who keeps a notebook." }),
    )
    .await;
    assert_eq!(review["errors"], json!([]), "{review}");
    Newsroom {
        editor,
        film: credits["film"].clone(),
        director,
        review: review["review"].clone(),
    }
}

const BY_DIRECTOR: &str = r#"query ($slug: String!) {
  reviews(filter: { director: { slug: $slug } }) { totalCount nodes { slug headline } }
}"#;

async fn an_editor_drafts_previews_schedules_and_the_review_appears_on_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    let review = &room.review;
    assert_eq!(review["status"], "DRAFT");
    assert_eq!(review["slug"], "paterson-poems-on-the-bus");
    assert_eq!(review["excerpt"], "A week in the life of a poet.");

    // The editor previews the draft; the public sees nothing.
    let preview = app
        .gql_as(
            &room.editor,
            "query ($s: String!) { review(slug: $s) { headline status film { title directors { name } } } }",
            json!({ "s": review["slug"] }),
        )
        .await;
    assert_eq!(preview["data"]["review"]["status"], "DRAFT", "{preview}");
    assert_eq!(
        preview["data"]["review"]["film"]["directors"],
        json!([{ "name": "Jim Jarmusch" }])
    );
    let public = app
        .data(
            "query ($s: String!) { review(slug: $s) { headline } }",
            json!({ "s": review["slug"] }),
        )
        .await;
    assert_eq!(public["review"], Value::Null);

    // Scheduled a moment ahead: still hidden, then public on time.
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let scheduled = publish(&app, &room.editor, &review["id"], Some(at.to_rfc3339())).await;
    assert_eq!(scheduled["review"]["status"], "SCHEDULED", "{scheduled}");
    let before = app
        .data(BY_DIRECTOR, json!({ "slug": room.director["slug"] }))
        .await;
    assert_eq!(before["reviews"]["totalCount"], 0);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let after = app
        .data(BY_DIRECTOR, json!({ "slug": room.director["slug"] }))
        .await;
    assert_eq!(after["reviews"]["totalCount"], 1, "{after}");
    assert_eq!(
        after["reviews"]["nodes"][0]["headline"],
        "Paterson: poems on the bus"
    );

    // Unpublished, it is gone again.
    let q = format!("mutation ($id: ID!) {{ unpublishReview(id: $id) {{ {REVIEW_FIELDS} }} }}");
    let draft = run(
        &app,
        &room.editor,
        "unpublishReview",
        &q,
        json!({ "id": review["id"] }),
    )
    .await;
    assert_eq!(draft["review"]["status"], "DRAFT");
    let gone = app
        .data(BY_DIRECTOR, json!({ "slug": room.director["slug"] }))
        .await;
    assert_eq!(gone["reviews"]["totalCount"], 0);
}

async fn only_editors_and_admins_may_edit(backend: Backend) {
    let app = spawn_app(backend).await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    let admin = app.staff_token(Role::Admin, "Ada Admin").await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let her = app.her_review_id().await;
    let documents = [
        (
            "mutation { createFilm(input: { title: \"X\" }) { errors { code } } }",
            json!({}),
        ),
        (
            "mutation { createPerson(input: { name: \"X\" }) { errors { code } } }",
            json!({}),
        ),
        (
            "mutation ($id: ID!) { publishReview(id: $id) { errors { code } } }",
            json!({ "id": her }),
        ),
        (
            "mutation ($id: ID!) { updateReview(input: { id: $id, expectedVersion: 1, headline: \"Hacked\" }) { errors { code } } }",
            json!({ "id": her }),
        ),
        (
            "mutation ($id: ID!) { deleteReview(input: { id: $id, expectedVersion: 1 }) { errors { code } } }",
            json!({ "id": her }),
        ),
    ];
    for (query, vars) in &documents {
        let anonymous = app.gql(query, vars.clone()).await;
        assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"], "{query}");
        let forbidden = app.gql_as(&moderator, query, vars.clone()).await;
        assert_eq!(error_codes(&forbidden), ["FORBIDDEN"], "{query}");
    }
    let headline = app
        .data(r#"{ review(slug: "her") { headline } }"#, json!({}))
        .await;
    assert_ne!(headline["review"]["headline"], "Hacked");

    // The audit trail is for admins.
    let events = "{ editorialEvents { action actorName } }";
    assert_eq!(
        error_codes(&app.gql_as(&editor, events, json!({})).await),
        ["FORBIDDEN"]
    );
    let film = create_film(&app, &admin, json!({ "title": "Arrival" })).await;
    assert_eq!(film["errors"], json!([]));
    let trail = app.gql_as(&admin, events, json!({})).await;
    assert_eq!(
        trail["data"]["editorialEvents"][0],
        json!({ "action": "CREATE_FILM", "actorName": "Ada Admin" })
    );
}

async fn bad_input_comes_back_field_by_field_and_nothing_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let refused = create_film(
        &app,
        &editor,
        json!({ "title": "  ", "slug": "Not A Slug", "releaseYear": 1700,
                "poster": { "url": "javascript:alert(1)", "alt": "" },
                "locations": [{ "place": "ok" }, { "place": "a\u{7}b" }] }),
    )
    .await;
    assert_eq!(refused["film"], Value::Null);
    assert_eq!(
        codes_of(&refused),
        [
            ("title".to_owned(), "REQUIRED".to_owned()),
            ("slug".to_owned(), "INVALID_FORMAT".to_owned()),
            ("releaseYear".to_owned(), "INVALID_FORMAT".to_owned()),
            ("poster.url".to_owned(), "INVALID_URL".to_owned()),
            ("poster.alt".to_owned(), "REQUIRED".to_owned()),
            ("locations.1.place".to_owned(), "INVALID_FORMAT".to_owned()),
        ]
    );
    let films = app.data("{ films { totalCount } }", json!({})).await;

    // A malformed entry, then one naming nobody, each refuses the whole
    // list; the old credits stay.
    let her = app
        .data(
            r#"{ film(slug: "her") { id version directors { slug } } }"#,
            json!({}),
        )
        .await;
    let set_credits = format!(
        "mutation ($i: SetFilmCreditsInput!) {{ setFilmCredits(input: $i) {{ {FILM_FIELDS} }} }}"
    );
    let shape = run(
        &app,
        &editor,
        "setFilmCredits",
        &set_credits,
        json!({ "i": { "filmId": her["film"]["id"], "expectedVersion": her["film"]["version"], "credits": [
            { "personSlug": "spike-jonze", "role": "DIRECTOR" },
            { "role": "ACTOR", "character": "x".repeat(301) },
        ] } }),
    )
    .await;
    assert_eq!(
        codes_of(&shape),
        [
            ("credits.1.personId".to_owned(), "REQUIRED".to_owned()),
            ("credits.1.character".to_owned(), "TOO_LONG".to_owned()),
        ],
        "{shape}"
    );
    let nobody = run(
        &app,
        &editor,
        "setFilmCredits",
        &set_credits,
        json!({ "i": { "filmId": her["film"]["id"], "expectedVersion": her["film"]["version"], "credits": [
            { "personSlug": "spike-jonze", "role": "DIRECTOR" },
            { "personSlug": "nobody-at-all", "role": "ACTOR" },
        ] } }),
    )
    .await;
    assert_eq!(
        codes_of(&nobody),
        [(
            "credits.1.person".to_owned(),
            "INVALID_REFERENCE".to_owned()
        )],
        "{nobody}"
    );
    let still = app
        .data(
            r#"{ film(slug: "her") { version directors { slug } cast { character } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(still["film"]["version"], her["film"]["version"]);
    assert_eq!(still["film"]["directors"], her["film"]["directors"]);
    assert!(!still["film"]["cast"].as_array().unwrap().is_empty());
    let after = app.data("{ films { totalCount } }", json!({})).await;
    assert_eq!(films, after, "nothing was created");
}

async fn slugs_are_made_unique_and_old_slugs_keep_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let second = create_film(&app, &editor, json!({ "title": "Her" })).await;
    assert_eq!(second["film"]["slug"], "her-2");
    let taken = create_film(&app, &editor, json!({ "title": "Her", "slug": "her" })).await;
    assert_eq!(
        codes_of(&taken),
        [("slug".to_owned(), "SLUG_TAKEN".to_owned())]
    );

    let renamed = update_film(
        &app,
        &editor,
        json!({ "id": second["film"]["id"], "expectedVersion": 1, "slug": "her-remake", "releaseYear": 2030 }),
    )
    .await;
    assert_eq!(renamed["film"]["slug"], "her-remake", "{renamed}");
    let old = app
        .data(r#"{ film(slug: "her-2") { slug releaseYear } }"#, json!({}))
        .await;
    assert_eq!(
        old["film"],
        json!({ "slug": "her-remake", "releaseYear": 2030 })
    );
    // A new film titled the same steers clear of the alias.
    let third = create_film(&app, &editor, json!({ "title": "Her" })).await;
    assert_eq!(third["film"]["slug"], "her-3");

    // A published review's old slug finds it for the public, with the new
    // canonical slug to redirect to.
    let her = app
        .data(r#"{ review(slug: "her") { id version } }"#, json!({}))
        .await;
    let moved = update_review(
        &app,
        &editor,
        json!({ "id": her["review"]["id"], "expectedVersion": her["review"]["version"], "slug": "her-spike-jonze" }),
    )
    .await;
    assert_eq!(moved["errors"], json!([]), "{moved}");
    let by_old = app
        .data(r#"{ review(slug: "her") { slug headline } }"#, json!({}))
        .await;
    assert_eq!(by_old["review"]["slug"], "her-spike-jonze");
    let person = app
        .data(
            r#"{ person(slug: "spike-jonze") { id version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(person["person"]["version"], 1);
    let update_person = "mutation ($i: UpdatePersonInput!) { updatePerson(input: $i) { person { slug name version } errors { field code currentVersion } } }";
    let renamed = run(
        &app,
        &editor,
        "updatePerson",
        update_person,
        json!({ "i": { "id": person["person"]["id"], "expectedVersion": 1, "slug": "adam-spiegel", "name": "Adam Spiegel" } }),
    )
    .await;
    assert_eq!(
        renamed["person"],
        json!({ "slug": "adam-spiegel", "name": "Adam Spiegel", "version": 2 })
    );
    let stale = run(
        &app,
        &editor,
        "updatePerson",
        update_person,
        json!({ "i": { "id": person["person"]["id"], "expectedVersion": 1, "name": "Spike" } }),
    )
    .await;
    assert_eq!(
        stale["errors"],
        json!([{ "field": "expectedVersion", "code": "EDIT_CONFLICT", "currentVersion": 2 }])
    );
    let old = app
        .data(
            r#"{ person(slug: "spike-jonze") { slug name } reviews(filter: { director: { slug: "adam-spiegel" } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        old["person"],
        json!({ "slug": "adam-spiegel", "name": "Adam Spiegel" })
    );
    assert_eq!(old["reviews"]["totalCount"], 1);
}

async fn a_stale_version_is_an_edit_conflict_and_one_of_two_racing_saves_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    let id = room.review["id"].clone();
    let first = update_review(
        &app,
        &room.editor,
        json!({ "id": id, "expectedVersion": 1, "headline": "Paterson, again" }),
    )
    .await;
    assert_eq!(first["review"]["version"], 2);
    let stale = update_review(
        &app,
        &room.editor,
        json!({ "id": id, "expectedVersion": 1, "headline": "Lost work" }),
    )
    .await;
    assert_eq!(stale["review"], Value::Null);
    assert_eq!(stale["errors"][0]["code"], "EDIT_CONFLICT");
    assert_eq!(stale["errors"][0]["field"], "expectedVersion");
    assert_eq!(stale["errors"][0]["currentVersion"], 2);

    // Two editors in two tabs save at once from the same version.
    let other = app.staff_token(Role::Editor, "Second Tab").await;
    let saves = (0..2).map(|i| {
        let (app, token) = (&app, if i == 0 { &room.editor } else { &other });
        let id = id.clone();
        async move {
            update_review(
                app,
                token,
                json!({ "id": id, "expectedVersion": 2, "bodyMarkdown": format!("Body from tab {i}.") }),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(saves).await;
    let won: Vec<&Value> = results
        .iter()
        .filter(|r| r["errors"] == json!([]))
        .collect();
    let lost: Vec<&Value> = results
        .iter()
        .filter(|r| r["errors"] != json!([]))
        .collect();
    assert_eq!((won.len(), lost.len()), (1, 1), "{results:#?}");
    assert_eq!(lost[0]["errors"][0]["code"], "EDIT_CONFLICT");
    assert_eq!(lost[0]["errors"][0]["currentVersion"], 3);
    let stored = app
        .gql_as(
            &room.editor,
            "query ($id: ID!) { review(id: $id) { bodyMarkdown version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        stored["data"]["review"]["bodyMarkdown"],
        won[0]["review"]["bodyMarkdown"]
    );
    assert_eq!(stored["data"]["review"]["version"], 3);
}

async fn every_save_keeps_a_revision_and_one_can_be_restored(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    let id = room.review["id"].clone();
    let original = room.review["bodyMarkdown"].clone();
    update_review(
        &app,
        &room.editor,
        json!({ "id": id, "expectedVersion": 1, "bodyMarkdown": "Second draft." }),
    )
    .await;
    update_review(
        &app,
        &room.editor,
        json!({ "id": id, "expectedVersion": 2, "headline": "Third headline", "verdict": null }),
    )
    .await;
    let revisions = r#"query ($id: ID!) { review(id: $id) { version revisions { version headline bodyMarkdown verdict savedBy changedFields } } }"#;
    let list = app
        .gql_as(&room.editor, revisions, json!({ "id": id }))
        .await;
    let list = &list["data"]["review"]["revisions"];
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    assert_eq!(list[0]["version"], 3);
    assert_eq!(list[0]["changedFields"], json!(["headline", "verdict"]));
    assert_eq!(list[1]["changedFields"], json!(["bodyMarkdown"]));
    assert_eq!(list[2]["bodyMarkdown"], original);
    assert_eq!(list[2]["savedBy"], "Edna Editor");

    let q = format!(
        "mutation ($i: RestoreReviewRevisionInput!) {{ restoreReviewRevision(input: $i) {{ {REVIEW_FIELDS} }} }}"
    );
    let restored = run(
        &app,
        &room.editor,
        "restoreReviewRevision",
        &q,
        json!({ "i": { "reviewId": id, "expectedVersion": 3, "revision": 1 } }),
    )
    .await;
    assert_eq!(restored["review"]["bodyMarkdown"], original, "{restored}");
    assert_eq!(
        restored["review"]["verdict"],
        "For anyone who keeps a notebook."
    );
    assert_eq!(restored["review"]["version"], 4);
    let list = app
        .gql_as(&room.editor, revisions, json!({ "id": id }))
        .await;
    assert_eq!(
        list["data"]["review"]["revisions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Revisions are for editors.
    let her = app.her_review_id().await;
    let public = app
        .gql(
            "query ($id: ID!) { review(id: $id) { revisions { version } } }",
            json!({ "id": her }),
        )
        .await;
    assert_eq!(error_codes(&public), ["UNAUTHENTICATED"]);
}

async fn what_is_still_referenced_cannot_be_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.staff_token(Role::Editor, "Edna").await;
    let delete = |kind: &'static str| {
        format!(
            "mutation ($i: DeleteInput!) {{ delete{kind}(input: $i) {{ deletedId errors {{ field code }} }} }}"
        )
    };
    let her = app
        .data(r#"{ film(slug: "her") { id version } person(slug: "spike-jonze") { id version } review(slug: "her") { id version } }"#, json!({}))
        .await;
    for (kind, object) in [("Film", "film"), ("Person", "person"), ("Review", "review")] {
        let field = format!("delete{kind}");
        let refused = run(
            &app,
            &editor,
            &field,
            &delete(kind),
            json!({ "i": { "id": her[object]["id"], "expectedVersion": her[object]["version"] } }),
        )
        .await;
        assert_eq!(refused["deletedId"], Value::Null, "{kind}");
        assert_eq!(
            codes_of(&refused),
            [("id".to_owned(), "STILL_REFERENCED".to_owned())],
            "{kind}"
        );
    }
    let still = app
        .data(r#"{ film(slug: "her") { title } }"#, json!({}))
        .await;
    assert_eq!(still["film"]["title"], "Her");

    // Unreferenced, they go: a draft review, then its film with its
    // credits and locations, then a person.
    let film = create_film(
        &app,
        &editor,
        json!({ "title": "Short-lived", "locations": [{ "place": "Nowhere" }] }),
    )
    .await["film"]
        .clone();
    let draft = create_review(
        &app,
        &editor,
        json!({ "filmId": film["id"], "headline": "Gone soon", "bodyMarkdown": "Soon gone." }),
    )
    .await["review"]
        .clone();
    let refused = run(
        &app,
        &editor,
        "deleteFilm",
        &delete("Film"),
        json!({ "i": { "id": film["id"], "expectedVersion": film["version"] } }),
    )
    .await;
    assert_eq!(
        codes_of(&refused),
        [("id".to_owned(), "STILL_REFERENCED".to_owned())]
    );
    let review_gone = run(
        &app,
        &editor,
        "deleteReview",
        &delete("Review"),
        json!({ "i": { "id": draft["id"], "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(review_gone["deletedId"], draft["id"], "{review_gone}");
    let film_gone = run(
        &app,
        &editor,
        "deleteFilm",
        &delete("Film"),
        json!({ "i": { "id": film["id"], "expectedVersion": film["version"] } }),
    )
    .await;
    assert_eq!(film_gone["deletedId"], film["id"], "{film_gone}");
    let lookup = app
        .gql_as(
            &editor,
            "query ($f: ID!, $r: ID!) { film(id: $f) { id } review(id: $r) { id } }",
            json!({ "f": film["id"], "r": draft["id"] }),
        )
        .await;
    assert_eq!(
        lookup["data"],
        json!({ "film": null, "review": null }),
        "{lookup}"
    );
    let nobody = create_person(&app, &editor, "Nobody Special").await;
    let gone = run(
        &app,
        &editor,
        "deletePerson",
        &delete("Person"),
        json!({ "i": { "id": nobody["id"], "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(gone["deletedId"], nobody["id"]);
    let lookup = app
        .data(
            "query ($s: String!) { person(slug: $s) { id } }",
            json!({ "s": nobody["slug"] }),
        )
        .await;
    assert_eq!(lookup["person"], Value::Null);
    let again = run(
        &app,
        &editor,
        "deletePerson",
        &delete("Person"),
        json!({ "i": { "id": nobody["id"], "expectedVersion": 1 } }),
    )
    .await;
    assert_eq!(
        codes_of(&again),
        [("id".to_owned(), "NOT_FOUND".to_owned())]
    );
}

async fn merging_two_records_of_one_person_moves_their_credits(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    // A duplicate of the director, credited on the demo film too.
    let twin = create_person(&app, &room.editor, "J. Jarmusch").await;
    let her = app
        .data(r#"{ film(slug: "her") { id version } }"#, json!({}))
        .await;
    let credits = run(
        &app,
        &room.editor,
        "setFilmCredits",
        &format!("mutation ($i: SetFilmCreditsInput!) {{ setFilmCredits(input: $i) {{ {FILM_FIELDS} }} }}"),
        json!({ "i": { "filmId": her["film"]["id"], "expectedVersion": her["film"]["version"], "credits": [
            { "personId": twin["id"], "role": "WRITER" },
        ] } }),
    )
    .await;
    assert_eq!(credits["errors"], json!([]));
    let merged = run(
        &app,
        &room.editor,
        "mergePeople",
        "mutation ($i: MergePeopleInput!) { mergePeople(input: $i) { person { slug name credits { role film { slug } } } errors { field code } } }",
        json!({ "i": { "survivorId": room.director["id"], "survivorVersion": 1,
                        "duplicateId": twin["id"], "duplicateVersion": 1 } }),
    )
    .await;
    assert_eq!(merged["errors"], json!([]), "{merged}");
    let mut credits: Vec<String> = merged["person"]["credits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["film"]["slug"].as_str().unwrap(),
                c["role"].as_str().unwrap()
            )
        })
        .collect();
    credits.sort();
    assert_eq!(credits, ["her:WRITER", "paterson:DIRECTOR"]);
    let old = app
        .data(r#"{ person(slug: "j-jarmusch") { slug name } }"#, json!({}))
        .await;
    assert_eq!(
        old["person"],
        json!({ "slug": "jim-jarmusch", "name": "Jim Jarmusch" })
    );
    let _ = room.film;
}

async fn comparisons_are_set_as_an_ordered_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    let gravity = app
        .data(
            r#"{ film(slug: "gravity") { id } person(slug: "sandra-bullock") { id } }"#,
            json!({}),
        )
        .await;
    let q = format!(
        "mutation ($i: SetReviewComparisonsInput!) {{ setReviewComparisons(input: $i) {{ {REVIEW_FIELDS} }} }}"
    );
    let set = run(
        &app,
        &room.editor,
        "setReviewComparisons",
        &q,
        json!({ "i": { "reviewId": room.review["id"], "expectedVersion": 1, "comparisons": [
            { "filmId": gravity["film"]["id"], "personId": gravity["person"]["id"], "note": "Alone in the frame", "recommended": true },
            { "filmId": "not-an-id", "note": "" },
        ] } }),
    )
    .await;
    assert_eq!(
        codes_of(&set),
        [
            (
                "comparisons.1.filmId".to_owned(),
                "INVALID_REFERENCE".to_owned()
            ),
            ("comparisons.1.note".to_owned(), "REQUIRED".to_owned()),
        ]
    );
    let set = run(
        &app,
        &room.editor,
        "setReviewComparisons",
        &q,
        json!({ "i": { "reviewId": room.review["id"], "expectedVersion": 1, "comparisons": [
            { "filmId": gravity["film"]["id"], "personId": gravity["person"]["id"], "note": "Alone in the frame", "recommended": true },
        ] } }),
    )
    .await;
    assert_eq!(set["review"]["version"], 2, "{set}");
    let read = app
        .gql_as(
            &room.editor,
            "query ($id: ID!) { review(id: $id) { comparisons { note recommended position film { slug } person { slug } } } }",
            json!({ "id": room.review["id"] }),
        )
        .await;
    assert_eq!(
        read["data"]["review"]["comparisons"],
        json!([{ "note": "Alone in the frame", "recommended": true, "position": 0,
                 "film": { "slug": "gravity" }, "person": { "slug": "sandra-bullock" } }])
    );
}

/// Every public way to reach a review, a count of reviews, or what a
/// review holds.
const EVERYTHING_PUBLIC: &str = r#"query ($slug: String!, $id: ID!, $ids: [ID!]!) {
  bySlug: review(slug: $slug) { id headline }
  byId: review(id: $id) { id headline }
  node(id: $id) { id ... on Review { headline } }
  nodes(ids: $ids) { id ... on Review { headline } ... on Comment { body } }
  reviews(first: 20) { totalCount nodes { headline bodyMarkdown comparisons { note } } }
  byDirector: reviews(filter: { director: { slug: "jim-jarmusch" } }) { totalCount nodes { headline } }
  byComparison: reviews(filter: { comparesToFilm: { slug: "gravity" } }) { totalCount nodes { headline } }
  film(slug: "paterson") { reviews { headline } comparingReviews { headline } comparedIn { note } }
  gravity: film(slug: "gravity") { comparedIn { note review { headline } } comparingReviews { headline } }
  person(slug: "jim-jarmusch") { reviews { totalCount nodes { headline } } }
  bullock: person(slug: "sandra-bullock") { reviews { totalCount nodes { headline } } }
  films(first: 20) { nodes { reviews { headline } comparedIn { note } } }
  people(first: 20) { nodes { reviews { totalCount } } }
}"#;

async fn drafts_and_scheduled_reviews_never_reach_the_public(backend: Backend) {
    let app = spawn_app(backend).await;
    let room = newsroom(&app).await;
    let gravity = app
        .data(r#"{ film(slug: "gravity") { id } }"#, json!({}))
        .await;
    let secret = "SECRET-DRAFT-TEXT";
    update_review(
        &app,
        &room.editor,
        json!({ "id": room.review["id"], "expectedVersion": 1, "headline": format!("{secret} headline"),
                "bodyMarkdown": format!("{secret} body") }),
    )
    .await;
    let q = format!(
        "mutation ($i: SetReviewComparisonsInput!) {{ setReviewComparisons(input: $i) {{ {REVIEW_FIELDS} }} }}"
    );
    run(
        &app,
        &room.editor,
        "setReviewComparisons",
        &q,
        json!({ "i": { "reviewId": room.review["id"], "expectedVersion": 2, "comparisons": [
            { "filmId": gravity["film"]["id"], "note": format!("{secret} note") } ] } }),
    )
    .await;
    // The demo review, unpublished, takes its comment with it.
    let her = app.her_review_id().await;
    let comment = app
        .data(
            r#"{ review(slug: "her") { comments { nodes { id } } } }"#,
            json!({}),
        )
        .await["review"]["comments"]["nodes"][0]["id"]
        .clone();
    assert!(comment.is_string());
    let baseline = app
        .data(
            EVERYTHING_PUBLIC,
            json!({ "slug": "her", "id": her, "ids": [her, comment] }),
        )
        .await;
    let q = format!("mutation ($id: ID!) {{ unpublishReview(id: $id) {{ {REVIEW_FIELDS} }} }}");
    run(
        &app,
        &room.editor,
        "unpublishReview",
        &q,
        json!({ "id": her }),
    )
    .await;

    let vars =
        |slug: &Value, id: &Value| json!({ "slug": slug, "id": id, "ids": [id, her, comment] });
    let draft_vars = vars(&room.review["slug"], &room.review["id"]);
    let scheduled_at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    for stage in ["draft", "scheduled"] {
        if stage == "scheduled" {
            publish(
                &app,
                &room.editor,
                &room.review["id"],
                Some(scheduled_at.clone()),
            )
            .await;
        }
        let seen = app.data(EVERYTHING_PUBLIC, draft_vars.clone()).await;
        let text = seen.to_string();
        assert!(!text.contains(secret), "{stage}: {seen:#}");
        assert_eq!(seen["bySlug"], Value::Null, "{stage}");
        assert_eq!(seen["byId"], Value::Null, "{stage}");
        assert_eq!(seen["node"], Value::Null, "{stage}");
        assert_eq!(seen["nodes"], json!([null, null, null]), "{stage}");
        assert_eq!(seen["reviews"]["totalCount"], 0, "{stage}");
        assert_eq!(seen["byDirector"]["totalCount"], 0, "{stage}");
        assert_eq!(seen["byComparison"]["totalCount"], 0, "{stage}");
        assert_eq!(seen["person"]["reviews"]["totalCount"], 0, "{stage}");
        assert_eq!(seen["gravity"]["comparedIn"], json!([]), "{stage}");
        assert_ne!(seen, baseline);
        let comment = app
            .gql(
                "query ($id: ID!) { comment(id: $id) { body } }",
                json!({ "id": comment }),
            )
            .await;
        assert_eq!(
            comment["data"]["comment"],
            Value::Null,
            "{stage}: {comment}"
        );
    }
}

backend_tests!(
    an_editor_drafts_previews_schedules_and_the_review_appears_on_time,
    only_editors_and_admins_may_edit,
    bad_input_comes_back_field_by_field_and_nothing_is_written,
    slugs_are_made_unique_and_old_slugs_keep_working,
    a_stale_version_is_an_edit_conflict_and_one_of_two_racing_saves_wins,
    every_save_keeps_a_revision_and_one_can_be_restored,
    what_is_still_referenced_cannot_be_deleted,
    merging_two_records_of_one_person_moves_their_credits,
    comparisons_are_set_as_an_ordered_list,
    drafts_and_scheduled_reviews_never_reach_the_public,
);
