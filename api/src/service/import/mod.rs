//! Content import: the demo content at first start, and `marquee import FILE`.
//!
//! Rows are matched by their natural keys (slugs; a credit's film, person and
//! role; a comment's `key`; a filming location's or comparison's place in
//! its list) and only changed fields are written, so importing the same file
//! twice changes nothing. The format is documented at the top
//! of `content/demo.toml`; `marquee export` ([`super::export`]) writes it.
//!
//! [`format`] reads and checks a file; [`upsert`] writes its rows.

mod format;
mod upsert;

use std::collections::HashMap;

use entity::enums::SubjectKind;
use entity::film;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait};

pub use self::format::*;
pub(crate) use self::upsert::EXCERPT_CHARS;
use self::upsert::{
    Source, Thread, film_id, person_id, upsert_alias, upsert_comment, upsert_comparison,
    upsert_credit, upsert_film, upsert_location, upsert_person, upsert_review,
};
pub(crate) use self::upsert::{file_key, import_key};
use super::{begin_write, now};

/// The demo content: the review of *Her*, shipped inside the binary.
pub const DEMO_CONTENT: &str = include_str!("../../../../content/demo.toml");

/// Who the revisions an import keeps are saved by.
const IMPORT_ACTOR: &str = "import";

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

impl ImportReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Why a content file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the content file is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("{0}")]
    Reference(String),
    #[error("`{slug}` is not a valid slug ({reason})")]
    Slug { slug: String, reason: String },
    #[error("line {line}, `{field}`: {reason}")]
    Field {
        line: usize,
        field: &'static str,
        reason: String,
    },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Brings the search index up to date with a row the import wrote.
async fn reindex(txn: &DatabaseTransaction, kind: SubjectKind, id: i32) -> Result<(), DbErr> {
    use super::search::{Document, index};
    let doc = match kind {
        SubjectKind::Person => entity::person::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|p| Document::person(&p)),
        SubjectKind::Film => entity::film::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|f| Document::film(&f)),
        SubjectKind::Review => entity::review::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|r| Document::review(&r)),
    };
    match doc {
        Some(doc) => index(txn, &doc).await,
        None => Ok(()),
    }
}

/// Imports content in one transaction: all of it, or nothing.
#[tracing::instrument(skip_all)]
pub async fn import(
    db: &DatabaseConnection,
    content: &Content,
) -> Result<ImportReport, ImportError> {
    let write = begin_write(db).await?;
    let txn: &DatabaseTransaction = &write;
    let text = content.text();
    let mut report = ImportReport::default();
    for p in &content.people {
        let (person_id, outcome) = upsert_person(txn, text, p).await?;
        report.count(outcome);
        if outcome != Outcome::Unchanged {
            reindex(txn, SubjectKind::Person, person_id).await?;
        }
        for alias in &p.aliases {
            report.count(upsert_alias(txn, SubjectKind::Person, alias, person_id).await?);
        }
    }
    for f in &content.films {
        let (film_id, outcome) = upsert_film(txn, text, f).await?;
        report.count(outcome);
        if outcome != Outcome::Unchanged {
            reindex(txn, SubjectKind::Film, film_id).await?;
        }
        for alias in &f.aliases {
            report.count(upsert_alias(txn, SubjectKind::Film, alias, film_id).await?);
        }
        for c in &f.credits {
            let person_id = person_id(txn, &c.person).await?;
            report.count(upsert_credit(txn, text, film_id, person_id, c).await?);
        }
        for (position, l) in f.locations.iter().enumerate() {
            report.count(upsert_location(txn, text, film_id, position as i32, l).await?);
        }
    }
    for r in &content.reviews {
        let film_id = film_id(txn, &r.film).await?;
        let (review_id, outcome) = upsert_review(txn, text, film_id, r).await?;
        report.count(outcome);
        if outcome != Outcome::Unchanged {
            super::editorial::review::keep_text(txn, review_id, IMPORT_ACTOR).await?;
            reindex(txn, SubjectKind::Review, review_id).await?;
        }
        for alias in &r.aliases {
            report.count(upsert_alias(txn, SubjectKind::Review, alias, review_id).await?);
        }
        for (position, c) in r.comparisons.iter().enumerate() {
            let source = Source::Review(review_id);
            report.count(upsert_comparison(txn, text, source, position as i32, c).await?);
        }
        // This review's comments so far, by key: `parse` saw to it that a
        // reply's parent is among them.
        let mut stored = HashMap::new();
        for c in &r.comments {
            let created_at = c.created_at.or(r.published_at).unwrap_or_else(now);
            let parent = match &c.parent {
                Some(key) => Some(*stored.get(key.as_str()).ok_or_else(|| {
                    ImportError::Reference(format!(
                        "comment `{}` replies to `{key}`, which is not an earlier comment on review `{}`",
                        c.key, r.slug
                    ))
                })?),
                None => None,
            };
            let thread = Thread { review_id, parent };
            let (comment, outcome) = upsert_comment(txn, text, thread, created_at, c).await?;
            report.count(outcome);
            stored.insert(c.key.as_str(), comment);
            for (position, cmp) in c.comparisons.iter().enumerate() {
                let source = Source::Comment(comment.id);
                report.count(upsert_comparison(txn, text, source, position as i32, cmp).await?);
            }
        }
    }
    write.commit().await?;
    Ok(report)
}

/// Loads the demo content when the database holds no films yet.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn load_demo_if_empty(
    db: &DatabaseConnection,
) -> Result<Option<ImportReport>, ImportError> {
    if film::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    Ok(Some(import(db, &parse(DEMO_CONTENT)?).await?))
}
