//! What a comment's author may do with the token `addComment` gave them:
//! read, edit and delete their comment within the edit window.

use entity::comment;
use entity::enums::CommentStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
};

use crate::domain::{AuthorName, AuthorUrl, CommentBody};
use crate::error::{ApiError, ApiResult};
use crate::service::moderation::{Policy, Submission, Verdict};
use crate::service::secret::token_hash;
use crate::service::{begin_write, now};

/// The comment `token` opens: its author's, in any status but deleted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn owned(
    db: &impl ConnectionTrait,
    id: i32,
    token: &str,
) -> Result<Option<comment::Model>, DbErr> {
    comment::Entity::find_by_id(id)
        .filter(comment::Column::OwnerTokenHash.eq(token_hash(token)))
        .filter(comment::Column::Status.ne(CommentStatus::Trash))
        .one(db)
        .await
}

/// What the author may change.
#[derive(Debug, Clone)]
pub struct Edit {
    pub body: CommentBody,
    pub author_name: Option<AuthorName>,
    /// `Some(None)` clears the website.
    pub author_url: Option<Option<AuthorUrl>>,
}

/// The author's comment, if the edit window is still open.
async fn editable(
    db: &impl ConnectionTrait,
    policy: &Policy,
    id: i32,
    token: &str,
) -> ApiResult<comment::Model> {
    let comment = owned(db, id, token)
        .await?
        .ok_or(ApiError::InvalidOwnerToken)?;
    // A window longer than chrono can add never closes.
    let closes = chrono::Duration::from_std(policy.edit_window)
        .ok()
        .and_then(|window| comment.created_at.checked_add_signed(window));
    match closes {
        Some(closes) if now() > closes => Err(ApiError::EditWindowExpired),
        _ => Ok(comment),
    }
}

/// Edits the author's comment within the edit window. The new text is judged
/// again: it may become held or spam, never approved by the edit alone.
#[tracing::instrument(skip_all, fields(comment_id = id))]
pub async fn edit(
    db: &DatabaseConnection,
    policy: &Policy,
    id: i32,
    token: &str,
    edit: Edit,
) -> ApiResult<comment::Model> {
    let write = begin_write(db).await?;
    let txn: &DatabaseTransaction = &write;
    let comment = editable(txn, policy, id, token).await?;
    let author_name = edit
        .author_name
        .map(AuthorName::into_inner)
        .unwrap_or(comment.author_name.clone());
    let author_url = match edit.author_url {
        Some(url) => url.map(AuthorUrl::into_inner),
        None => comment.author_url.clone(),
    };
    let verdict = policy.judge(&Submission {
        author_name: &author_name,
        author_email: comment.author_email.as_deref().unwrap_or_default(),
        author_url: author_url.as_deref(),
        body: edit.body.as_ref(),
        user_agent: comment.user_agent.as_deref(),
    });
    let status = match verdict {
        Verdict::Spam => CommentStatus::Spam,
        Verdict::Hold => CommentStatus::Pending,
        Verdict::Clean => comment.status,
    };
    let mut row: comment::ActiveModel = comment.into();
    row.body = Set(edit.body.into_inner());
    row.author_name = Set(author_name);
    row.author_url = Set(author_url);
    row.status = Set(status);
    row.updated_at = Set(now());
    let updated = row.update(txn).await?;
    write.commit().await?;
    Ok(updated)
}

/// Deletes the author's comment (moves it to the trash) within the edit
/// window.
#[tracing::instrument(skip_all, fields(comment_id = id))]
pub async fn delete(
    db: &DatabaseConnection,
    policy: &Policy,
    id: i32,
    token: &str,
) -> ApiResult<comment::Model> {
    let write = begin_write(db).await?;
    let txn: &DatabaseTransaction = &write;
    let comment = editable(txn, policy, id, token).await?;
    let mut row: comment::ActiveModel = comment.into();
    row.status = Set(CommentStatus::Trash);
    row.updated_at = Set(now());
    let deleted = row.update(txn).await?;
    write.commit().await?;
    Ok(deleted)
}
