//! Full-text search over reviews, films and people, in each database's own
//! engine (see the `search_index` migration): FTS5 with BM25 on SQLite, a
//! weighted `tsvector` with `ts_rank_cd` on PostgreSQL. Titles (headline,
//! film title, name) weigh more than bodies. The engines' query languages
//! never see the reader's text: a [`SearchQuery`] holds only words.
//!
//! The index is kept current by the writers (the editorial service and the
//! importer call [`index`] and [`unindex`] in their transactions) and
//! filled on start when empty ([`fill_if_empty`]). Whether a review may be
//! found is decided at query time, as every public read decides it: a
//! scheduled review is found from its moment on, with nothing rewritten.
//!
//! Engine-specific SQL lives here, written out: neither FTS5's `MATCH` nor
//! `tsvector` has a sea-query form.

use chrono::{DateTime, Utc};
use entity::enums::{ReviewStatus, SubjectKind};
use entity::{film, person, review};
use sea_orm::sea_query::Value;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryOrder, QuerySelect,
    Statement,
};

use super::now;
use crate::domain::SearchQuery;
use crate::domain::text::{markdown_to_plain_text, normalize_name};

/// Marks where a snippet's match starts and ends (private-use characters,
/// which stored text does not hold); the API turns them into `<mark>`
/// after escaping the rest.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// Words in a snippet, about.
const SNIPPET_WORDS: u32 = 24;

/// A review counts for more than a film's synopsis or a name that merely
/// mention the words: the publication's readers come for its reviews, and
/// BM25 favours short texts, so a 25-word synopsis that names a thing once
/// would otherwise outrank the 600-word review about it.
const REVIEW_BOOST: f64 = 3.0;

/// What one object contributes to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: SubjectKind,
    pub id: i32,
    /// Weighs most: a headline, a title, a name.
    pub title: String,
    /// Plain text: a review's excerpt, body and verdict; a synopsis.
    pub body: String,
}

impl Document {
    pub fn review(r: &review::Model) -> Self {
        let mut body = r.excerpt.clone();
        body.push('\n');
        body.push_str(&markdown_to_plain_text(&r.body_markdown));
        if let Some(verdict) = &r.verdict {
            body.push('\n');
            body.push_str(verdict);
        }
        Self {
            kind: SubjectKind::Review,
            id: r.id,
            title: r.headline.clone(),
            body,
        }
    }

    pub fn film(f: &film::Model) -> Self {
        Self {
            kind: SubjectKind::Film,
            id: f.id,
            title: f.title.clone(),
            body: f.synopsis.clone().unwrap_or_default(),
        }
    }

    pub fn person(p: &person::Model) -> Self {
        Self {
            kind: SubjectKind::Person,
            id: p.id,
            title: p.name.clone(),
            body: String::new(),
        }
    }
}

fn kind_code(kind: SubjectKind) -> i64 {
    match kind {
        SubjectKind::Film => 1,
        SubjectKind::Person => 2,
        SubjectKind::Review => 3,
    }
}

fn kind_name(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Film => "FILM",
        SubjectKind::Person => "PERSON",
        SubjectKind::Review => "REVIEW",
    }
}

fn kind_from(name: &str) -> Option<SubjectKind> {
    match name {
        "FILM" => Some(SubjectKind::Film),
        "PERSON" => Some(SubjectKind::Person),
        "REVIEW" => Some(SubjectKind::Review),
        _ => None,
    }
}

/// The FTS5 rowid of an object: its id and kind in one integer.
fn rowid(kind: SubjectKind, id: i32) -> i64 {
    i64::from(id) * 4 + kind_code(kind)
}

