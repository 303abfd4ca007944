//! Persisted documents: GraphQL documents known by an id, in the database
//! so that every replica knows every one.
//!
//! - **Automatic persisted queries** (Apollo's protocol): a client sends the
//!   SHA-256 of its document; on a miss it sends the text as well, which is
//!   checked against the hash and registered.
//! - **Trusted documents**: registered ahead of time with `marquee documents
//!   add`, from `.graphql` files or an Apollo or Relay manifest. In
//!   trusted-documents mode nothing else runs.
//!
//! A document never changes under its id, so each replica remembers the
//! ones it has seen (up to [`MEMORY`]); a miss asks the database, since
//! another replica may have registered it since.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use entity::persisted_document;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder, Set};

/// Bytes of documents a replica remembers; past it, it forgets them all and
/// starts again (rare: that much is not a frontend's documents).
const MEMORY_BYTES: usize = 8 << 20;
/// The longest id a manifest may give.
pub const MAX_ID_LEN: usize = 128;

/// A persisted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub body: Arc<str>,
    pub trusted: bool,
}

/// The SHA-256 of a text in lowercase hex: a document's APQ id.
pub use super::secret::sha256_hex;

/// The store, with this replica's memory of it.
#[derive(Clone)]
pub struct PersistedDocuments {
    db: DatabaseConnection,
    memory: Arc<RwLock<Memory>>,
}

/// The documents a replica remembers, and their bytes.
#[derive(Default)]
struct Memory {
    docs: HashMap<String, Document>,
    bytes: usize,
}

impl PersistedDocuments {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            memory: Arc::default(),
        }
    }

    /// The document registered under `id`.
    pub async fn get(&self, id: &str) -> Result<Option<Document>, DbErr> {
        if let Some(doc) = self.read().docs.get(id) {
            return Ok(Some(doc.clone()));
        }
        if id.len() > MAX_ID_LEN {
            return Ok(None);
        }
        let Some(row) = persisted_document::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let doc = Document {
            body: row.body.into(),
            trusted: row.trusted,
        };
        self.remember(id, &doc);
        Ok(Some(doc))
    }

    /// Registers `body` under its hash `id` (APQ), unless it is known.
    pub async fn register(&self, id: &str, body: &str) -> Result<(), DbErr> {
        let row = persisted_document::ActiveModel {
            id: Set(id.to_owned()),
            body: Set(body.to_owned()),
            trusted: Set(false),
            name: Set(None),
            created_at: Set(super::now()),
        };
        persisted_document::Entity::insert(row)
            .on_conflict_do_nothing_on([persisted_document::Column::Id])
            .exec(&self.db)
            .await?;
        self.remember(
            id,
            &Document {
                body: body.into(),
                trusted: false,
            },
        );
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Memory> {
        self.memory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, id: &str, doc: &Document) {
        let mut memory = self
            .memory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes = id.len() + doc.body.len();
        if memory.bytes + bytes > MEMORY_BYTES {
            *memory = Memory::default();
        }
        if memory.docs.insert(id.to_owned(), doc.clone()).is_none() {
            memory.bytes += bytes;
        }
    }
}

/// A document to trust, from a file or a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted {
    pub id: String,
    pub body: String,
    pub name: Option<String>,
}

/// Why a file of documents was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error(
        "neither an Apollo persisted query manifest ({{\"format\": \"apollo-persisted-query-manifest\", \"operations\": […]}}) nor a Relay one ({{\"id\": \"text\", …}})"
    )]
    Shape,
    #[error("the id {0:?} is empty or longer than {MAX_ID_LEN} characters")]
    Id(String),
    #[error("the document {0:?} is empty")]
    Empty(String),
}

