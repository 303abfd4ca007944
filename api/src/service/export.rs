//! `marquee export [FILE]`: everything in the database written as a content
//! file, in the format `marquee import` reads (documented at the top of
//! `content/demo.toml`). Importing the file into an empty database is how a
//! publication moves, e.g. from SQLite to PostgreSQL.
//!
//! Written: people, films with their credits and filming locations, reviews
//! with their comparisons, and every comment with its status, its place in
//! its thread (`parent`) and its comparisons; each person's, film's and
//! review's old slugs (`aliases`); and the times the API shows (`created_at`,
//! `updated_at`, `published_at`). Reader emails and the comments' other
//! private fields (idempotency key, request hash, client address hash, user
//! agent, owner token hash) only with [`Options::include_private`].
//!
//! Not written, being history or machinery rather than content: the
//! `version` columns, review revisions, the editorial and moderation audit
//! trails, staff tokens, throttle counters and cost budgets.
//!
//! An export imported into an empty database gives back every column of
//! every content table but the ids (the tests compare them all), except:
//! - the creation times of credits, filming locations, comparisons and
//!   aliases, and a credit's update time, which nothing reads or shows:
//!   they become the time of the import;
//! - the `position` of filming locations and comparisons, which the format
//!   gives by order: the order is kept, and numbered again from 0 (as every
//!   writer numbers it);
//! - a comment that has no idempotency key gets one, `import:` and its key
//!   in the file, so that importing the file again still changes nothing;
//! - `name_normalized`, `title_normalized` and a comment's `depth` are
//!   derived again from what they derive from;
//! - an alias whose object no longer exists, which has nothing to hang from;
//! - without `include_private`, the private fields.
//!
//! The text is written as stored, and the file says so (`verbatim = true`),
//! so the import neither repairs nor trims it.
//!
//! Memory stays bounded however large the database: rows are read in id
//! batches and each review's comments in chunks, and each batch is written
//! before the next is read. The export reads one snapshot (a read-only,
//! repeatable-read transaction on PostgreSQL; a read transaction on SQLite,
//! whose WAL gives it a snapshot), so a server writing meanwhile cannot tear
//! it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;

use chrono::{DateTime, Utc};
use entity::enums::{CommentStatus, CreditRole, ReviewStatus, SubjectKind};
use entity::{comment, comparison, credit, film, film_location, person, review, slug_alias};
use sea_orm::{
    AccessMode, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, FromQueryResult, IsolationLevel, QueryFilter, QueryOrder, QuerySelect, Select,
    TransactionTrait,
};
use serde::Serialize;

use super::group_by;
use super::import::{file_key, import_key};

/// People or films read and written at a time.
const BATCH: u64 = 500;
/// Reviews read at a time, with their comparisons and aliases.
const REVIEW_BATCH: u64 = 100;
/// A review's comments read and written at a time.
const COMMENT_CHUNK: u64 = 500;

/// What to export.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Whether to write reader emails and the comments' other private
    /// fields. Without it, nothing in the file identifies a reader beyond
    /// the name and website they published.
    pub include_private: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub people: u64,
    pub films: u64,
    pub reviews: u64,
    pub comments: u64,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot write the content file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the content file: {0}")]
    Toml(#[from] toml::ser::Error),
    /// The database holds something the format cannot say, such as a reply
    /// older than the comment it replies to.
    #[error("{0}")]
    Inconsistent(String),
}

/// Writes the whole database to `out` as a content file.
#[tracing::instrument(skip_all, fields(include_private = options.include_private))]
pub async fn export<W: Write + Send>(
    db: &DatabaseConnection,
    out: &mut W,
    options: Options,
) -> Result<ExportReport, ExportError> {
    let txn = snapshot(db).await?;
    out.write_all(header(options).as_bytes())?;
    let mut report = ExportReport {
        people: people(&txn, out).await?,
        films: films(&txn, out).await?,
        ..Default::default()
    };
    let keys = Keys::new(&txn).await?;
    reviews(&txn, out, options, &keys, &mut report).await?;
    out.flush()?;
    txn.commit().await?;
    tracing::debug!(?report, "exported");
    Ok(report)
}

/// One consistent view of the database for the whole export.
async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        // SQLite (in WAL mode) reads one snapshot from a transaction's first
        // read to its end.
        _ => db.begin().await,
    }
}