/// Adds or replaces an object's entry.
pub async fn index(db: &impl ConnectionTrait, doc: &Document) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    match backend {
        DbBackend::Sqlite => {
            unindex(db, doc.kind, doc.id).await?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO search_index (rowid, kind, target_id, title, body) \
                 VALUES (?, ?, ?, ?, ?)",
                [
                    rowid(doc.kind, doc.id).into(),
                    kind_name(doc.kind).into(),
                    doc.id.into(),
                    doc.title.clone().into(),
                    doc.body.clone().into(),
                ],
            ))
            .await?;
        }
        _ => {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO search_index (kind, target_id, title, body, document) \
                 VALUES ($1, $2, $3, $4, \
                   setweight(to_tsvector('english', $5), 'A') \
                   || setweight(to_tsvector('english', $6), 'B')) \
                 ON CONFLICT (kind, target_id) DO UPDATE SET \
                   title = EXCLUDED.title, body = EXCLUDED.body, document = EXCLUDED.document",
                [
                    kind_name(doc.kind).into(),
                    doc.id.into(),
                    doc.title.clone().into(),
                    doc.body.clone().into(),
                    normalize_name(&doc.title).into(),
                    normalize_name(&doc.body).into(),
                ],
            ))
            .await?;
        }
    }
    Ok(())
}

/// Removes an object's entry (it was deleted, or merged away).
pub async fn unindex(db: &impl ConnectionTrait, kind: SubjectKind, id: i32) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            "DELETE FROM search_index WHERE rowid = ?",
            [rowid(kind, id).into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "DELETE FROM search_index WHERE kind = $1 AND target_id = $2",
            [kind_name(kind).into(), id.into()],
        ),
    };
    db.execute_raw(statement).await?;
    Ok(())
}

/// Rows read per batch when filling the index.
const FILL_BATCH: u64 = 500;

/// Indexes every review, film and person, in batches; returns how many.
pub async fn fill(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let mut count = 0;
    macro_rules! every {
        ($entity:ident, $make:path) => {{
            let mut after = 0;
            loop {
                let rows = entity::$entity::Entity::find()
                    .filter_by_id_after(after)
                    .order_by_asc(entity::$entity::Column::Id)
                    .limit(FILL_BATCH)
                    .all(db)
                    .await?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                for row in &rows {
                    index(db, &$make(row)).await?;
                    count += 1;
                }
            }
        }};
    }
    every!(person, Document::person);
    every!(film, Document::film);
    every!(review, Document::review);
    Ok(count)
}

/// `WHERE id > after`, for any of the three tables.
trait AfterId: Sized {
    fn filter_by_id_after(self, after: i32) -> Self;
}

macro_rules! after_id {
    ($entity:ident) => {
        impl AfterId for sea_orm::Select<entity::$entity::Entity> {
            fn filter_by_id_after(self, after: i32) -> Self {
                use sea_orm::{ColumnTrait, QueryFilter};
                self.filter(entity::$entity::Column::Id.gt(after))
            }
        }
    };
}

after_id!(person);
after_id!(film);
after_id!(review);

/// Fills the index when it is empty and there is content (the first start
/// after the index was added, or after rows were written without it), in
/// one transaction.
pub async fn fill_if_empty(db: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT EXISTS (SELECT 1 FROM search_index) AS present",
        ))
        .await?;
    let present = match row {
        Some(row) => row.try_get_by_index::<bool>(0).unwrap_or(false),
        None => false,
    };
    if !present {
        let txn = super::begin_write(db).await?;
        let indexed = fill(&*txn).await?;
        txn.commit().await?;
        if indexed > 0 {
            tracing::info!(indexed, "filled the search index");
        }
    }
    Ok(())
}

/// One hit: what it is, how well it matches, and a snippet with the
/// matched words between [`MARK_START`] and [`MARK_END`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: SubjectKind,
    pub id: i32,
    pub score: f64,
    pub snippet: String,
}

#[derive(Debug, FromQueryResult)]
struct HitRow {
    kind: String,
    target_id: i32,
    score: f64,
    snippet: String,
}

