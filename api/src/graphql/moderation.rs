//! Moderation, for staff tokens only: the queue, status changes (one or in
//! bulk) and their audit trail. Here, and only here, authors' emails and
//! hashed client addresses are visible.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::comment;
use entity::enums::{CommentStatus as DbCommentStatus, Role};

use super::comment::{Comment, CommentStatus};
use super::context::{count_mutation, db, load_list, require_role};
use super::ids::{self, Kind};
use super::loaders::HistoryOfComment;
use super::pagination::{Connection, PageArgs, connection};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::service::events::{Change, CommentEvent};
use crate::service::moderation::Moderated;

/// Most comments one `moderateComments` call changes.
const MAX_BULK: usize = 100;

/// A comment as moderators see it: with the author's email, the hashed
/// client address and the user agent. Moderators only.
pub struct CommentForModeration(pub comment::Model);

/// A comment as moderators see it. Moderators only.
#[Object]
impl CommentForModeration {
    /// The comment's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Comment, self.0.id)
    }

    /// The comment itself.
    async fn comment(&self) -> Comment {
        Comment(self.0.clone())
    }

    /// The author's email. Moderators only; never public.
    async fn author_email(&self) -> Option<&str> {
        self.0.author_email.as_deref()
    }

    /// A keyed hash of the address the comment came from: the same client
    /// gives the same hash. The address itself is never stored.
    async fn client_address_hash(&self) -> Option<&str> {
        self.0.client_ip_hash.as_deref()
    }

    /// The browser or app that posted it.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// Who changed the comment's status, when, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<ModerationEvent>> {
        let events: Vec<entity::moderation_event::Model> =
            load_list(ctx, HistoryOfComment(self.0.id)).await?;
        Ok(events.into_iter().map(ModerationEvent::from).collect())
    }
}

/// One moderation action.
#[derive(SimpleObject)]
pub struct ModerationEvent {
    /// The staff token's name.
    pub actor_name: String,
    /// The status before.
    pub from_status: CommentStatus,
    /// The status after.
    pub to_status: CommentStatus,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<entity::moderation_event::Model> for ModerationEvent {
    fn from(e: entity::moderation_event::Model) -> Self {
        Self {
            actor_name: e.actor_name,
            from_status: e.from_status.into(),
            to_status: e.to_status.into(),
            at: e.created_at,
        }
    }
}

/// Fields of the moderation queue.
pub struct QueueInfo {
    statuses: Vec<DbCommentStatus>,
    review_id: Option<i32>,
}

/// Fields of the moderation queue.
#[Object]
impl QueueInfo {
    /// How many comments the queue holds across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(service::moderation::queue_count(db(ctx)?, &self.statuses, self.review_id).await?)
    }
}

pub type ModerationQueue = Connection<CommentForModeration, QueueInfo>;

/// Moderation queries.
#[derive(Default)]
pub struct ModerationQuery;

/// Moderation queries.
#[Object]
impl ModerationQuery {
    /// Comments with these statuses (default: `PENDING`), on one review if
    /// given, newest first. Moderators only.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    #[allow(clippy::too_many_arguments)]
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "vec![CommentStatus::Pending]")] status: Vec<CommentStatus>,
        review_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<ModerationQueue> {
        require_role(ctx, Role::Moderator)?;
        let request = PageArgs::new(first, after, last, before).into_request()?;
        let review_id = review_id
            .map(|id| ids::decode(&id, Kind::Review, "reviewId"))
            .transpose()?;
        let statuses: Vec<DbCommentStatus> = status.into_iter().map(Into::into).collect();
        let page = service::moderation::queue(db(ctx)?, &statuses, review_id, &request).await?;
        Ok(connection(
            page,
            QueueInfo {
                statuses,
                review_id,
            },
            Comment::position,
            CommentForModeration,
        ))
    }
}

/// The statuses a moderator can set.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ModerationStatus {
    /// Publish.
    Approved,
    /// Send back to the queue.
    Pending,
    /// Mark as spam.
    Spam,
    /// Delete.
    Trash,
}

impl From<ModerationStatus> for DbCommentStatus {
    fn from(s: ModerationStatus) -> Self {
        match s {
            ModerationStatus::Approved => Self::Approved,
            ModerationStatus::Pending => Self::Pending,
            ModerationStatus::Spam => Self::Spam,
            ModerationStatus::Trash => Self::Trash,
        }
    }
}

/// A status for one comment.
#[derive(InputObject)]
pub struct ModerateCommentInput {
    /// The comment.
    pub id: ID,
    /// Its new status.
    pub status: ModerationStatus,
}

/// A status for many comments.
#[derive(InputObject)]
pub struct ModerateCommentsInput {
    /// The comments, at most 100.
    pub ids: Vec<ID>,
    /// Their new status.
    pub status: ModerationStatus,
}

/// A comment whose status a moderator set.
#[derive(SimpleObject)]
pub struct ModeratedComment {
    /// The comment as it now stands.
    pub comment: CommentForModeration,
    /// Its status before.
    pub previous_status: CommentStatus,
}

impl From<Moderated> for ModeratedComment {
    fn from(m: Moderated) -> Self {
        Self {
            comment: CommentForModeration(m.comment),
            previous_status: m.previous.into(),
        }
    }
}

/// The result of `moderateComments`.
#[derive(SimpleObject)]
pub struct ModerateCommentsPayload {
    /// The comments, in the order given.
    pub comments: Vec<ModeratedComment>,
}

/// Tells subscribers of the comments whose status changed.
async fn announce_all(ctx: &Context<'_>, changed: &[Moderated]) {
    for m in changed.iter().filter(|m| m.previous != m.comment.status) {
        super::live::announce(
            ctx,
            CommentEvent::new(&m.comment, Change::Moderated { from: m.previous }),
        )
        .await;
    }
}

/// Moderation mutations.
#[derive(Default)]
pub struct ModerationMutation;

/// Moderation mutations.
#[Object]
impl ModerationMutation {
    /// Sets a comment's status, and records who did it. Moderators only.
    async fn moderate_comment(
        &self,
        ctx: &Context<'_>,
        input: ModerateCommentInput,
    ) -> ApiResult<ModeratedComment> {
        let actor = require_role(ctx, Role::Moderator)?;
        count_mutation(ctx).await?;
        let id = ids::decode(&input.id, Kind::Comment, "id")?;
        let mut changed =
            service::moderation::moderate(db(ctx)?, actor, &[id], input.status.into()).await?;
        announce_all(ctx, &changed).await;
        changed
            .pop()
            .map(Into::into)
            .ok_or(ApiError::NotFound { what: "Comment" })
    }

    /// Sets the status of up to 100 comments at once: all or none. Moderators only.
    async fn moderate_comments(
        &self,
        ctx: &Context<'_>,
        input: ModerateCommentsInput,
    ) -> ApiResult<ModerateCommentsPayload> {
        let actor = require_role(ctx, Role::Moderator)?;
        count_mutation(ctx).await?;
        if input.ids.len() > MAX_BULK {
            return Err(ApiError::InvalidArgument {
                argument: "ids",
                message: format!("Moderate at most {MAX_BULK} comments at once"),
            });
        }
        let ids = input
            .ids
            .iter()
            .map(|id| ids::decode(id, Kind::Comment, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        let changed =
            service::moderation::moderate(db(ctx)?, actor, &ids, input.status.into()).await?;
        announce_all(ctx, &changed).await;
        Ok(ModerateCommentsPayload {
            comments: changed.into_iter().map(Into::into).collect(),
        })
    }
}