/// The documents of a file: a `.graphql` file is one document, under the
/// SHA-256 of its text; a `.json` file is an Apollo manifest
/// (`{"format": "apollo-persisted-query-manifest", "version": 1,
/// "operations": [{"id", "name", "type", "body"}]}`) or a Relay one (an
/// object of id to text), under the ids it gives.
pub fn parse_file(name: &str, text: &str) -> Result<Vec<Trusted>, ManifestError> {
    if !name.ends_with(".json") {
        if text.trim().is_empty() {
            return Err(ManifestError::Empty(name.to_owned()));
        }
        return Ok(vec![Trusted {
            id: sha256_hex(text),
            body: text.to_owned(),
            name: None,
        }]);
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ManifestError::Json(e.to_string()))?;
    let serde_json::Value::Object(map) = value else {
        return Err(ManifestError::Shape);
    };
    let docs: Vec<Trusted> =
        if map.get("format").and_then(|f| f.as_str()) == Some("apollo-persisted-query-manifest") {
            let Some(serde_json::Value::Array(operations)) = map.get("operations") else {
                return Err(ManifestError::Shape);
            };
            operations
                .iter()
                .map(|op| {
                    let field = |k: &str| op.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                    match (field("id"), field("body")) {
                        (Some(id), Some(body)) => Ok(Trusted {
                            id,
                            body,
                            name: field("name"),
                        }),
                        _ => Err(ManifestError::Shape),
                    }
                })
                .collect::<Result<_, _>>()?
        } else {
            map.into_iter()
                .map(|(id, body)| match body {
                    serde_json::Value::String(body) => Ok(Trusted {
                        id,
                        body,
                        name: None,
                    }),
                    _ => Err(ManifestError::Shape),
                })
                .collect::<Result<_, _>>()?
        };
    for doc in &docs {
        if doc.id.is_empty() || doc.id.len() > MAX_ID_LEN {
            return Err(ManifestError::Id(doc.id.clone()));
        }
        if doc.body.trim().is_empty() {
            return Err(ManifestError::Empty(doc.id.clone()));
        }
    }
    Ok(docs)
}

/// Trusts `docs`: adds them, or marks them trusted if a client registered
/// them already. Returns how many.
pub async fn trust(db: &DatabaseConnection, docs: Vec<Trusted>) -> Result<usize, DbErr> {
    let count = docs.len();
    let now = super::now();
    // Replicas remember a document by its id, and answers by its id too:
    // an id never takes another text.
    for doc in &docs {
        if let Some(known) = persisted_document::Entity::find_by_id(doc.id.clone())
            .one(db)
            .await?
            && known.body != doc.body
        {
            return Err(DbErr::Custom(format!(
                "document {} is registered with another text; remove it first, and restart the servers",
                doc.id
            )));
        }
    }
    for doc in docs {
        let row = persisted_document::ActiveModel {
            id: Set(doc.id),
            body: Set(doc.body),
            trusted: Set(true),
            name: Set(doc.name),
            created_at: Set(now),
        };
        persisted_document::Entity::insert(row)
            .on_conflict(
                OnConflict::column(persisted_document::Column::Id)
                    .update_columns([
                        persisted_document::Column::Body,
                        persisted_document::Column::Trusted,
                        persisted_document::Column::Name,
                    ])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(count)
}

/// Every trusted document, by id.
pub async fn list_trusted(
    db: &DatabaseConnection,
) -> Result<Vec<persisted_document::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    persisted_document::Entity::find()
        .filter(persisted_document::Column::Trusted.eq(true))
        .order_by_asc(persisted_document::Column::Id)
        .all(db)
        .await
}

/// Removes a document; false if there was none. Replicas that remember it
/// keep it until they restart.
pub async fn remove(db: &DatabaseConnection, id: &str) -> Result<bool, DbErr> {
    let done = persisted_document::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }

    #[test]
    fn a_graphql_file_is_one_document_under_its_hash() {
        let docs = parse_file("q.graphql", "{ __typename }").unwrap();
        assert_eq!(docs[0].id, sha256_hex("{ __typename }"));
        assert_eq!(
            parse_file("q.graphql", "  "),
            Err(ManifestError::Empty("q.graphql".into()))
        );
    }

    #[test]
    fn apollo_and_relay_manifests_give_their_ids() {
        let apollo = r#"{"format":"apollo-persisted-query-manifest","version":1,
            "operations":[{"id":"abc","name":"Her","type":"query","body":"query Her { __typename }"}]}"#;
        let docs = parse_file("m.json", apollo).unwrap();
        assert_eq!(
            docs,
            vec![Trusted {
                id: "abc".into(),
                body: "query Her { __typename }".into(),
                name: Some("Her".into())
            }]
        );
        let relay = r#"{"d1": "query A { __typename }", "d2": "query B { __typename }"}"#;
        assert_eq!(parse_file("m.json", relay).unwrap().len(), 2);
        assert_eq!(parse_file("m.json", "[1]"), Err(ManifestError::Shape));
        assert!(matches!(
            parse_file("m.json", "{"),
            Err(ManifestError::Json(_))
        ));
        assert_eq!(
            parse_file("m.json", r#"{"": "query A { a }"}"#),
            Err(ManifestError::Id(String::new()))
        );
    }
}
