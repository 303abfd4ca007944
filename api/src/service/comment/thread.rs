//! The public threads: approved comments by id, paged per review or
//! parent, and counted.

use std::collections::HashMap;

use entity::comment;
use entity::enums::CommentStatus;
use sea_orm::sea_query::IntoColumnRef;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
};

use crate::service::page::{Direction, Page, PageRequest, Window, windowed};

/// Comments by id, whatever their status: for moderators only.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn any_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, comment::Model>, DbErr> {
    by_ids_in(db, comment::Entity::find(), ids).await
}

/// The comments of `select` with these ids, by id.
async fn by_ids_in(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<comment::Entity>,
    ids: &[i32],
) -> Result<HashMap<i32, comment::Model>, DbErr> {
    let rows = select
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// Approved comments by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn approved_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, comment::Model>, DbErr> {
    // A comment is public while its review is: an unpublished review's
    // comments leave with it.
    let approved = comment::Entity::find()
        .filter(comment::Column::Status.eq(CommentStatus::Approved))
        .filter(comment::Column::ReviewId.in_subquery(crate::service::review::public_ids()));
    by_ids_in(db, approved, ids).await
}

/// Which approved comments to page through or count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thread {
    /// A review's top-level comments (replies hang below them).
    TopLevel,
    /// A review's comments and replies alike, in time order.
    Flat,
    /// The direct replies to a comment.
    Replies,
}

impl Thread {
    /// The column that names the parent: the review or the comment.
    pub fn parent_column(self) -> comment::Column {
        match self {
            Self::TopLevel | Self::Flat => comment::Column::ReviewId,
            Self::Replies => comment::Column::ParentId,
        }
    }
}

/// The approved comments `thread` lists, of every parent.
pub fn approved(thread: Thread) -> Select<comment::Entity> {
    let select =
        comment::Entity::find().filter(comment::Column::Status.eq(CommentStatus::Approved));
    match thread {
        Thread::TopLevel => select.filter(comment::Column::ParentId.is_null()),
        Thread::Flat | Thread::Replies => select,
    }
}

/// How `thread`'s pages are cut: one per parent, by time, then id.
pub fn window(thread: Thread, order: Direction) -> Window {
    Window {
        partition: (comment::Entity, thread.parent_column()).into_column_ref(),
        sort: (comment::Entity, comment::Column::CreatedAt).into_column_ref(),
        id: (comment::Entity, comment::Column::Id).into_column_ref(),
        order,
    }
}

/// For each review (or parent comment), a page of its approved comments,
/// oldest first (`Direction::Asc`) or newest first. One statement for all.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn pages(
    db: &impl ConnectionTrait,
    thread: Thread,
    order: Direction,
    parent_ids: &[i32],
    request: &PageRequest,
) -> Result<HashMap<i32, Page<comment::Model>>, DbErr> {
    let select = approved(thread).filter(thread.parent_column().is_in(parent_ids.iter().copied()));
    windowed(db, select.into_query(), window(thread, order), request).await
}

/// For each review (or parent comment), how many approved comments `pages`
/// would list. `Thread::Flat` gives a review's "N thoughts on" figure.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts(
    db: &impl ConnectionTrait,
    thread: Thread,
    parent_ids: &[i32],
) -> Result<HashMap<i32, u64>, DbErr> {
    let column = thread.parent_column();
    let select = approved(thread)
        .select_only()
        .column(column)
        .column_as(comment::Column::Id.count(), "n")
        .filter(column.is_in(parent_ids.iter().copied()));
    let rows: Vec<(Option<i32>, i64)> = select.group_by(column).into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n as u64)))
        .collect())
}
