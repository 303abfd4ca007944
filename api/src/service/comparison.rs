//! Comparisons a review or a comment draws to other films.

use std::collections::HashMap;

use entity::enums::CommentStatus;
use entity::{comment, comparison};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::group_by;

fn ordered() -> sea_orm::Select<comparison::Entity> {
    comparison::Entity::find()
        .order_by_asc(comparison::Column::Position)
        .order_by_asc(comparison::Column::Id)
}

/// The comparisons each review draws, in order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_reviews(
    db: &impl ConnectionTrait,
    review_ids: &[i32],
) -> Result<HashMap<i32, Vec<comparison::Model>>, DbErr> {
    let rows = ordered()
        .filter(comparison::Column::ReviewId.is_in(review_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(group_by(rows, |c| c.review_id.unwrap_or_default()))
}

/// The comparisons each comment draws, in order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_comments(
    db: &impl ConnectionTrait,
    comment_ids: &[i32],
) -> Result<HashMap<i32, Vec<comparison::Model>>, DbErr> {
    let rows = ordered()
        .filter(comparison::Column::CommentId.is_in(comment_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(group_by(rows, |c| c.comment_id.unwrap_or_default()))
}

/// Comparisons the public may see: drawn by public reviews or by approved
/// comments on them.
fn public() -> Condition {
    let approved_comments = Query::select()
        .column(comment::Column::Id)
        .from(comment::Entity)
        .and_where(Expr::col(comment::Column::Status).eq(CommentStatus::Approved))
        .and_where(Expr::col(comment::Column::ReviewId).in_subquery(super::review::public_ids()))
        .to_owned();
    Condition::any()
        .add(comparison::Column::ReviewId.in_subquery(super::review::public_ids()))
        .add(comparison::Column::CommentId.in_subquery(approved_comments))
}

/// For each film, the public comparisons that point at it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn to_films(
    db: &impl ConnectionTrait,
    film_ids: &[i32],
) -> Result<HashMap<i32, Vec<comparison::Model>>, DbErr> {
    let rows = ordered()
        .filter(comparison::Column::FilmId.is_in(film_ids.iter().copied()))
        .filter(public())
        .all(db)
        .await?;
    Ok(group_by(rows, |c| c.film_id))
}

/// Public comparisons by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, comparison::Model>, DbErr> {
    let rows = comparison::Entity::find()
        .filter(comparison::Column::Id.is_in(ids.iter().copied()))
        .filter(public())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}
