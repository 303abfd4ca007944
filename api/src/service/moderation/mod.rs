//! Moderation: the policy that judges new comments ([`policy`]), the
//! queue moderators work through, the status changes they make, and the
//! audit trail those changes leave.

pub mod policy;

use std::collections::HashMap;

use entity::comment;
use entity::enums::CommentStatus;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter,
};

pub use self::policy::{Policy, Submission, Verdict};
use super::comment::any_by_ids;
use super::page::{Direction, Page, PageRequest};
use super::{begin_write, now};
use crate::error::{ApiError, ApiResult};

/// Comments awaiting (or past) moderation, newest first: those with one of
/// `statuses`, on `review_id` if given.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn queue(
    db: &impl ConnectionTrait,
    statuses: &[CommentStatus],
    review_id: Option<i32>,
    request: &PageRequest,
) -> Result<Page<comment::Model>, DbErr> {
    super::page::paginate(
        db,
        queue_select(statuses, review_id),
        comment::Column::CreatedAt,
        comment::Column::Id,
        Direction::Desc,
        request,
    )
    .await
}

/// How many comments `queue` pages through.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn queue_count(
    db: &impl ConnectionTrait,
    statuses: &[CommentStatus],
    review_id: Option<i32>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    queue_select(statuses, review_id).count(db).await
}

fn queue_select(
    statuses: &[CommentStatus],
    review_id: Option<i32>,
) -> sea_orm::Select<comment::Entity> {
    let mut select =
        comment::Entity::find().filter(comment::Column::Status.is_in(statuses.iter().copied()));
    if let Some(review_id) = review_id {
        select = select.filter(comment::Column::ReviewId.eq(review_id));
    }
    select
}

/// A status change a moderator made.
#[derive(Debug, Clone)]
pub struct Moderated {
    pub comment: comment::Model,
    pub previous: CommentStatus,
}

/// Sets the status of comments, in one transaction, and records who did it.
/// All the ids must exist, or nothing changes.
#[tracing::instrument(skip_all, fields(actor = %actor.name, count = ids.len(), ?status))]
pub async fn moderate(
    db: &DatabaseConnection,
    actor: &entity::api_token::Model,
    ids: &[i32],
    status: CommentStatus,
) -> ApiResult<Vec<Moderated>> {
    let write = begin_write(db).await?;
    let txn: &DatabaseTransaction = &write;
    let mut found = any_by_ids(txn, ids).await?;
    let mut changed = Vec::with_capacity(ids.len());
    let at = now();
    for id in ids {
        let Some(comment) = found.remove(id) else {
            return Err(ApiError::NotFound { what: "Comment" });
        };
        let previous = comment.status;
        let comment = if previous == status {
            comment
        } else {
            let mut row: comment::ActiveModel = comment.into();
            row.status = Set(status);
            row.updated_at = Set(at);
            let updated = row.update(txn).await?;
            entity::moderation_event::ActiveModel {
                comment_id: Set(updated.id),
                token_id: Set(Some(actor.id)),
                actor_name: Set(actor.name.clone()),
                from_status: Set(previous),
                to_status: Set(status),
                created_at: Set(at),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            updated
        };
        changed.push(Moderated { comment, previous });
    }
    write.commit().await?;
    Ok(changed)
}

/// The moderation history of each comment, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn history(
    db: &impl ConnectionTrait,
    comment_ids: &[i32],
) -> Result<HashMap<i32, Vec<entity::moderation_event::Model>>, DbErr> {
    use entity::moderation_event as event;
    use sea_orm::QueryOrder;
    let rows = event::Entity::find()
        .filter(event::Column::CommentId.is_in(comment_ids.iter().copied()))
        .order_by_asc(event::Column::CreatedAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?;
    Ok(super::group_by(rows, |e| e.comment_id))
}
