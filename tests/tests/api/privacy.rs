//! Reader emails never leave the server.

use marquee_tests::{Backend, backend_tests, spawn_app};
use serde_json::{Value, json};

const SECRET_EMAIL: &str = "very.private.reader@example.net";

async fn a_readers_email_appears_in_no_response(backend: Backend) {
    // Arrange: an approved comment from the secret address, and a pending one.
    let app = spawn_app(backend).await;
    let review_id = app.her_review_id().await;
    let mut bodies: Vec<String> = Vec::new();
    for body in ["First!", "Second."] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({
                "query": "mutation ($i: AddCommentInput!) { addComment(input: $i) { comment { id authorName body status } status errors { field } } }",
                "variables": { "i": { "reviewId": review_id, "authorName": "Private Reader",
                                       "authorEmail": SECRET_EMAIL, "body": body } }
            }))
            .send()
            .await
            .unwrap();
        bodies.push(response.text().await.unwrap());
        use sea_orm::{ConnectionTrait, Statement};
        app.db
            .execute_raw(Statement::from_string(
                app.db.get_database_backend(),
                "UPDATE comment SET status = 'APPROVED' WHERE author_name = 'Private Reader'",
            ))
            .await
            .unwrap();
    }

    // Act: read everything a public client can reach about the comments.
    let everything = r#"{
        review(slug: "her") {
            comments(layout: FLAT, first: 50) { edges { node {
                id authorName authorUrl body bodyHtml status createdAt
                parent { id } replies { edges { node { id } } }
                review { slug } comparisons { note }
            } } }
        }
    }"#;
    let page = app.gql(everything, json!({})).await;
    let ids: Vec<Value> = page["data"]["review"]["comments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 3, "the seed comment and the two approved ones");
    bodies.push(page.to_string());
    let nodes = app
        .gql(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Comment { authorName body } } }",
            json!({ "ids": ids }),
        )
        .await;
    bodies.push(nodes.to_string());
    let get = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", everything)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    bodies.push(get);

    // Assert
    for body in &bodies {
        assert!(
            body.contains("Private Reader"),
            "the comment is there: {body}"
        );
        assert!(
            !body.to_lowercase().contains(SECRET_EMAIL),
            "the email leaked: {body}"
        );
        assert!(
            !body.contains("very.private"),
            "part of the email leaked: {body}"
        );
    }
}

async fn no_output_field_in_the_schema_can_return_an_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ __schema { types { name kind fields { name type { name ofType { name ofType { name } } } } } } }"#,
            json!({}),
        )
        .await;
    let mut offenders = Vec::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let Some(fields) = t["fields"].as_array() else {
            continue;
        };
        for f in fields {
            let name = f["name"].as_str().unwrap().to_lowercase();
            let mut ty = &f["type"];
            while ty["name"].is_null() && !ty["ofType"].is_null() {
                ty = &ty["ofType"];
            }
            let textual = !matches!(ty["name"].as_str(), Some("Int" | "Boolean"));
            if name.contains("email") && textual {
                offenders.push(format!("{}.{}", t["name"], f["name"]));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "fields that could return an email: {offenders:?}"
    );
}

backend_tests!(
    a_readers_email_appears_in_no_response,
    no_output_field_in_the_schema_can_return_an_email
);
