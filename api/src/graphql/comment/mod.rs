//! `Comment` and its queries. The comment policy a form renders from, the
//! inputs and payloads of the comment mutations, and the mutations
//! themselves are submodules.

mod input;
mod mutation;
mod policy;

pub use self::input::{
    AddCommentInput, AddCommentPayload, CommentErrorCode, CommentInputError, DeleteCommentInput,
    DeleteCommentPayload, EditCommentInput, EditCommentPayload,
};
pub use self::mutation::CommentMutation;
pub use self::policy::{CommentField, CommentLimits, CommentPolicy};

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::comment;
use entity::enums::CommentStatus as DbCommentStatus;

use super::common::OrderDirection;
use super::comparison::Comparison;
use super::context::{db, load_list, load_one};
use super::ids::{self, Kind};
use super::loaders::{CommentById, CommentCount, CommentPage, ComparisonsOfComment, ReviewById};
use super::pagination::{Connection, PageArgs, connection};
use super::review::Review;
use super::tags::{self, Tag};
use crate::domain::text::plain_text_to_safe_html;
use crate::error::ApiResult;
use crate::service::comment::Thread;
use crate::service::page::{Position, SortKey};
use crate::service::{self};

/// Where a comment stands in moderation.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DbCommentStatus")]
pub enum CommentStatus {
    /// Awaiting a moderator; visible only to its author.
    Pending,
    /// Published.
    Approved,
    /// Judged spam; never shown.
    Spam,
    /// Deleted; never shown.
    Trash,
}

/// A reader's comment on a review, or a reply to another comment. The
/// author's email is never published.
#[derive(Clone)]
pub struct Comment(pub comment::Model);

impl Comment {
    pub fn position(m: &comment::Model) -> Position {
        Position {
            key: SortKey::Time(m.created_at),
            id: m.id,
        }
    }
}

/// A reader's comment on a review, or a reply to another comment. The
/// author's email is never published.
#[Object]
impl Comment {
    /// The comment's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Comment, self.0.id)
    }

    /// The name the author signed with.
    async fn author_name(&self) -> &str {
        &self.0.author_name
    }

    /// The author's website, if they gave one.
    async fn author_url(&self) -> Option<&str> {
        self.0.author_url.as_deref()
    }

    /// The text as written: plain text with line breaks.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The text as safe HTML: escaped, paragraphs and line breaks kept, and
    /// links marked `rel="nofollow ugc"`.
    async fn body_html(&self) -> String {
        plain_text_to_safe_html(&self.0.body)
    }

    /// Where the comment stands in moderation. Public lists hold only
    /// `APPROVED` comments.
    async fn status(&self) -> CommentStatus {
        self.0.status.into()
    }

    /// When the comment was posted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the comment last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The review commented on.
    async fn review(&self, ctx: &Context<'_>) -> ApiResult<Option<Review>> {
        Ok(load_one(ctx, ReviewById(self.0.review_id))
            .await?
            .map(|m| tags::one(ctx, Review(m))))
    }

    /// The comment this one replies to, if any.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Comment>> {
        match self.0.parent_id {
            Some(id) => Ok(load_one(ctx, CommentById(id))
                .await?
                .map(|m| tags::one(ctx, Comment(m)))),
            None => Ok(None),
        }
    }

    /// Approved replies, oldest first unless `order` is `DESC`. At most 100
    /// a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    #[allow(clippy::too_many_arguments)]
    async fn replies(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "OrderDirection::Asc")] order: OrderDirection,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<CommentConnection> {
        comment_page(
            ctx,
            Thread::Replies,
            order,
            self.0.id,
            PageArgs::new(first, after, last, before),
        )
        .await
    }

    /// The comparisons the comment draws to other films.
    async fn comparisons(&self, ctx: &Context<'_>) -> ApiResult<Vec<Comparison>> {
        let rows = load_list(ctx, ComparisonsOfComment(self.0.id)).await?;
        let list: Vec<Comparison> = rows.into_iter().map(Comparison).collect();
        tags::each(ctx, &list, None);
        Ok(list)
    }
}

/// Extra fields of a list of comments.
pub struct CommentListInfo(CommentCount);

/// Fields of a list of comments.
#[Object]
impl CommentListInfo {
    /// How many comments the list holds across all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(load_one(ctx, self.0).await?.unwrap_or(0))
    }
}

pub type CommentConnection = Connection<Comment, CommentListInfo>;

/// A page of a review's (or a comment's) approved comments, through the
/// request's loader.
pub async fn comment_page(
    ctx: &Context<'_>,
    thread: Thread,
    order: OrderDirection,
    parent: i32,
    args: PageArgs,
) -> ApiResult<CommentConnection> {
    let request = args.into_request()?;
    let key = CommentPage {
        thread,
        order: order.into(),
        parent,
        request: request.clone(),
    };
    let page = load_one(ctx, key)
        .await?
        .unwrap_or_else(|| request.finish(Vec::new()));
    let list = connection(
        page,
        CommentListInfo(CommentCount { thread, parent }),
        Comment::position,
        Comment,
    );
    // A review's comments; or a comment's replies, which are its review's
    // (the comment asking is tagged with them).
    tags::each_node(ctx, &list);
    if thread != Thread::Replies {
        tags::tag(ctx, [Tag::CommentsOf(parent)]);
    }
    Ok(list)
}

/// Comment queries.
#[derive(Default)]
pub struct CommentQuery;

#[Object]
impl CommentQuery {
    /// A comment by ID. Without `ownerToken`, only a published comment;
    /// with the token `addComment` returned, the author's own comment in
    /// any status (so an app can show "awaiting moderation").
    async fn comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        owner_token: Option<String>,
    ) -> ApiResult<Option<Comment>> {
        let id = ids::decode(&id, Kind::Comment, "id")?;
        let row = match owner_token {
            Some(token) => {
                // The author's own view: for them alone.
                tags::private(ctx);
                service::comment::owned(db(ctx)?, id, &token).await?
            }
            None => load_one(ctx, CommentById(id)).await?,
        };
        match row {
            Some(row) => Ok(Some(tags::one(ctx, Comment(row)))),
            None => {
                // Approving it would change the answer, and nothing names
                // the review it is on.
                tags::private(ctx);
                Ok(None)
            }
        }
    }
}
