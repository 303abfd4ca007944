//! People: directors, writers, actors.

use std::collections::HashMap;

use entity::enums::SubjectKind;
use entity::person;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Select,
};

use super::page::{Direction, Page, PageRequest, paginate};
use crate::domain::text::normalize_name;

/// How a client names a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonRef {
    Id(i32),
    Slug(String),
    /// A name, matched ignoring case and accents.
    Name(String),
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, person::Model>, DbErr> {
    let rows = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// The person with this slug, or that had it (an alias left by a rename
/// or a merge).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<person::Model>, DbErr> {
    let found = person::Entity::find()
        .filter(person::Column::Slug.eq(slug))
        .one(db)
        .await?;
    if found.is_some() {
        return Ok(found);
    }
    match super::editorial::alias_target(db, SubjectKind::Person, slug).await? {
        Some(id) => person::Entity::find_by_id(id).one(db).await,
        None => Ok(None),
    }
}

/// People whose folded name contains the folded `search`, or everyone.
fn listing(search: Option<&str>) -> Select<person::Entity> {
    let mut select = person::Entity::find();
    if let Some(search) = search.map(normalize_name).filter(|s| !s.is_empty()) {
        select = select.filter(person::Column::NameNormalized.contains(search));
    }
    select
}

/// A page of people, sorted by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    request: &PageRequest,
) -> Result<Page<person::Model>, DbErr> {
    paginate(
        db,
        listing(search),
        person::Column::NameNormalized,
        person::Column::Id,
        Direction::Asc,
        request,
    )
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(db: &impl ConnectionTrait, search: Option<&str>) -> Result<u64, DbErr> {
    listing(search).count(db).await
}
