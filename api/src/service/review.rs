//! Reviews, and the hot read paths: "reviews of films directed by X",
//! "reviews of films starring Y".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{CreditRole, ReviewStatus, SubjectKind};
use entity::{comparison, credit, film, person, review, slug_alias};
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, IntoColumnRef, JoinType, Query, SelectStatement, SubQueryStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QueryTrait, RelationTrait, Select,
};

use super::page::{Direction, Page, PageRequest, Window, paginate, paginate_also, windowed_by_id};
use super::person::PersonRef;
use super::{group_by, now};
use crate::domain::text::normalize_name;

/// How a client names a film.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FilmRef {
    Id(i32),
    Slug(String),
}

/// "Films on which this person has this role" (any role when `role` is None).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditFilter {
    pub person: PersonRef,
    pub role: Option<CreditRole>,
}

/// Which reviews to list. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ReviewFilter {
    /// The reviewed film has each of these credits.
    pub credits: Vec<CreditFilter>,
    /// The reviewed film.
    pub film: Option<FilmRef>,
    /// The review draws a comparison to a film this person is credited on,
    /// or singles out this person's performance.
    pub compares_to_person: Option<PersonRef>,
    /// The review draws a comparison to this film.
    pub compares_to_film: Option<FilmRef>,
    /// Published at or after this instant.
    pub published_after: Option<DateTime<Utc>>,
    /// Published strictly before this instant.
    pub published_before: Option<DateTime<Utc>>,
}

/// Reviews the public may see: published, and not scheduled for later.
pub fn public() -> Select<review::Entity> {
    public_by(Expr::col((review::Entity, review::Column::Status)))
}

/// The ids of the reviews the public may see, as a subquery: a comment or
/// comparison of a review that is not public is not public either.
pub fn public_ids() -> SelectStatement {
    Query::select()
        .column((review::Entity, review::Column::Id))
        .from(review::Entity)
        .and_where(Expr::col((review::Entity, review::Column::Status)).eq(ReviewStatus::Published))
        .and_where(Expr::col((review::Entity, review::Column::PublishedAt)).lte(now()))
        .to_owned()
}

/// The review with this slug, or the one that had it (an alias left by a
/// rename): `slug = ? OR id = (SELECT target_id FROM slug_alias …)`, one
/// statement whichever matches, each side served by an index.
pub fn slug_condition(slug: &str) -> Condition {
    let alias = Query::select()
        .column(slug_alias::Column::TargetId)
        .from(slug_alias::Entity)
        .and_where(Expr::col(slug_alias::Column::Kind).eq(SubjectKind::Review))
        .and_where(Expr::col(slug_alias::Column::Slug).eq(slug))
        .to_owned();
    Condition::any()
        .add(Expr::col((review::Entity, review::Column::Slug)).eq(slug))
        .add(
            Expr::col((review::Entity, review::Column::Id))
                .eq(Expr::from(SubQueryStatement::from(alias))),
        )
}

/// [`public`], with the review's status read as `status`.
fn public_by(status: Expr) -> Select<review::Entity> {
    review::Entity::find()
        .filter(status.eq(ReviewStatus::Published))
        .filter(review::Column::PublishedAt.lte(now()))
}

/// `credit.film_id` of the films on which `person` has `role`.
fn credited_films(person: &PersonRef, role: Option<CreditRole>) -> SelectStatement {
    let mut q = Query::select();
    q.column((credit::Entity, credit::Column::FilmId))
        .from(credit::Entity);
    match person {
        PersonRef::Id(id) => {
            q.and_where(Expr::col((credit::Entity, credit::Column::PersonId)).eq(*id));
        }
        PersonRef::Slug(slug) => {
            q.inner_join(
                person::Entity,
                Expr::col((person::Entity, person::Column::Id))
                    .equals((credit::Entity, credit::Column::PersonId)),
            )
            .and_where(Expr::col((person::Entity, person::Column::Slug)).eq(slug.as_str()));
        }
        PersonRef::Name(name) => {
            q.inner_join(
                person::Entity,
                Expr::col((person::Entity, person::Column::Id))
                    .equals((credit::Entity, credit::Column::PersonId)),
            )
            .and_where(
                Expr::col((person::Entity, person::Column::NameNormalized))
                    .eq(normalize_name(name)),
            );
        }
    }
    if let Some(role) = role {
        q.and_where(Expr::col((credit::Entity, credit::Column::Role)).eq(role));
    }
    q
}