/// What to search and for whom.
#[derive(Debug, Clone)]
pub struct Search<'a> {
    pub query: &'a SearchQuery,
    pub kinds: &'a [SubjectKind],
    /// Editors also find drafts and reviews scheduled for later.
    pub drafts: bool,
    pub offset: u64,
    pub limit: u64,
}

/// The best matches first (ties by kind and id), one page of them. A query
/// with no words matches nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(db: &impl ConnectionTrait, s: &Search<'_>) -> Result<Vec<Hit>, DbErr> {
    if s.query.is_empty() || s.kinds.is_empty() || s.limit == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let kinds = s
        .kinds
        .iter()
        .map(|k| format!("'{}'", kind_name(*k)))
        .collect::<Vec<_>>()
        .join(", ");
    let at: DateTime<Utc> = now();
    let statement = match backend {
        DbBackend::Sqlite => {
            let visible = if s.drafts {
                String::new()
            } else {
                format!(
                    "AND (kind <> 'REVIEW' OR target_id IN (SELECT id FROM review \
                     WHERE status = '{}' AND published_at <= ?))",
                    published()
                )
            };
            let sql = format!(
                "SELECT kind, target_id, \
                   -bm25(search_index, 0.0, 0.0, 10.0, 1.0) \
                     * (CASE kind WHEN 'REVIEW' THEN {REVIEW_BOOST} ELSE 1.0 END) AS score, \
                   snippet(search_index, -1, char(57344), char(57345), '…', {SNIPPET_WORDS}) \
                     AS snippet \
                 FROM search_index \
                 WHERE search_index MATCH ? AND kind IN ({kinds}) {visible} \
                 ORDER BY score DESC, kind, target_id LIMIT ? OFFSET ?"
            );
            let mut values: Vec<Value> = vec![s.query.fts5().into()];
            if !s.drafts {
                values.push(at.into());
            }
            values.push((s.limit as i64).into());
            values.push((s.offset as i64).into());
            Statement::from_sql_and_values(backend, sql, values)
        }
        _ => {
            let visible = if s.drafts {
                String::new()
            } else {
                format!(
                    "AND (s.kind <> 'REVIEW' OR s.target_id IN (SELECT id FROM review \
                     WHERE status = '{}' AND published_at <= $5))",
                    published()
                )
            };
            let sql = format!(
                "WITH q AS (SELECT plainto_tsquery('english', $1) AS query), \
                 hits AS ( \
                   SELECT s.kind, s.target_id, s.title, s.body, \
                     ts_rank_cd(s.document, q.query)::float8 \
                       * (CASE s.kind WHEN 'REVIEW' THEN {REVIEW_BOOST} ELSE 1.0 END) AS score \
                   FROM search_index s, q \
                   WHERE s.document @@ q.query AND s.kind IN ({kinds}) {visible} \
                   ORDER BY score DESC, s.kind, s.target_id LIMIT $2 OFFSET $3) \
                 SELECT hits.kind, hits.target_id, hits.score, \
                   ts_headline('english', hits.title || E'\\n' || hits.body, q.query, $4) \
                     AS snippet \
                 FROM hits, q ORDER BY hits.score DESC, hits.kind, hits.target_id"
            );
            let options = format!(
                "StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, \
                 MinWords={}, MaxFragments=1, FragmentDelimiter=\" … \"",
                SNIPPET_WORDS / 2
            );
            let mut values: Vec<Value> = vec![
                s.query.plain().into(),
                (s.limit as i64).into(),
                (s.offset as i64).into(),
                options.into(),
            ];
            if !s.drafts {
                values.push(at.into());
            }
            Statement::from_sql_and_values(backend, sql, values)
        }
    };
    let rows = HitRow::find_by_statement(statement).all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Hit {
                kind: kind_from(&r.kind)?,
                id: r.target_id,
                score: r.score,
                snippet: r.snippet,
            })
        })
        .collect())
}

/// `review.status` of a published review, as stored.
fn published() -> String {
    use sea_orm::ActiveEnum;
    ReviewStatus::Published.to_value()
}
