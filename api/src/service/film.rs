//! Films.

use std::collections::HashMap;

use entity::enums::SubjectKind;
use entity::{film, film_location};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Select,
};

use super::group_by;
use super::page::{Direction, Page, PageRequest, paginate};
use crate::domain::text::normalize_name;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, film::Model>, DbErr> {
    let rows = film::Entity::find()
        .filter(film::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|f| (f.id, f)).collect())
}

/// The film with this slug, or that had it (an alias left by a rename).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<film::Model>, DbErr> {
    let found = film::Entity::find()
        .filter(film::Column::Slug.eq(slug))
        .one(db)
        .await?;
    if found.is_some() {
        return Ok(found);
    }
    match super::editorial::alias_target(db, SubjectKind::Film, slug).await? {
        Some(id) => film::Entity::find_by_id(id).one(db).await,
        None => Ok(None),
    }
}

/// Films whose folded title contains the folded `search`, or all films.
fn listing(search: Option<&str>) -> Select<film::Entity> {
    let mut select = film::Entity::find();
    if let Some(search) = search.map(normalize_name).filter(|s| !s.is_empty()) {
        select = select.filter(film::Column::TitleNormalized.contains(search));
    }
    select
}

/// A page of films, sorted by title.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    request: &PageRequest,
) -> Result<Page<film::Model>, DbErr> {
    paginate(
        db,
        listing(search),
        film::Column::TitleNormalized,
        film::Column::Id,
        Direction::Asc,
        request,
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(db: &impl ConnectionTrait, search: Option<&str>) -> Result<u64, DbErr> {
    listing(search).count(db).await
}

/// Filming locations of many films, each film's in order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn locations_by_films(
    db: &impl ConnectionTrait,
    film_ids: &[i32],
) -> Result<HashMap<i32, Vec<film_location::Model>>, DbErr> {
    let rows = film_location::Entity::find()
        .filter(film_location::Column::FilmId.is_in(film_ids.iter().copied()))
        .order_by_asc(film_location::Column::Position)
        .order_by_asc(film_location::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |l| l.film_id))
}
