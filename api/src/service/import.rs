//! Content import: the demo content at first start, and `marquee import FILE`.
//!
//! Rows are matched by their natural keys (slugs; a credit's film, person and
//! role; a comment's `key`) and only changed fields are written, so importing
//! the same file twice changes nothing. The format is documented at the top
//! of `content/demo.toml`.

use chrono::{DateTime, Utc};
use entity::enums::{CommentStatus, CreditRole, ReviewStatus};
use entity::{comment, comparison, credit, film, film_location, person, review};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, TryIntoModel,
};
use serde::Deserialize;
use toml::Spanned;

use super::{begin_write, now};
use crate::domain::text::{excerpt, normalize_name, repair_mojibake};
use crate::domain::{AuthorName, AuthorUrl, CommentBody, Email, Slug};

/// The demo content: the review of *Her*, shipped inside the binary.
pub const DEMO_CONTENT: &str = include_str!("../../../content/demo.toml");

/// Characters in a derived excerpt.
const EXCERPT_CHARS: usize = 280;

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

#[derive(Debug, Clone, Copy)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    #[serde(default)]
    pub people: Vec<PersonIn>,
    #[serde(default)]
    pub films: Vec<FilmIn>,
    #[serde(default)]
    pub reviews: Vec<ReviewIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub url: String,
    pub alt: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilmIn {
    pub slug: String,
    pub title: String,
    pub release_year: Option<i32>,
    pub synopsis: Option<String>,
    pub poster: Option<Image>,
    #[serde(default)]
    pub credits: Vec<CreditIn>,
    #[serde(default)]
    pub locations: Vec<LocationIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditIn {
    pub person: String,
    pub role: CreditRole,
    pub job: Option<String>,
    pub character: Option<String>,
    pub character_note: Option<String>,
    #[serde(default)]
    pub voice: bool,
    #[serde(default)]
    pub billing: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    pub place: String,
    pub area: Option<String>,
    pub stands_in_for: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    pub slug: String,
    pub film: String,
    pub headline: String,
    pub byline: Option<String>,
    pub status: ReviewStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub verdict: Option<String>,
    pub poster: Option<Image>,
    pub body: String,
    pub excerpt: Option<String>,
    /// Whether readers may comment; true when absent.
    #[serde(default = "default_true")]
    pub comments_open: bool,
    #[serde(default)]
    pub comparisons: Vec<ComparisonIn>,
    #[serde(default)]
    pub comments: Vec<CommentIn>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonIn {
    pub film: String,
    pub person: Option<String>,
    pub note: String,
    #[serde(default)]
    pub recommended: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    pub key: String,
    /// The author's fields keep where they stand in the file, so a refusal
    /// can name the line.
    pub author_name: Spanned<String>,
    pub author_email: Option<Spanned<String>>,
    pub author_url: Option<Spanned<String>>,
    pub body: Spanned<String>,
    pub status: CommentStatus,
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub comparisons: Vec<ComparisonIn>,
}

/// A comment's author fields, validated by the same domain types as
/// `addComment` uses. An imported comment may lack an email (comments
/// carried over from elsewhere often do); the API's always has one.
pub struct CommentFields {
    pub author_name: AuthorName,
    pub author_email: Option<Email>,
    pub author_url: Option<AuthorUrl>,
    pub body: CommentBody,
}

impl CommentIn {
    /// The fields, validated after mis-decoded text is repaired. The error
    /// names the first refused field and its span in the file.
    pub fn validated(
        &self,
    ) -> Result<CommentFields, (std::ops::Range<usize>, &'static str, String)> {
        let refused = |span: std::ops::Range<usize>, field: &'static str| {
            move |e: crate::domain::FieldError| (span, field, e.message)
        };
        let author_name = AuthorName::parse(&clean(self.author_name.get_ref()))
            .map_err(refused(self.author_name.span(), "author_name"))?;
        let author_email = match &self.author_email {
            Some(email) => Some(
                Email::parse(&clean(email.get_ref()))
                    .map_err(refused(email.span(), "author_email"))?,
            ),
            None => None,
        };
        let author_url = match &self.author_url {
            Some(url) => AuthorUrl::parse(&clean(url.get_ref()))
                .map_err(refused(url.span(), "author_url"))?,
            None => None,
        };
        let body = CommentBody::parse(&clean(self.body.get_ref()))
            .map_err(refused(self.body.span(), "body"))?;
        Ok(CommentFields {
            author_name,
            author_email,
            author_url,
            body,
        })
    }
}

/// Parses a content file and checks every slug and every comment's author
/// fields in it, before anything is written.
pub fn parse(text: &str) -> Result<Content, ImportError> {
    let content: Content = toml::from_str(text)?;
    for comment in content.reviews.iter().flat_map(|r| &r.comments) {
        comment
            .validated()
            .map_err(|(span, field, reason)| ImportError::Field {
                line: text[..span.start.min(text.len())].matches('\n').count() + 1,
                field,
                reason,
            })?;
    }
    let slugs = content
        .people
        .iter()
        .map(|p| &p.slug)
        .chain(
            content
                .films
                .iter()
                .flat_map(|f| std::iter::once(&f.slug).chain(f.credits.iter().map(|c| &c.person))),
        )
        .chain(content.reviews.iter().flat_map(|r| {
            let comparisons = r
                .comparisons
                .iter()
                .chain(r.comments.iter().flat_map(|c| &c.comparisons));
            [&r.slug, &r.film]
                .into_iter()
                .chain(comparisons.flat_map(|c| std::iter::once(&c.film).chain(&c.person)))
        }));
    for slug in slugs {
        Slug::parse(slug).map_err(|e| ImportError::Slug {
            slug: slug.clone(),
            reason: e.message,
        })?;
    }
    Ok(content)
}

/// Clean text: mis-decoded characters repaired, surrounding space trimmed.
fn clean(s: &str) -> String {
    repair_mojibake(s).trim().to_owned()
}

fn clean_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(clean).filter(|s| !s.is_empty())
}