/// `person.id` of the people `person` names.
fn person_ids(person: &PersonRef) -> SelectStatement {
    let mut q = Query::select();
    q.column(person::Column::Id).from(person::Entity);
    match person {
        PersonRef::Id(id) => q.and_where(Expr::col(person::Column::Id).eq(*id)),
        PersonRef::Slug(slug) => q.and_where(Expr::col(person::Column::Slug).eq(slug.as_str())),
        PersonRef::Name(name) => {
            q.and_where(Expr::col(person::Column::NameNormalized).eq(normalize_name(name)))
        }
    };
    q
}

/// `film.id` of the film `film` names.
fn film_condition(column: impl ColumnTrait, film: &FilmRef) -> Condition {
    match film {
        FilmRef::Id(id) => Condition::all().add(column.eq(*id)),
        FilmRef::Slug(slug) => {
            let mut q = Query::select();
            q.column(entity::film::Column::Id)
                .from(entity::film::Entity)
                .and_where(Expr::col(entity::film::Column::Slug).eq(slug.as_str()));
            Condition::all().add(column.in_subquery(q))
        }
    }
}

/// The public reviews `filter` matches.
///
/// On SQLite, a filter by films (a person's credits, or a film) writes the
/// status test so that no index serves it (`+status`). Otherwise SQLite's
/// planner walks the `(status, published_at)` index to spare a sort and
/// visits published reviews until enough match: for a busy director's
/// page, ten times slower than reading the films' reviews from the
/// `(film_id, status, published_at)` index and sorting them. PostgreSQL
/// weighs both plans itself.
fn filtered(filter: &ReviewFilter, backend: DbBackend) -> Select<review::Entity> {
    let by_films = !filter.credits.is_empty() || filter.film.is_some();
    let mut select = if by_films && backend == DbBackend::Sqlite {
        public_by(Expr::cust_with_expr(
            "+?",
            Expr::col((review::Entity, review::Column::Status)),
        ))
    } else {
        public()
    };
    for credit in &filter.credits {
        select = select.filter(
            review::Column::FilmId.in_subquery(credited_films(&credit.person, credit.role)),
        );
    }
    if let Some(film) = &filter.film {
        select = select.filter(film_condition(review::Column::FilmId, film));
    }
    if filter.compares_to_person.is_some() || filter.compares_to_film.is_some() {
        let mut q = Query::select();
        q.column(comparison::Column::ReviewId)
            .from(comparison::Entity)
            .and_where(Expr::col(comparison::Column::ReviewId).is_not_null());
        if let Some(person) = &filter.compares_to_person {
            q.cond_where(
                Condition::any()
                    .add(comparison::Column::PersonId.in_subquery(person_ids(person)))
                    .add(comparison::Column::FilmId.in_subquery(credited_films(person, None))),
            );
        }
        if let Some(film) = &filter.compares_to_film {
            q.cond_where(film_condition(comparison::Column::FilmId, film));
        }
        select = select.filter(review::Column::Id.in_subquery(q));
    }
    if let Some(after) = filter.published_after {
        select = select.filter(review::Column::PublishedAt.gte(after));
    }
    if let Some(before) = filter.published_before {
        select = select.filter(review::Column::PublishedAt.lt(before));
    }
    select
}

/// A page of public reviews matching `filter`, by publication date.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ReviewFilter,
    order: Direction,
    request: &PageRequest,
) -> Result<Page<review::Model>, DbErr> {
    paginate(
        db,
        filtered(filter, db.get_database_backend()),
        review::Column::PublishedAt,
        review::Column::Id,
        order,
        request,
    )
    .await
}

