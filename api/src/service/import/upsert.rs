//! Writing a content file's rows: each matched by its natural key, and
//! only changed fields written.

use chrono::{DateTime, Utc};
use entity::enums::SubjectKind;
use entity::{comment, comparison, credit, film, film_location, person, review, slug_alias};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, TryIntoModel,
};

use super::format::{
    CommentIn, ComparisonIn, CreditIn, FilmIn, LocationIn, PersonIn, ReviewIn, Text,
};
use super::{ImportError, Outcome};
use crate::domain::text::{excerpt, normalize_name};
use crate::service::now;

/// Characters in a derived excerpt.
pub(crate) const EXCERPT_CHARS: usize = 280;

pub(super) async fn person_id(txn: &DatabaseTransaction, slug: &str) -> Result<i32, ImportError> {
    person::Entity::find()
        .filter(person::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(|p| p.id)
        .ok_or_else(|| ImportError::Reference(format!("no person with slug `{slug}`")))
}

pub(super) async fn film_id(txn: &DatabaseTransaction, slug: &str) -> Result<i32, ImportError> {
    film::Entity::find()
        .filter(film::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(|f| f.id)
        .ok_or_else(|| ImportError::Reference(format!("no film with slug `{slug}`")))
}

/// Inserts `fresh` when `existing` is None; otherwise writes only the fields
/// `apply` changed, bumping `updated_at` (through `touch`) if there were any.
pub(super) async fn save<A>(
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

/// A changed row is a new version, as an editor's save is, so an editor
/// working from the old one gets `EDIT_CONFLICT` rather than overwriting
/// what the import wrote.
fn bump_version(version: &mut sea_orm::ActiveValue<i32>) {
    if let Some(current) = version.try_as_ref().copied() {
        *version = Set(current + 1);
    }
}

pub(super) async fn upsert_person(
    txn: &DatabaseTransaction,
    text: Text,
    p: &PersonIn,
) -> Result<(i32, Outcome), DbErr> {
    let existing = person::Entity::find()
        .filter(person::Column::Slug.eq(&p.slug))
        .one(txn)
        .await?
        .map(person::ActiveModel::from);
    let at = now();
    let updated_at = p.updated_at.unwrap_or(at);
    let name = text.clean(&p.name);
    let (row, outcome) = save(
        txn,
        existing,
        || person::ActiveModel {
            id: NotSet,
            slug: Set(p.slug.clone()),
            created_at: Set(p.created_at.unwrap_or(at)),
            updated_at: Set(updated_at),
            ..Default::default()
        },
        |row| {
            row.name.set_if_not_equals(name.clone());
            row.name_normalized.set_if_not_equals(normalize_name(&name));
        },
        |row| {
            row.updated_at = Set(updated_at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

pub(super) async fn upsert_film(
    txn: &DatabaseTransaction,
    text: Text,
    f: &FilmIn,
) -> Result<(i32, Outcome), DbErr> {
    let existing = film::Entity::find()
        .filter(film::Column::Slug.eq(&f.slug))
        .one(txn)
        .await?
        .map(film::ActiveModel::from);
    let at = now();
    let updated_at = f.updated_at.unwrap_or(at);
    let title = text.clean(&f.title);
    let (poster_url, poster_alt) = poster(text, f.poster.as_ref());
    let (row, outcome) = save(
        txn,
        existing,
        || film::ActiveModel {
            slug: Set(f.slug.clone()),
            created_at: Set(f.created_at.unwrap_or(at)),
            updated_at: Set(updated_at),
            ..Default::default()
        },
        |row| {
            row.title_normalized
                .set_if_not_equals(normalize_name(&title));
            row.title.set_if_not_equals(title);
            row.release_year.set_if_not_equals(f.release_year);
            row.synopsis.set_if_not_equals(text.clean_opt(&f.synopsis));
            row.poster_url.set_if_not_equals(poster_url);
            row.poster_alt.set_if_not_equals(poster_alt);
        },
        |row| {
            row.updated_at = Set(updated_at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

/// A poster's URL (kept as written) and alt text.
fn poster(text: Text, poster: Option<&super::format::Image>) -> (Option<String>, Option<String>) {
    match poster {
        Some(p) => (p.url.clone(), p.alt.as_ref().map(|alt| text.clean(alt))),
        None => (None, None),
    }
}

pub(super) async fn upsert_credit(
    txn: &DatabaseTransaction,
    text: Text,
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
            row.job.set_if_not_equals(text.clean_opt(&c.job));
            row.character
                .set_if_not_equals(text.clean_opt(&c.character));
            row.character_note
                .set_if_not_equals(text.clean_opt(&c.character_note));
            row.voice.set_if_not_equals(c.voice);
            row.billing_order.set_if_not_equals(c.billing);
        },
        |row| row.updated_at = Set(at),
    )
    .await?;
    Ok(outcome)
}

pub(super) async fn upsert_location(
    txn: &DatabaseTransaction,
    text: Text,
    film_id: i32,
    position: i32,
    l: &LocationIn,
) -> Result<Outcome, DbErr> {
    // Matched by place in the film's list: a film may be shot twice in
    // one place standing in for different things.
    let existing = film_location::Entity::find()
        .filter(film_location::Column::FilmId.eq(film_id))
        .filter(film_location::Column::Position.eq(position))
        .one(txn)
        .await?
        .map(film_location::ActiveModel::from);
    let (_, outcome) = save(
        txn,
        existing,
        || film_location::ActiveModel {
            film_id: Set(film_id),
            position: Set(position),
            created_at: Set(now()),
            ..Default::default()
        },
        |row| {
            row.place.set_if_not_equals(text.clean(&l.place));
            row.area.set_if_not_equals(text.clean_opt(&l.area));
            row.stands_in_for
                .set_if_not_equals(text.clean_opt(&l.stands_in_for));
        },
        |_| {},
    )
    .await?;
    Ok(outcome)
}

pub(super) async fn upsert_review(
    txn: &DatabaseTransaction,
    text: Text,
    film_id: i32,
    r: &ReviewIn,
) -> Result<(i32, Outcome), DbErr> {
    let existing = review::Entity::find()
        .filter(review::Column::Slug.eq(&r.slug))
        .one(txn)
        .await?
        .map(review::ActiveModel::from);
    let at = now();
    let updated_at = r.updated_at.unwrap_or(at);
    let body = text.markdown(&r.body);
    let summary = text
        .clean_opt(&r.excerpt)
        .unwrap_or_else(|| excerpt(&body, EXCERPT_CHARS));
    let (poster_url, poster_alt) = poster(text, r.poster.as_ref());
    let (row, outcome) = save(
        txn,
        existing,
        || review::ActiveModel {
            slug: Set(r.slug.clone()),
            created_at: Set(r.created_at.unwrap_or(at)),
            updated_at: Set(updated_at),
            ..Default::default()
        },
        |row| {
            row.film_id.set_if_not_equals(film_id);
            row.headline.set_if_not_equals(text.clean(&r.headline));
            row.byline.set_if_not_equals(text.clean_opt(&r.byline));
            row.body_markdown.set_if_not_equals(body);
            row.excerpt.set_if_not_equals(summary);
            row.verdict.set_if_not_equals(text.clean_opt(&r.verdict));
            row.poster_url.set_if_not_equals(poster_url);
            row.poster_alt.set_if_not_equals(poster_alt);
            row.status.set_if_not_equals(r.status);
            row.published_at.set_if_not_equals(r.published_at);
            row.comments_open.set_if_not_equals(r.comments_open);
        },
        |row| {
            row.updated_at = Set(updated_at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

/// Where imported comment keys live among the idempotency keys.
const IMPORT_KEY_PREFIX: &str = "import:";

/// The comment key as stored: imported keys live in their own namespace of
/// the idempotency keys, so they never collide with a client's.
pub(crate) fn import_key(key: &str) -> String {
    format!("{IMPORT_KEY_PREFIX}{key}")
}

/// The file key a stored idempotency key came from, if an import stored it.
pub(crate) fn file_key(stored: &str) -> Option<&str> {
    stored.strip_prefix(IMPORT_KEY_PREFIX)
}

/// Where a comment sits: its review, and the comment it replies to (with
/// that comment's depth).
#[derive(Debug, Clone, Copy)]
pub(super) struct Thread {
    pub review_id: i32,
    pub parent: Option<Stored>,
}

/// A comment as stored: its id and depth.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stored {
    pub id: i32,
    pub depth: i32,
}

pub(super) async fn upsert_comment(
    txn: &DatabaseTransaction,
    text: Text,
    thread: Thread,
    created_at: DateTime<Utc>,
    c: &CommentIn,
) -> Result<(Stored, Outcome), DbErr> {
    // `parse` refused any file with an invalid comment; this only fails for
    // content built in code without it.
    let fields = c.validated(text).map_err(|(_, field, reason)| {
        DbErr::Custom(format!("comment `{}`: `{field}`: {reason}", c.key))
    })?;
    // A comment that came through `addComment` with a key keeps the
    // client's key; any other is stored under its file key.
    let key = match &fields.idempotency_key {
        Some(key) => key.as_ref().to_owned(),
        None => import_key(&c.key),
    };
    let existing = comment::Entity::find()
        .filter(comment::Column::IdempotencyKey.eq(&key))
        .one(txn)
        .await?
        .map(comment::ActiveModel::from);
    let at = now();
    let updated_at = c.updated_at.unwrap_or(at);
    let depth = thread.parent.map_or(0, |p| p.depth + 1);
    let (row, outcome) = save(
        txn,
        existing,
        || comment::ActiveModel {
            idempotency_key: Set(Some(key.clone())),
            created_at: Set(created_at),
            updated_at: Set(updated_at),
            ..Default::default()
        },
        |row| {
            row.review_id.set_if_not_equals(thread.review_id);
            row.parent_id.set_if_not_equals(thread.parent.map(|p| p.id));
            row.depth.set_if_not_equals(depth);
            row.author_name
                .set_if_not_equals(fields.author_name.into_inner());
            row.author_email
                .set_if_not_equals(fields.author_email.map(|e| e.into_inner()));
            row.author_url
                .set_if_not_equals(fields.author_url.map(|u| u.into_inner()));
            row.body.set_if_not_equals(fields.body.into_inner());
            row.status.set_if_not_equals(c.status);
            row.request_hash.set_if_not_equals(fields.request_hash);
            row.client_ip_hash.set_if_not_equals(fields.client_ip_hash);
            row.user_agent.set_if_not_equals(fields.user_agent);
            row.owner_token_hash
                .set_if_not_equals(fields.owner_token_hash);
        },
        |row| row.updated_at = Set(updated_at),
    )
    .await?;
    Ok((
        Stored {
            id: row.id,
            depth: row.depth,
        },
        outcome,
    ))
}

/// Makes `slug` an alias of the `kind` object `target_id`, or moves it
/// there if it named another.
pub(super) async fn upsert_alias(
    txn: &DatabaseTransaction,
    kind: SubjectKind,
    slug: &str,
    target_id: i32,
) -> Result<Outcome, DbErr> {
    let existing = slug_alias::Entity::find()
        .filter(slug_alias::Column::Kind.eq(kind))
        .filter(slug_alias::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .map(slug_alias::ActiveModel::from);
    let (_, outcome) = save(
        txn,
        existing,
        || slug_alias::ActiveModel {
            kind: Set(kind),
            slug: Set(slug.to_owned()),
            created_at: Set(now()),
            ..Default::default()
        },
        |row| row.target_id.set_if_not_equals(target_id),
        |_| {},
    )
    .await?;
    Ok(outcome)
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Review(i32),
    Comment(i32),
}

pub(super) async fn upsert_comparison(
    txn: &DatabaseTransaction,
    text: Text,
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
    // Matched by place in its source's list: a review may draw two
    // comparisons to the same film and person, in different words.
    let find = comparison::Entity::find().filter(comparison::Column::Position.eq(position));
    let find = match source {
        Source::Review(id) => find.filter(comparison::Column::ReviewId.eq(id)),
        Source::Comment(id) => find.filter(comparison::Column::CommentId.eq(id)),
    };
    let existing = find.one(txn).await?.map(comparison::ActiveModel::from);
    let (_, outcome) = save(
        txn,
        existing,
        || comparison::ActiveModel {
            review_id: Set(review_id),
            comment_id: Set(comment_id),
            position: Set(position),
            created_at: Set(now()),
            ..Default::default()
        },
        |row| {
            row.film_id.set_if_not_equals(film_id);
            row.person_id.set_if_not_equals(person_id);
            row.note.set_if_not_equals(text.clean(&c.note));
            row.recommended.set_if_not_equals(c.recommended);
        },
        |_| {},
    )
    .await?;
    Ok(outcome)
}