/// The file's opening lines. Nothing in them varies from run to run, so two
/// exports of the same database are the same bytes.
fn header(options: Options) -> String {
    let private = if options.include_private {
        "with private fields: reader emails, idempotency keys,\n\
         # client address hashes, user agents and owner token hashes. Keep it\n\
         # as private as the database."
    } else {
        "without private fields\n\
         # (no reader emails)."
    };
    format!(
        "# Marquee content file, written by `marquee export` {private}\n\
         # `marquee import FILE` loads it into an empty database; the format is\n\
         # documented at the top of content/demo.toml.\n\
         \n\
         # The text below is as stored: import it without repairs or trimming.\n\
         verbatim = true\n"
    )
}

/// Appends `section` (a table whose fields are arrays of tables) to the file.
fn write_section<W: Write>(out: &mut W, section: &impl Serialize) -> Result<(), ExportError> {
    out.write_all(b"\n")?;
    out.write_all(toml::to_string(section)?.as_bytes())?;
    Ok(())
}

// ---- What is written: the content format's fields, in the order a reader
// expects them. Absent optional fields are left out; so are defaults where
// the format names one.

#[derive(Serialize)]
struct PersonOut<'a> {
    slug: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct ImageOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alt: Option<&'a str>,
}

impl<'a> ImageOut<'a> {
    fn of(url: &'a Option<String>, alt: &'a Option<String>) -> Option<Self> {
        (url.is_some() || alt.is_some()).then_some(Self {
            url: url.as_deref(),
            alt: alt.as_deref(),
        })
    }
}

#[derive(Serialize)]
struct FilmOut<'a> {
    slug: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    synopsis: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    poster: Option<ImageOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    credits: Vec<CreditOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<LocationOut>,
}

/// A credit with its person's slug.
#[derive(Serialize, FromQueryResult)]
struct CreditOut {
    #[serde(skip)]
    film_id: i32,
    person: String,
    role: CreditRole,
    #[serde(skip_serializing_if = "Option::is_none")]
    job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    character: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    character_note: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    voice: bool,
    #[serde(rename = "billing")]
    billing_order: i32,
}

#[derive(Serialize)]
struct LocationOut {
    place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stands_in_for: Option<String>,
}

#[derive(Serialize)]
struct ReviewOut<'a> {
    slug: &'a str,
    film: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    byline: Option<&'a str>,
    status: ReviewStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<DateTime<Utc>>,
    comments_open: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'a str>,
    excerpt: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    poster: Option<ImageOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    comparisons: Vec<ComparisonOut>,
}

/// A comparison with the slugs of its film and person.
#[derive(Serialize, FromQueryResult)]
struct ComparisonOut {
    #[serde(skip)]
    review_id: Option<i32>,
    #[serde(skip)]
    comment_id: Option<i32>,
    film: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<String>,
    note: String,
    recommended: bool,
}

#[derive(Serialize)]
struct CommentOut<'a> {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    author_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_url: Option<&'a str>,
    status: CommentStatus,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_ip_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_token_hash: Option<&'a str>,
    body: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    comparisons: Vec<ComparisonOut>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `[[people]]` tables.
#[derive(Serialize)]
struct People<'a> {
    people: Vec<PersonOut<'a>>,
}

/// `[[films]]` tables.
#[derive(Serialize)]
struct Films<'a> {
    films: Vec<FilmOut<'a>>,
}

/// One `[[reviews]]` table, without its comments.
#[derive(Serialize)]
struct Reviews<'a> {
    reviews: [ReviewOut<'a>; 1],
}

/// `[[reviews.comments]]` tables: more comments of the review written last.
#[derive(Serialize)]
struct MoreComments<'a> {
    reviews: Comments<'a>,
}

#[derive(Serialize)]
struct Comments<'a> {
    comments: Vec<CommentOut<'a>>,
}

// ---- Reading.

/// The aliases of the `kind` objects with ids in `(after, last]`, in the
/// order they were made.
async fn aliases(
    txn: &DatabaseTransaction,
    kind: SubjectKind,
    after: i32,
    last: i32,
) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let rows: Vec<(i32, String)> = slug_alias::Entity::find()
        .select_only()
        .column(slug_alias::Column::TargetId)
        .column(slug_alias::Column::Slug)
        .filter(slug_alias::Column::Kind.eq(kind))
        .filter(slug_alias::Column::TargetId.gt(after))
        .filter(slug_alias::Column::TargetId.lte(last))
        .order_by_asc(slug_alias::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let mut by_target: HashMap<i32, Vec<String>> = HashMap::new();
    for (target, slug) in rows {
        by_target.entry(target).or_default().push(slug);
    }
    Ok(by_target)
}

