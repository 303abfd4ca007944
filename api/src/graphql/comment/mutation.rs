//! `addComment`, `editComment` and `deleteComment`.

use async_graphql::{Context, Object};

use super::input::{comment_id, refusal};
use super::{
    AddCommentInput, AddCommentPayload, Comment, DeleteCommentInput, DeleteCommentPayload,
    EditCommentInput, EditCommentPayload,
};
use crate::error::ApiResult;
use crate::graphql::context::{count_mutation, db, mutation_counter, request, services};
use crate::graphql::live::announce;
use crate::service::comment::Posting;
use crate::service::events::{Change, CommentEvent};
use crate::service::{self};

#[derive(Default)]
pub struct CommentMutation;

/// Comment mutations.
#[Object]
impl CommentMutation {
    /// Posts a reader's comment. It is published at once when the email
    /// already has an approved comment; otherwise it waits for a moderator.
    /// Invalid input comes back in `errors`, field by field.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCommentInput,
    ) -> ApiResult<AddCommentPayload> {
        // The rate limit is counted with the comment's own statements (see
        // `Posting::rate_limit`); input that never gets that far counts here.
        let new = match input.validate() {
            Ok(new) => new,
            Err(errors) => {
                count_mutation(ctx).await?;
                return Ok(AddCommentPayload::refused(
                    errors.into_iter().map(Into::into).collect(),
                ));
            }
        };
        let services = services(ctx)?;
        let posting = Posting {
            policy: &services.policy,
            secret: &services.secret,
            client: request(ctx)?.client.clone(),
            rate_limit: mutation_counter(ctx)?,
        };
        match service::comment::post(db(ctx)?, posting, new).await {
            Ok(posted) => {
                if !posted.replayed {
                    services.metrics.comment_posted(posted.comment.status);
                    announce(ctx, CommentEvent::new(&posted.comment, Change::Created)).await;
                }
                Ok(AddCommentPayload {
                    status: Some(posted.comment.status.into()),
                    comment: Some(Comment(posted.comment)),
                    replayed: posted.replayed,
                    owner_token: Some(posted.owner_token),
                    errors: Vec::new(),
                })
            }
            Err(err) => Ok(AddCommentPayload::refused(refusal(err)?)),
        }
    }

    /// Edits one's own comment, with the owner token, within the edit window
    /// (`EDIT_WINDOW_EXPIRED` after it).
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        input: EditCommentInput,
    ) -> ApiResult<EditCommentPayload> {
        count_mutation(ctx).await?;
        let refused = |errors| {
            Ok(EditCommentPayload {
                comment: None,
                errors,
            })
        };
        let id = match comment_id(&input.id) {
            Ok(id) => id,
            Err(errors) => return refused(errors),
        };
        let edit = match input.validate() {
            Ok(edit) => edit,
            Err(errors) => return refused(errors.into_iter().map(Into::into).collect()),
        };
        let policy = &services(ctx)?.policy;
        match service::comment::edit(db(ctx)?, policy, id, &input.owner_token, edit).await {
            Ok(comment) => {
                announce(ctx, CommentEvent::new(&comment, Change::Edited)).await;
                Ok(EditCommentPayload {
                    comment: Some(Comment(comment)),
                    errors: Vec::new(),
                })
            }
            Err(err) => refused(refusal(err)?),
        }
    }

    /// Deletes one's own comment, with the owner token, within the edit
    /// window (`EDIT_WINDOW_EXPIRED` after it).
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        input: DeleteCommentInput,
    ) -> ApiResult<DeleteCommentPayload> {
        count_mutation(ctx).await?;
        let refused = |errors| {
            Ok(DeleteCommentPayload {
                deleted_comment_id: None,
                errors,
            })
        };
        let id = match comment_id(&input.id) {
            Ok(id) => id,
            Err(errors) => return refused(errors),
        };
        let policy = &services(ctx)?.policy;
        match service::comment::delete(db(ctx)?, policy, id, &input.owner_token).await {
            Ok(deleted) => {
                // Its review's comments as every replica and the CDN cached
                // them may hold it.
                services(ctx)?
                    .purger
                    .changed(&[
                        crate::service::cache::Tag::CommentsOf(deleted.review_id),
                        crate::service::cache::Tag::Comments,
                    ])
                    .await;
                Ok(DeleteCommentPayload {
                    deleted_comment_id: Some(input.id),
                    errors: Vec::new(),
                })
            }
            Err(err) => refused(refusal(err)?),
        }
    }
}