/// [`list`], each review with its film, in one statement. Without
/// `bodies`, each review's `body_markdown` is read blank.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_with_films(
    db: &impl ConnectionTrait,
    filter: &ReviewFilter,
    order: Direction,
    request: &PageRequest,
    bodies: bool,
) -> Result<Page<(review::Model, Option<film::Model>)>, DbErr> {
    let blank: &[review::Column] = if bodies {
        &[]
    } else {
        &[review::Column::BodyMarkdown]
    };
    paginate_also(
        db,
        filtered(filter, db.get_database_backend()),
        review::Relation::Film.def(),
        blank,
        review::Column::PublishedAt,
        review::Column::Id,
        order,
        request,
    )
    .await
}

/// How many public reviews match `filter`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(db: &impl ConnectionTrait, filter: &ReviewFilter) -> Result<u64, DbErr> {
    filtered(filter, db.get_database_backend()).count(db).await
}

/// Public reviews by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, review::Model>, DbErr> {
    let rows = public()
        .filter(review::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<review::Model>, DbErr> {
    public().filter(slug_condition(slug)).one(db).await
}

/// Public reviews of many films, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_films(
    db: &impl ConnectionTrait,
    film_ids: &[i32],
) -> Result<HashMap<i32, Vec<review::Model>>, DbErr> {
    let rows = public()
        .filter(review::Column::FilmId.is_in(film_ids.iter().copied()))
        .order_by_desc(review::Column::PublishedAt)
        .order_by_desc(review::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |r| r.film_id))
}

/// For each person, a page of public reviews of the films they are credited
/// on (with `role`, or any role), newest first. One statement for all.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn pages_for_people(
    db: &impl ConnectionTrait,
    person_ids: &[i32],
    role: Option<CreditRole>,
    request: &PageRequest,
) -> Result<HashMap<i32, Page<review::Model>>, DbErr> {
    let select = people_reviews(person_ids, role);
    let window = Window {
        partition: (PEOPLE_FILMS, credit::Column::PersonId).into_column_ref(),
        sort: (review::Entity, review::Column::PublishedAt).into_column_ref(),
        id: (review::Entity, review::Column::Id).into_column_ref(),
        order: Direction::Desc,
    };
    windowed_by_id::<review::Entity>(db, select, review::Column::Id, window, request).await
}

/// For each person, how many public reviews `pages_for_people` would list.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts_for_people(
    db: &impl ConnectionTrait,
    person_ids: &[i32],
    role: Option<CreditRole>,
) -> Result<HashMap<i32, u64>, DbErr> {
    let person = (PEOPLE_FILMS, credit::Column::PersonId);
    let mut select = people_reviews(person_ids, role);
    select
        .clear_selects()
        .expr_as(Expr::col(person), "person_id")
        .expr_as(Expr::col(Asterisk).count(), "n")
        .group_by_col(person);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&select))
        .await?;
    let mut counts = HashMap::new();
    for row in rows {
        let id: i32 = row.try_get("", "person_id")?;
        let n: i64 = row.try_get("", "n")?;
        counts.insert(id, n as u64);
    }
    Ok(counts)
}

/// The alias of the people-and-films subquery in [`people_reviews`].
const PEOPLE_FILMS: &str = "people_films";

/// The public reviews of films on which each of `person_ids` has `role`,
/// with the person as `people_films.person_id`. `DISTINCT` keeps a
/// writer-director's film from counting twice.
fn people_reviews(person_ids: &[i32], role: Option<CreditRole>) -> SelectStatement {
    let mut credited = Query::select();
    credited
        .distinct()
        .columns([credit::Column::PersonId, credit::Column::FilmId])
        .from(credit::Entity)
        .and_where(credit::Column::PersonId.is_in(person_ids.iter().copied()));
    if let Some(role) = role {
        credited.and_where(credit::Column::Role.eq(role));
    }
    let mut select = public().into_query();
    select.join_subquery(
        JoinType::InnerJoin,
        credited,
        PEOPLE_FILMS,
        Expr::col((PEOPLE_FILMS, credit::Column::FilmId))
            .equals((review::Entity, review::Column::FilmId)),
    );
    select
}