/// Writes every person; returns how many.
async fn people<W: Write>(txn: &DatabaseTransaction, out: &mut W) -> Result<u64, ExportError> {
    let (mut after, mut count) = (0, 0);
    loop {
        let batch = person::Entity::find()
            .filter(person::Column::Id.gt(after))
            .order_by_asc(person::Column::Id)
            .limit(BATCH)
            .all(txn)
            .await?;
        let Some(last) = batch.last().map(|p| p.id) else {
            break;
        };
        let mut aliases = aliases(txn, SubjectKind::Person, after, last).await?;
        let people = batch
            .iter()
            .map(|p| PersonOut {
                slug: &p.slug,
                name: &p.name,
                aliases: aliases.remove(&p.id).unwrap_or_default(),
                created_at: p.created_at,
                updated_at: p.updated_at,
            })
            .collect();
        write_section(out, &People { people })?;
        count += batch.len() as u64;
        after = last;
    }
    Ok(count)
}

/// Writes every film with its credits and locations; returns how many.
async fn films<W: Write>(txn: &DatabaseTransaction, out: &mut W) -> Result<u64, ExportError> {
    let (mut after, mut count) = (0, 0);
    loop {
        let batch = film::Entity::find()
            .filter(film::Column::Id.gt(after))
            .order_by_asc(film::Column::Id)
            .limit(BATCH)
            .all(txn)
            .await?;
        let Some(last) = batch.last().map(|f| f.id) else {
            break;
        };
        let mut aliases = aliases(txn, SubjectKind::Film, after, last).await?;
        // As the API lists them: by billing, then as entered.
        let credits = credit::Entity::find()
            .select_only()
            .columns([
                credit::Column::FilmId,
                credit::Column::Role,
                credit::Column::Job,
                credit::Column::Character,
                credit::Column::CharacterNote,
                credit::Column::Voice,
                credit::Column::BillingOrder,
            ])
            .column_as(person::Column::Slug, "person")
            .inner_join(person::Entity)
            .filter(credit::Column::FilmId.gt(after))
            .filter(credit::Column::FilmId.lte(last))
            .order_by_asc(credit::Column::FilmId)
            .order_by_asc(credit::Column::BillingOrder)
            .order_by_asc(credit::Column::Id)
            .into_model::<CreditOut>()
            .all(txn)
            .await?;
        let mut credits = group_by(credits, |c| c.film_id);
        let locations = film_location::Entity::find()
            .filter(film_location::Column::FilmId.gt(after))
            .filter(film_location::Column::FilmId.lte(last))
            .order_by_asc(film_location::Column::FilmId)
            .order_by_asc(film_location::Column::Position)
            .order_by_asc(film_location::Column::Id)
            .all(txn)
            .await?;
        let mut locations = group_by(locations, |l| l.film_id);
        let films = batch
            .iter()
            .map(|f| FilmOut {
                slug: &f.slug,
                title: &f.title,
                release_year: f.release_year,
                synopsis: f.synopsis.as_deref(),
                aliases: aliases.remove(&f.id).unwrap_or_default(),
                created_at: f.created_at,
                updated_at: f.updated_at,
                poster: ImageOut::of(&f.poster_url, &f.poster_alt),
                credits: credits.remove(&f.id).unwrap_or_default(),
                locations: locations
                    .remove(&f.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| LocationOut {
                        place: l.place,
                        area: l.area,
                        stands_in_for: l.stands_in_for,
                    })
                    .collect(),
            })
            .collect();
        write_section(out, &Films { films })?;
        count += batch.len() as u64;
        after = last;
    }
    Ok(count)
}

/// Comparisons with the slugs of their films and people, in their order.
fn comparisons() -> Select<comparison::Entity> {
    comparison::Entity::find()
        .select_only()
        .columns([
            comparison::Column::ReviewId,
            comparison::Column::CommentId,
            comparison::Column::Note,
            comparison::Column::Recommended,
        ])
        .column_as(film::Column::Slug, "film")
        .column_as(person::Column::Slug, "person")
        .inner_join(film::Entity)
        .left_join(person::Entity)
}

