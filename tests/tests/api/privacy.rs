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
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let stored = entity::comment::Entity::find()
        .filter(entity::comment::Column::AuthorName.eq("Private Reader"))
        .all(&app.db)
        .await
        .unwrap();
    let hashes: Vec<String> = stored
        .iter()
        .filter_map(|c| c.client_ip_hash.clone())
        .collect();
    assert_eq!(hashes.len(), 2, "the client address is kept, hashed");
    for body in &bodies {
        for hash in &hashes {
            assert!(
                !body.contains(hash.as_str()),
                "the client address hash leaked: {body}"
            );
        }
        assert!(
            !body.contains("127.0.0.1"),
            "the client address leaked: {body}"
        );
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

/// Walks the schema from the roots, as a public client can, skipping the
/// fields documented "Moderators only", and lists every textual field whose
/// name speaks of an email or an address.
async fn no_field_a_public_client_can_reach_returns_an_email_or_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let data = app
        .data(
            r#"{ __schema { queryType { name } mutationType { name }
                 types { name fields { name description type { name kind ofType { name kind ofType { name kind ofType { name } } } } } } } }"#,
            json!({}),
        )
        .await;
    let types = data["__schema"]["types"].as_array().unwrap();
    let find = |name: &str| types.iter().find(|t| t["name"] == name);
    let named = |ty: &Value| -> String {
        let mut ty = ty;
        while ty["name"].is_null() && !ty["ofType"].is_null() {
            ty = &ty["ofType"];
        }
        ty["name"].as_str().unwrap_or_default().to_owned()
    };
    let mut queue: Vec<String> = vec![
        data["__schema"]["queryType"]["name"]
            .as_str()
            .unwrap()
            .to_owned(),
        data["__schema"]["mutationType"]["name"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut offenders = Vec::new();
    let mut moderator_only = 0;
    while let Some(type_name) = queue.pop() {
        if !seen.insert(type_name.clone()) {
            continue;
        }
        let Some(t) = find(&type_name) else { continue };
        let Some(fields) = t["fields"].as_array() else {
            continue;
        };
        for f in fields {
            if f["description"]
                .as_str()
                .is_some_and(|d| d.contains("Moderators only"))
            {
                moderator_only += 1;
                continue;
            }
            // The field's name as words: `clientIpHash` is client, ip, hash.
            let words = camel_words(f["name"].as_str().unwrap());
            let target = named(&f["type"]);
            let textual = matches!(target.as_str(), "String" | "ID");
            if textual
                && words
                    .iter()
                    .any(|w| w.contains("email") || w.starts_with("address") || w == "ip")
            {
                offenders.push(format!("{type_name}.{}", f["name"]));
            }
            queue.push(target);
        }
    }
    assert!(
        seen.contains("Comment") && seen.contains("AddCommentPayload"),
        "the walk reaches comments"
    );
    assert!(
        !seen.contains("CommentForModeration"),
        "moderator types are out of public reach"
    );
    assert!(moderator_only >= 3, "the moderator fields are marked");
    assert!(
        offenders.is_empty(),
        "public fields that could return an email or address: {offenders:?}"
    );
}

backend_tests!(
    a_readers_email_appears_in_no_response,
    no_field_a_public_client_can_reach_returns_an_email_or_address,
);

/// The words of a camelCase name, lowercased.
fn camel_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(word) = words.last_mut() {
            word.extend(c.to_lowercase());
        }
    }
    words
}
