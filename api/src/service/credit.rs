//! Credits: who did what on which film.

use std::collections::HashMap;

use super::group_by;
use entity::enums::CreditRole;
use entity::{credit, person};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait,
};

use super::row::Joined;

/// Credits of many films with `roles` (every role when `None`), by film,
/// then billing order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_films(
    db: &impl ConnectionTrait,
    film_ids: &[i32],
    roles: Option<&[CreditRole]>,
) -> Result<Vec<credit::Model>, DbErr> {
    ordered(of_films(credit::Entity::find(), film_ids, roles))
        .all(db)
        .await
}

/// [`by_films`], each credit with its person, in the same one statement.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn with_people_of_films(
    db: &impl ConnectionTrait,
    film_ids: &[i32],
    roles: Option<&[CreditRole]>,
) -> Result<Vec<(credit::Model, Option<person::Model>)>, DbErr> {
    let mut select = credit::Entity::find().select_only();
    Joined::<credit::Model, person::Model>::select_into(QueryTrait::query(&mut select), &[]);
    let select = select.join(JoinType::LeftJoin, credit::Relation::Person.def());
    let rows = ordered(of_films(select, film_ids, roles))
        .into_model::<Joined<credit::Model, person::Model>>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|Joined(c, p)| (c, p)).collect())
}

/// `select` narrowed to the credits of `film_ids` with `roles`.
fn of_films<Q: QueryFilter>(select: Q, film_ids: &[i32], roles: Option<&[CreditRole]>) -> Q {
    let select = select.filter(credit::Column::FilmId.is_in(film_ids.iter().copied()));
    match roles {
        Some(roles) => select.filter(credit::Column::Role.is_in(roles.iter().copied())),
        None => select,
    }
}

/// `select` in film, then billing, order.
fn ordered<Q: QueryOrder>(select: Q) -> Q {
    select
        .order_by_asc(credit::Column::FilmId)
        .order_by_asc(credit::Column::BillingOrder)
        .order_by_asc(credit::Column::Id)
}

/// Credits of many people.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_people(
    db: &impl ConnectionTrait,
    person_ids: &[i32],
) -> Result<HashMap<i32, Vec<credit::Model>>, DbErr> {
    let rows = credit::Entity::find()
        .filter(credit::Column::PersonId.is_in(person_ids.iter().copied()))
        .order_by_asc(credit::Column::FilmId)
        .order_by_asc(credit::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |c| c.person_id))
}

/// Credits by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, credit::Model>, DbErr> {
    let rows = credit::Entity::find()
        .filter(credit::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}