/// Imports content in one transaction: all of it, or nothing.
#[tracing::instrument(skip_all)]
pub async fn import(
    db: &DatabaseConnection,
    content: &Content,
) -> Result<ImportReport, ImportError> {
    let txn = begin_write(db).await?;
    let mut report = ImportReport::default();
    for p in &content.people {
        report.count(upsert_person(&txn, p).await?.1);
    }
    for f in &content.films {
        let (film_id, outcome) = upsert_film(&txn, f).await?;
        report.count(outcome);
        for c in &f.credits {
            let person_id = person_id(&txn, &c.person).await?;
            report.count(upsert_credit(&txn, film_id, person_id, c).await?);
        }
        for (position, l) in f.locations.iter().enumerate() {
            report.count(upsert_location(&txn, film_id, position as i32, l).await?);
        }
    }
    for r in &content.reviews {
        let film_id = film_id(&txn, &r.film).await?;
        let (review_id, outcome) = upsert_review(&txn, film_id, r).await?;
        report.count(outcome);
        for (position, c) in r.comparisons.iter().enumerate() {
            report.count(
                upsert_comparison(&txn, Source::Review(review_id), position as i32, c).await?,
            );
        }
        for c in &r.comments {
            let created_at = c.created_at.or(r.published_at).unwrap_or_else(now);
            let (comment_id, outcome) = upsert_comment(&txn, review_id, created_at, c).await?;
            report.count(outcome);
            for (position, cmp) in c.comparisons.iter().enumerate() {
                report.count(
                    upsert_comparison(&txn, Source::Comment(comment_id), position as i32, cmp)
                        .await?,
                );
            }
        }
    }
    txn.commit().await?;
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

async fn person_id(txn: &DatabaseTransaction, slug: &str) -> Result<i32, ImportError> {
    person::Entity::find()
        .filter(person::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(|p| p.id)
        .ok_or_else(|| ImportError::Reference(format!("no person with slug `{slug}`")))
}

async fn film_id(txn: &DatabaseTransaction, slug: &str) -> Result<i32, ImportError> {
    film::Entity::find()
        .filter(film::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(|f| f.id)
        .ok_or_else(|| ImportError::Reference(format!("no film with slug `{slug}`")))
}

/// Inserts `fresh` when `existing` is None; otherwise writes only the fields
/// `apply` changed, bumping `updated_at` (through `touch`) if there were any.
async fn save<A>(
    txn: &impl ConnectionTrait,
    existing: Option<A>,
    fresh: impl FnOnce() -> A,
    apply: impl FnOnce(&mut A),
    touch: impl FnOnce(&mut A),
) -> Result<(<A::Entity as EntityTrait>::Model, Outcome), DbErr>
where
    A: ActiveModelTrait
        + sea_orm::ActiveModelBehavior
        + Send
        + TryIntoModel<<A::Entity as EntityTrait>::Model>,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    match existing {
        None => {
            let mut row = fresh();
            apply(&mut row);
            Ok((row.insert(txn).await?, Outcome::Created))
        }
        Some(mut row) => {
            apply(&mut row);
            if row.is_changed() {
                touch(&mut row);
                Ok((row.update(txn).await?, Outcome::Updated))
            } else {
                let model = row
                    .try_into_model()
                    .map_err(|e| DbErr::Custom(format!("incomplete row: {e}")))?;
                Ok((model, Outcome::Unchanged))
            }
        }
    }
}

async fn upsert_person(txn: &DatabaseTransaction, p: &PersonIn) -> Result<(i32, Outcome), DbErr> {
    let existing = person::Entity::find()
        .filter(person::Column::Slug.eq(&p.slug))
        .one(txn)
        .await?
        .map(person::ActiveModel::from);
    let at = now();
    let name = clean(&p.name);
    let (row, outcome) = save(
        txn,
        existing,
        || person::ActiveModel {
            id: NotSet,
            slug: Set(p.slug.clone()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
        |row| {
            row.name.set_if_not_equals(name.clone());
            row.name_normalized.set_if_not_equals(normalize_name(&name));
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok((row.id, outcome))
}

async fn upsert_film(txn: &DatabaseTransaction, f: &FilmIn) -> Result<(i32, Outcome), DbErr> {
    let existing = film::Entity::find()
        .filter(film::Column::Slug.eq(&f.slug))
        .one(txn)
        .await?
        .map(film::ActiveModel::from);
    let at = now();
    let title = clean(&f.title);
    let (row, outcome) = save(
        txn,
        existing,
        || film::ActiveModel {
            slug: Set(f.slug.clone()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
        |row| {
            row.title_normalized
                .set_if_not_equals(normalize_name(&title));
            row.title.set_if_not_equals(title);
            row.release_year.set_if_not_equals(f.release_year);
            row.synopsis.set_if_not_equals(clean_opt(&f.synopsis));
            row.poster_url
                .set_if_not_equals(f.poster.as_ref().map(|p| p.url.clone()));
            row.poster_alt
                .set_if_not_equals(f.poster.as_ref().map(|p| clean(&p.alt)));
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok((row.id, outcome))
}

async fn upsert_credit(
    txn: &DatabaseTransaction,
    film_id: i32,
    person_id: i32,
    c: &CreditIn,
) -> Result<Outcome, DbErr> {
    let existing = credit::Entity::find()
        .filter(credit::Column::FilmId.eq(film_id))
        .filter(credit::Column::PersonId.eq(person_id))
        .filter(credit::Column::Role.eq(c.role))
        .one(txn)
        .await?
        .map(credit::ActiveModel::from);
    let at = now();
    let (_, outcome) = save(
        txn,
        existing,
        || credit::ActiveModel {
            film_id: Set(film_id),
            person_id: Set(person_id),
            role: Set(c.role),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
        |row| {
            row.job.set_if_not_equals(clean_opt(&c.job));
            row.character.set_if_not_equals(clean_opt(&c.character));
            row.character_note
                .set_if_not_equals(clean_opt(&c.character_note));
            row.voice.set_if_not_equals(c.voice);
            row.billing_order.set_if_not_equals(c.billing);
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok(outcome)
}

async fn upsert_location(
    txn: &DatabaseTransaction,
    film_id: i32,
    position: i32,
    l: &LocationIn,
) -> Result<Outcome, DbErr> {
    let place = clean(&l.place);
    let area = clean_opt(&l.area);
    let mut find = film_location::Entity::find()
        .filter(film_location::Column::FilmId.eq(film_id))
        .filter(film_location::Column::Place.eq(&place));
    find = match &area {
        Some(area) => find.filter(film_location::Column::Area.eq(area)),
        None => find.filter(film_location::Column::Area.is_null()),
    };
    let existing = find.one(txn).await?.map(film_location::ActiveModel::from);
    let (_, outcome) = save(
        txn,
        existing,
        || film_location::ActiveModel {
            film_id: Set(film_id),
            place: Set(place.clone()),
            area: Set(area.clone()),
            created_at: Set(now()),
            ..Default::default()
        },
        |row| {
            row.stands_in_for
                .set_if_not_equals(clean_opt(&l.stands_in_for));
            row.position.set_if_not_equals(position);
        },
        |_| {},
    )
    .await?;
    Ok(outcome)
}

async fn upsert_review(
    txn: &DatabaseTransaction,
    film_id: i32,
    r: &ReviewIn,
) -> Result<(i32, Outcome), DbErr> {
    let existing = review::Entity::find()
        .filter(review::Column::Slug.eq(&r.slug))
        .one(txn)
        .await?
        .map(review::ActiveModel::from);
    let at = now();
    let body = repair_mojibake(r.body.trim());
    let summary = clean_opt(&r.excerpt).unwrap_or_else(|| excerpt(&body, EXCERPT_CHARS));
    let (row, outcome) = save(
        txn,
        existing,
        || review::ActiveModel {
            slug: Set(r.slug.clone()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
        |row| {
            row.film_id.set_if_not_equals(film_id);
            row.headline.set_if_not_equals(clean(&r.headline));
            row.byline.set_if_not_equals(clean_opt(&r.byline));
            row.body_markdown.set_if_not_equals(body);
            row.excerpt.set_if_not_equals(summary);
            row.verdict.set_if_not_equals(clean_opt(&r.verdict));
            row.poster_url
                .set_if_not_equals(r.poster.as_ref().map(|p| p.url.clone()));
            row.poster_alt
                .set_if_not_equals(r.poster.as_ref().map(|p| clean(&p.alt)));
            row.status.set_if_not_equals(r.status);
            row.published_at.set_if_not_equals(r.published_at);
            row.comments_open.set_if_not_equals(r.comments_open);
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok((row.id, outcome))
}

/// The comment key as stored: imported keys live in their own namespace of
/// the idempotency keys, so they never collide with a client's.
fn import_key(key: &str) -> String {
    format!("import:{key}")
}

async fn upsert_comment(
    txn: &DatabaseTransaction,
    review_id: i32,
    created_at: DateTime<Utc>,
    c: &CommentIn,
) -> Result<(i32, Outcome), DbErr> {
    let key = import_key(&c.key);
    // `parse` refused any file with an invalid comment; this only fails for
    // content built in code without it.
    let fields = c.validated().map_err(|(_, field, reason)| {
        DbErr::Custom(format!("comment `{}`: `{field}`: {reason}", c.key))
    })?;
    let existing = comment::Entity::find()
        .filter(comment::Column::IdempotencyKey.eq(&key))
        .one(txn)
        .await?
        .map(comment::ActiveModel::from);
    let at = now();
    let (row, outcome) = save(
        txn,
        existing,
        || comment::ActiveModel {
            idempotency_key: Set(Some(key.clone())),
            created_at: Set(created_at),
            updated_at: Set(at),
            ..Default::default()
        },
        |row| {
            row.review_id.set_if_not_equals(review_id);
            row.parent_id.set_if_not_equals(None);
            row.author_name
                .set_if_not_equals(fields.author_name.as_str().to_owned());
            row.author_email
                .set_if_not_equals(fields.author_email.as_ref().map(|e| e.as_str().to_owned()));
            row.author_url
                .set_if_not_equals(fields.author_url.as_ref().map(|u| u.as_str().to_owned()));
            row.body.set_if_not_equals(fields.body.as_str().to_owned());
            row.status.set_if_not_equals(c.status);
            row.request_hash.set_if_not_equals(None);
            row.client_ip_hash.set_if_not_equals(None);
            row.user_agent.set_if_not_equals(None);
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok((row.id, outcome))
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Review(i32),
    Comment(i32),
}

async fn upsert_comparison(
    txn: &DatabaseTransaction,
    source: Source,
    position: i32,
    c: &ComparisonIn,
) -> Result<Outcome, ImportError> {
    let film_id = film_id(txn, &c.film).await?;
    let person_id = match &c.person {
        Some(slug) => Some(person_id(txn, slug).await?),
        None => None,
    };
    let (review_id, comment_id) = match source {
        Source::Review(id) => (Some(id), None),
        Source::Comment(id) => (None, Some(id)),
    };
    let mut find = comparison::Entity::find().filter(comparison::Column::FilmId.eq(film_id));
    find = match source {
        Source::Review(id) => find.filter(comparison::Column::ReviewId.eq(id)),
        Source::Comment(id) => find.filter(comparison::Column::CommentId.eq(id)),
    };
    find = match person_id {
        Some(id) => find.filter(comparison::Column::PersonId.eq(id)),
        None => find.filter(comparison::Column::PersonId.is_null()),
    };
    let existing = find.one(txn).await?.map(comparison::ActiveModel::from);
    let (_, outcome) = save(
        txn,
        existing,
        || comparison::ActiveModel {
            review_id: Set(review_id),
            comment_id: Set(comment_id),
            film_id: Set(film_id),
            person_id: Set(person_id),
            created_at: Set(now()),
            ..Default::default()
        },
        |row| {
            row.note.set_if_not_equals(clean(&c.note));
            row.recommended.set_if_not_equals(c.recommended);
            row.position.set_if_not_equals(position);
        },
        |_| {},
    )
    .await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_content_parses() {
        let content = parse(DEMO_CONTENT).expect("demo content parses");
        assert_eq!(content.reviews.len(), 1);
        assert_eq!(content.reviews[0].comments.len(), 1);
    }

    #[test]
    fn a_malformed_slug_is_refused_before_anything_is_written() {
        let err = parse("[[films]]\nslug = \"Her Film\"\ntitle = \"Her\"\n").unwrap_err();
        assert!(
            matches!(&err, ImportError::Slug { slug, .. } if slug == "Her Film"),
            "{err}"
        );
        let err = parse("[[reviews]]\nslug = \"ok\"\nfilm = \"-bad\"\nheadline = \"H\"\nstatus = \"DRAFT\"\nbody = \"b\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("`-bad`"), "{err}");
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let err = parse("[[people]]\nslug = \"a\"\nname = \"A\"\nnickname = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("nickname"), "{err}");
    }

    #[test]
    fn a_comment_field_the_api_would_refuse_is_refused_with_its_line() {
        let file = |url: &str, body: &str| {
            format!(
                "[[reviews]]\nslug = \"r\"\nfilm = \"f\"\nheadline = \"H\"\nstatus = \"DRAFT\"\nbody = \"b\"\n\n  [[reviews.comments]]\n  key = \"k\"\n  author_name = \"Ada\"\n  author_url = \"{url}\"\n  status = \"APPROVED\"\n  body = \"{body}\"\n"
            )
        };
        let err = parse(&file("javascript:alert(1)", "Fine.")).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Field {
                    line: 11,
                    field: "author_url",
                    ..
                }
            ),
            "{err}"
        );
        let err = parse(&file("https://example.org", "<script>x</script>")).unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Field {
                    line: 13,
                    field: "body",
                    ..
                }
            ),
            "{err}"
        );
        assert!(parse(&file("https://example.org", "Fine.")).is_ok());
    }
}
