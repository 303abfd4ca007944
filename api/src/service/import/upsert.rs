//! Writing a content file's rows: each matched by its natural key, and
//! only changed fields written.

use chrono::{DateTime, Utc};
use entity::{comment, comparison, credit, film, film_location, person, review};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, TryIntoModel,
};

use super::format::{
    CommentIn, ComparisonIn, CreditIn, FilmIn, LocationIn, PersonIn, ReviewIn, clean, clean_opt,
};
use super::{ImportError, Outcome};
use crate::domain::text::{excerpt, normalize_name, repair_mojibake};
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
    p: &PersonIn,
) -> Result<(i32, Outcome), DbErr> {
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
        |row| {
            row.updated_at = Set(at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

pub(super) async fn upsert_film(
    txn: &DatabaseTransaction,
    f: &FilmIn,
) -> Result<(i32, Outcome), DbErr> {
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
        |row| {
            row.updated_at = Set(at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

pub(super) async fn upsert_credit(
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

pub(super) async fn upsert_location(
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

pub(super) async fn upsert_review(
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
        |row| {
            row.updated_at = Set(at);
            bump_version(&mut row.version);
        },
    )
    .await?;
    Ok((row.id, outcome))
}

/// The comment key as stored: imported keys live in their own namespace of
/// the idempotency keys, so they never collide with a client's.
pub(super) fn import_key(key: &str) -> String {
    format!("import:{key}")
}

pub(super) async fn upsert_comment(
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
pub(super) enum Source {
    Review(i32),
    Comment(i32),
}

pub(super) async fn upsert_comparison(
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