/// Writes every review, each followed by its comments.
async fn reviews<W: Write>(
    txn: &DatabaseTransaction,
    out: &mut W,
    options: Options,
    keys: &Keys,
    report: &mut ExportReport,
) -> Result<(), ExportError> {
    let mut after = 0;
    loop {
        let batch = review::Entity::find()
            .filter(review::Column::Id.gt(after))
            .order_by_asc(review::Column::Id)
            .limit(REVIEW_BATCH)
            .all(txn)
            .await?;
        let Some(last) = batch.last().map(|r| r.id) else {
            break;
        };
        let film_ids: BTreeSet<i32> = batch.iter().map(|r| r.film_id).collect();
        let film_slugs: HashMap<i32, String> = film::Entity::find()
            .select_only()
            .columns([film::Column::Id, film::Column::Slug])
            .filter(film::Column::Id.is_in(film_ids))
            .into_tuple::<(i32, String)>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        let mut aliases = aliases(txn, SubjectKind::Review, after, last).await?;
        let comparisons = comparisons()
            .filter(comparison::Column::ReviewId.gt(after))
            .filter(comparison::Column::ReviewId.lte(last))
            .order_by_asc(comparison::Column::ReviewId)
            .order_by_asc(comparison::Column::Position)
            .order_by_asc(comparison::Column::Id)
            .into_model::<ComparisonOut>()
            .all(txn)
            .await?;
        let mut comparisons = group_by(comparisons, |c| c.review_id);
        for r in &batch {
            let film = film_slugs.get(&r.film_id).ok_or_else(|| {
                ExportError::Inconsistent(format!("review {} names no film", r.id))
            })?;
            let review = ReviewOut {
                slug: &r.slug,
                film,
                headline: &r.headline,
                byline: r.byline.as_deref(),
                status: r.status,
                published_at: r.published_at,
                comments_open: r.comments_open,
                aliases: aliases.remove(&r.id).unwrap_or_default(),
                created_at: r.created_at,
                updated_at: r.updated_at,
                verdict: r.verdict.as_deref(),
                excerpt: &r.excerpt,
                body: &r.body_markdown,
                poster: ImageOut::of(&r.poster_url, &r.poster_alt),
                comparisons: comparisons.remove(&Some(r.id)).unwrap_or_default(),
            };
            write_section(out, &Reviews { reviews: [review] })?;
            report.comments += comments(txn, out, options, keys, r.id).await?;
        }
        report.reviews += batch.len() as u64;
        after = last;
    }
    Ok(())
}

/// Writes a review's comments, oldest (by id) first, so a reply always
/// follows the comment it replies to; returns how many.
async fn comments<W: Write>(
    txn: &DatabaseTransaction,
    out: &mut W,
    options: Options,
    keys: &Keys,
    review_id: i32,
) -> Result<u64, ExportError> {
    let (mut after, mut count) = (0, 0);
    loop {
        let chunk = comment::Entity::find()
            .filter(comment::Column::ReviewId.eq(review_id))
            .filter(comment::Column::Id.gt(after))
            .order_by_asc(comment::Column::Id)
            .limit(COMMENT_CHUNK)
            .all(txn)
            .await?;
        let Some(last) = chunk.last().map(|c| c.id) else {
            break;
        };
        // The parents written in earlier chunks: their ids and keys, to
        // name them by key.
        let in_chunk: HashSet<i32> = chunk.iter().map(|c| c.id).collect();
        let earlier: BTreeSet<i32> = chunk
            .iter()
            .filter_map(|c| c.parent_id)
            .filter(|p| !in_chunk.contains(p))
            .collect();
        let earlier: Vec<(i32, i32, Option<String>)> = if earlier.is_empty() {
            Vec::new()
        } else {
            comment::Entity::find()
                .select_only()
                .columns([
                    comment::Column::Id,
                    comment::Column::ReviewId,
                    comment::Column::IdempotencyKey,
                ])
                .filter(comment::Column::Id.is_in(earlier))
                .into_tuple()
                .all(txn)
                .await?
        };
        let review_of: HashMap<i32, i32> = earlier.iter().map(|(id, r, _)| (*id, *r)).collect();
        let stored = chunk
            .iter()
            .map(|c| (c.id, c.idempotency_key.as_deref()))
            .chain(earlier.iter().map(|(id, _, key)| (*id, key.as_deref())));
        let file_keys = keys.file_keys(txn, stored.collect()).await?;

        let comparisons = comparisons()
            .filter(comparison::Column::CommentId.is_in(in_chunk.iter().copied()))
            .order_by_asc(comparison::Column::CommentId)
            .order_by_asc(comparison::Column::Position)
            .order_by_asc(comparison::Column::Id)
            .into_model::<ComparisonOut>()
            .all(txn)
            .await?;
        let mut comparisons = group_by(comparisons, |c| c.comment_id);

        let private = options.include_private;
        let mut comments = Vec::with_capacity(chunk.len());
        for c in &chunk {
            let parent = match c.parent_id {
                None => None,
                Some(p) => {
                    // A reply is younger than its parent and on the same
                    // review: what the import needs to rebuild the thread.
                    let same_review =
                        in_chunk.contains(&p) || review_of.get(&p) == Some(&review_id);
                    if p >= c.id || !same_review {
                        return Err(ExportError::Inconsistent(format!(
                            "comment {} replies to comment {p}, which is not an older comment on the same review",
                            c.id
                        )));
                    }
                    Some(file_keys[&p].clone())
                }
            };
            // A key the import stored speaks for itself; a client's key is
            // private.
            let client_key = c
                .idempotency_key
                .as_deref()
                .filter(|k| file_key(k).is_none());
            comments.push(CommentOut {
                key: file_keys[&c.id].clone(),
                parent,
                author_name: &c.author_name,
                author_email: c.author_email.as_deref().filter(|_| private),
                author_url: c.author_url.as_deref(),
                status: c.status,
                created_at: c.created_at,
                updated_at: c.updated_at,
                idempotency_key: client_key.filter(|_| private),
                request_hash: c.request_hash.as_deref().filter(|_| private),
                client_ip_hash: c.client_ip_hash.as_deref().filter(|_| private),
                user_agent: c.user_agent.as_deref().filter(|_| private),
                owner_token_hash: c.owner_token_hash.as_deref().filter(|_| private),
                body: &c.body,
                comparisons: comparisons.remove(&Some(c.id)).unwrap_or_default(),
            });
        }
        write_section(
            out,
            &MoreComments {
                reviews: Comments { comments },
            },
        )?;
        count += chunk.len() as u64;
        if (chunk.len() as u64) < COMMENT_CHUNK {
            break;
        }
        after = last;
    }
    Ok(count)
}

/// Gives each comment its key in the file. A comment an import stored keeps
/// the key it was imported under. Any other (posted through the API, with
/// or without a client's key) gets `comment-ID`, or `comment-ID-2`, … when
/// an earlier import already used that key for another comment (as after a
/// move: the moved comments keep the keys their old ids gave them).
struct Keys {
    /// Whether any stored key looks like one this gives out; if none does,
    /// there is nothing to check.
    may_clash: bool,
}

impl Keys {
    async fn new(txn: &DatabaseTransaction) -> Result<Self, DbErr> {
        let clash: Option<i32> = comment::Entity::find()
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::IdempotencyKey.starts_with(import_key(GENERATED_PREFIX)))
            .into_tuple()
            .one(txn)
            .await?;
        Ok(Self {
            may_clash: clash.is_some(),
        })
    }

    /// The file keys of `comments` (id, stored key), by id.
    async fn file_keys(
        &self,
        txn: &DatabaseTransaction,
        comments: Vec<(i32, Option<&str>)>,
    ) -> Result<HashMap<i32, String>, DbErr> {
        let mut keys = HashMap::with_capacity(comments.len());
        // (id, attempt) of the comments still without a key.
        let mut pending = Vec::new();
        for (id, stored) in comments {
            match stored.and_then(file_key) {
                Some(key) => {
                    keys.insert(id, key.to_owned());
                }
                None => pending.push((id, 1)),
            }
        }
        while !pending.is_empty() {
            let taken: HashSet<String> = if self.may_clash {
                comment::Entity::find()
                    .select_only()
                    .column(comment::Column::IdempotencyKey)
                    .filter(
                        comment::Column::IdempotencyKey.is_in(
                            pending
                                .iter()
                                .map(|&(id, attempt)| import_key(&generated(id, attempt))),
                        ),
                    )
                    .into_tuple()
                    .all(txn)
                    .await?
                    .into_iter()
                    .collect()
            } else {
                HashSet::new()
            };
            pending.retain_mut(|(id, attempt)| {
                let key = generated(*id, *attempt);
                if taken.contains(&import_key(&key)) {
                    *attempt += 1;
                    true
                } else {
                    keys.insert(*id, key);
                    false
                }
            });
        }
        Ok(keys)
    }
}

/// How the keys [`generated`] gives out begin.
const GENERATED_PREFIX: &str = "comment-";

/// The `attempt`th key for the comment `id` that has none of its own.
fn generated(id: i32, attempt: u32) -> String {
    match attempt {
        1 => format!("{GENERATED_PREFIX}{id}"),
        n => format!("{GENERATED_PREFIX}{id}-{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_by_id_and_attempt() {
        assert_eq!(generated(7, 1), "comment-7");
        assert_eq!(generated(7, 2), "comment-7-2");
        assert_ne!(generated(72, 1), generated(7, 2));
    }

    #[test]
    fn the_header_is_a_valid_start_of_a_verbatim_file() {
        for include_private in [false, true] {
            let content = crate::service::import::parse(&header(Options { include_private }))
                .expect("the header parses");
            assert!(content.verbatim);
        }
    }
}
