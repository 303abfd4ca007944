//! `Comment`, the comment policy a form renders from, and `addComment`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::CommentStatus as DbCommentStatus;
use entity::{comment, review};

use super::common::OrderDirection;
use super::comparison::Comparison;
use super::context::{count_mutation, db, load_list, load_one, request, services};
use super::ids::{self, Kind};
use super::live::announce;
use super::loaders::{CommentById, CommentCount, CommentPage, ComparisonsOfComment, ReviewById};
use super::pagination::{Connection, PageArgs, connection};
use super::review::Review;
use crate::code::ErrorCode;
use crate::domain;
use crate::domain::text::plain_text_to_safe_html;
use crate::domain::{
    AuthorName, AuthorUrl, CommentBody, Email, FieldError, IdempotencyKey, InputErrorCode,
};
use crate::error::{ApiError, ApiResult};
use crate::service::comment::{NewComment, Posting, Thread};
use crate::service::events::{Change, CommentEvent};
use crate::service::moderation::Policy;
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
            .map(Review))
    }

    /// The comment this one replies to, if any.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Comment>> {
        match self.0.parent_id {
            Some(id) => Ok(load_one(ctx, CommentById(id)).await?.map(Comment)),
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
        Ok(rows.into_iter().map(Comparison).collect())
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
    Ok(connection(
        page,
        CommentListInfo(CommentCount { thread, parent }),
        Comment::position,
        Comment,
    ))
}

/// A field of the comment form.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommentField {
    /// `authorName`.
    AuthorName,
    /// `authorEmail`: never published.
    AuthorEmail,
    /// `authorUrl`.
    AuthorUrl,
    /// `body`.
    Body,
}

/// The limits of the comment form, in UTF-8 bytes (WordPress's).
#[derive(SimpleObject, Clone, Copy)]
pub struct CommentLimits {
    /// Longest `authorName`.
    pub author_name_max_bytes: i32,
    /// Longest `authorEmail`.
    pub author_email_max_bytes: i32,
    /// Longest `authorUrl`.
    pub author_url_max_bytes: i32,
    /// Longest `body`.
    pub body_max_bytes: i32,
}

/// How a review's comment form behaves. A client can render the form from it.
#[derive(SimpleObject, Clone)]
pub struct CommentPolicy {
    /// Whether new comments are accepted now.
    pub open: bool,
    /// When comments close by age, if they do.
    pub closes_at: Option<DateTime<Utc>>,
    /// Fields a comment must have.
    pub required_fields: Vec<CommentField>,
    /// Fields a comment may have.
    pub optional_fields: Vec<CommentField>,
    /// Whether the author's email is ever shown to the public. Always false.
    pub email_published: bool,
    /// The notice to show above the form.
    pub notice: String,
    /// Length limits.
    pub limits: CommentLimits,
    /// How deep replies may nest: 1 allows replies to top-level comments only.
    pub max_reply_depth: i32,
    /// Least seconds between two comments from one address or email.
    pub flood_interval_seconds: u64,
    /// Seconds after posting during which the author may edit or delete.
    pub edit_window_seconds: u64,
}

impl CommentPolicy {
    pub fn for_review(review: &review::Model, policy: &Policy) -> Self {
        Self {
            open: policy.is_open(review, chrono::Utc::now()),
            closes_at: policy.closes_at(review),
            required_fields: vec![
                CommentField::AuthorName,
                CommentField::AuthorEmail,
                CommentField::Body,
            ],
            optional_fields: vec![CommentField::AuthorUrl],
            email_published: false,
            notice: "Your email address will not be published. Required fields are marked *".into(),
            limits: CommentLimits {
                author_name_max_bytes: domain::author_name::MAX_BYTES as i32,
                author_email_max_bytes: domain::email::MAX_BYTES as i32,
                author_url_max_bytes: domain::author_url::MAX_BYTES as i32,
                body_max_bytes: domain::comment_body::MAX_BYTES as i32,
            },
            max_reply_depth: policy.max_depth,
            flood_interval_seconds: policy.flood_interval.as_secs(),
            edit_window_seconds: policy.edit_window.as_secs(),
        }
    }
}

/// A new comment.
#[derive(InputObject)]
pub struct AddCommentInput {
    /// The review to comment on.
    pub review_id: ID,
    /// The comment to reply to: an approved comment on the same review.
    pub parent_id: Option<ID>,
    /// The author's name, as it will be shown. Required; at most 245 bytes.
    pub author_name: String,
    /// The author's email. Required; at most 100 bytes; never published.
    pub author_email: String,
    /// The author's website, http(s). At most 200 bytes.
    pub author_url: Option<String>,
    /// The comment: plain text with line breaks. Required; at most 65,525 bytes.
    pub body: String,
    /// A key the client chooses (a UUID, say) so that retrying after a lost
    /// response returns the first attempt's comment instead of posting twice.
    pub idempotency_key: Option<String>,
}

impl AddCommentInput {
    /// Validates every field, collecting every error so a form can show them
    /// all at once.
    fn validate(self) -> Result<NewComment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let review_id = keep(
            &mut errors,
            ids::decode(&self.review_id, Kind::Review, "reviewId").map_err(|_| {
                FieldError::new(
                    "reviewId",
                    InputErrorCode::InvalidReference,
                    "This is not a review id.",
                )
            }),
        );
        let parent_id = keep(
            &mut errors,
            self.parent_id
                .map(|id| {
                    ids::decode(&id, Kind::Comment, "parentId").map_err(|_| {
                        FieldError::new(
                            "parentId",
                            InputErrorCode::InvalidReference,
                            "This is not a comment id.",
                        )
                    })
                })
                .transpose(),
        );
        let author_name = keep(&mut errors, AuthorName::parse(&self.author_name));
        let author_email = keep(&mut errors, Email::parse(&self.author_email));
        let author_url = keep(
            &mut errors,
            AuthorUrl::parse(self.author_url.as_deref().unwrap_or_default()),
        );
        let body = keep(&mut errors, CommentBody::parse(&self.body));
        let idempotency_key = keep(
            &mut errors,
            self.idempotency_key
                .as_deref()
                .map(IdempotencyKey::parse)
                .transpose(),
        );
        match (
            review_id,
            parent_id,
            author_name,
            author_email,
            author_url,
            body,
            idempotency_key,
        ) {
            (
                Some(review_id),
                Some(parent_id),
                Some(author_name),
                Some(author_email),
                Some(author_url),
                Some(body),
                Some(idempotency_key),
            ) if errors.is_empty() => Ok(NewComment {
                review_id,
                parent_id,
                author_name,
                author_email,
                author_url,
                body,
                idempotency_key,
            }),
            _ => Err(errors),
        }
    }
}

/// The value of a field that passed, or None with its error collected, so
/// a form gets every refused field at once.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// Why a comment was refused.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommentErrorCode {
    /// A required field is missing or blank.
    Required,
    /// A field is longer than its limit.
    TooLong,
    /// `authorEmail` is not a valid email address.
    InvalidEmail,
    /// `authorUrl` is not an http(s) URL.
    InvalidUrl,
    /// A field holds characters that are not allowed.
    InvalidFormat,
    /// `reviewId` or `parentId` names nothing that can be commented on.
    InvalidReference,
    /// The idempotency key was already used with different input.
    IdempotencyKeyReused,
    /// The review takes no new comments.
    CommentsClosed,
    /// The same comment was already posted.
    DuplicateComment,
    /// Too soon after this address's or email's last comment; see
    /// `retryAfterSeconds`.
    CommentFlood,
    /// The reply would nest deeper than threads may go.
    ThreadTooDeep,
    /// The owner token does not open this comment.
    InvalidOwnerToken,
    /// The time to edit or delete the comment has passed.
    EditWindowExpired,
}

impl CommentErrorCode {
    /// The crate-wide code this GraphQL value stands for (its GraphQL name
    /// is the same string; a unit test holds them together).
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Required => ErrorCode::Required,
            Self::TooLong => ErrorCode::TooLong,
            Self::InvalidEmail => ErrorCode::InvalidEmail,
            Self::InvalidUrl => ErrorCode::InvalidUrl,
            Self::InvalidFormat => ErrorCode::InvalidFormat,
            Self::InvalidReference => ErrorCode::InvalidReference,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::CommentsClosed => ErrorCode::CommentsClosed,
            Self::DuplicateComment => ErrorCode::DuplicateComment,
            Self::CommentFlood => ErrorCode::CommentFlood,
            Self::ThreadTooDeep => ErrorCode::ThreadTooDeep,
            Self::InvalidOwnerToken => ErrorCode::InvalidOwnerToken,
            Self::EditWindowExpired => ErrorCode::EditWindowExpired,
        }
    }
}

impl From<InputErrorCode> for CommentErrorCode {
    fn from(code: InputErrorCode) -> Self {
        match code {
            InputErrorCode::Required => Self::Required,
            InputErrorCode::TooLong => Self::TooLong,
            InputErrorCode::InvalidEmail => Self::InvalidEmail,
            InputErrorCode::InvalidUrl => Self::InvalidUrl,
            InputErrorCode::InvalidFormat => Self::InvalidFormat,
            InputErrorCode::InvalidReference => Self::InvalidReference,
            InputErrorCode::ThreadTooDeep => Self::ThreadTooDeep,
        }
    }
}

/// One refused field of `addComment`, for a form to show beside it.
#[derive(SimpleObject, Clone)]
pub struct CommentInputError {
    /// The input field, e.g. `authorEmail`; null when the error concerns
    /// the whole input.
    pub field: Option<String>,
    /// Why, as a stable code.
    pub code: CommentErrorCode,
    /// A sentence a form can show.
    pub message: String,
    /// For `COMMENT_FLOOD`: seconds to wait before trying again.
    pub retry_after_seconds: Option<u64>,
}

impl From<FieldError> for CommentInputError {
    fn from(e: FieldError) -> Self {
        Self {
            field: Some(e.field.to_owned()),
            code: e.code.into(),
            message: e.message,
            retry_after_seconds: None,
        }
    }
}

impl CommentInputError {
    /// The payload form of a refusal from the service, if it is one a
    /// client should handle (rather than a fault).
    fn from_refusal(err: &ApiError) -> Option<Vec<Self>> {
        let whole = |field: Option<&str>, code| {
            Some(vec![Self {
                field: field.map(str::to_owned),
                code,
                message: err.public_message(),
                retry_after_seconds: None,
            }])
        };
        match err {
            ApiError::Validation(errors) => Some(errors.iter().cloned().map(Into::into).collect()),
            ApiError::IdempotencyKeyReused => whole(
                Some("idempotencyKey"),
                CommentErrorCode::IdempotencyKeyReused,
            ),
            ApiError::CommentsClosed => whole(Some("reviewId"), CommentErrorCode::CommentsClosed),
            ApiError::DuplicateComment => whole(None, CommentErrorCode::DuplicateComment),
            ApiError::InvalidOwnerToken => {
                whole(Some("ownerToken"), CommentErrorCode::InvalidOwnerToken)
            }
            ApiError::EditWindowExpired => whole(None, CommentErrorCode::EditWindowExpired),
            ApiError::CommentFlood { retry_after_secs } => Some(vec![Self {
                field: None,
                code: CommentErrorCode::CommentFlood,
                message: err.public_message(),
                retry_after_seconds: Some(*retry_after_secs),
            }]),
            // Not about the input: top-level errors. Listed one by one, so a
            // new refusal does not compile until it is placed here.
            ApiError::NotFound { .. }
            | ApiError::InvalidArgument { .. }
            | ApiError::InvalidCursor { .. }
            | ApiError::InvalidId { .. }
            | ApiError::Unauthenticated
            | ApiError::Forbidden
            | ApiError::RateLimited { .. }
            | ApiError::LimitExceeded { .. }
            | ApiError::InvalidDocument { .. }
            | ApiError::Throttled { .. }
            | ApiError::Timeout { .. }
            | ApiError::ServiceUnavailable { .. }
            | ApiError::Internal(_) => None,
        }
    }
}

/// The result of `addComment`: the comment, or the errors that kept it out.
#[derive(SimpleObject)]
pub struct AddCommentPayload {
    /// The stored comment, whatever its status, so an app can show it as
    /// "awaiting moderation". Null when `errors` is not empty.
    pub comment: Option<Comment>,
    /// The comment's status: `APPROVED` (published) or `PENDING`. Null
    /// when `errors` is not empty.
    pub status: Option<CommentStatus>,
    /// True when this answers a retry: an earlier request with the same
    /// idempotency key stored the comment.
    pub replayed: bool,
    /// A secret for the author alone: with it, the author can read the
    /// comment in any status, and edit or delete it for a while. Keep it;
    /// it is shown once (and again to a retry with the same idempotency key).
    pub owner_token: Option<String>,
    /// Why the comment was refused; empty on success.
    pub errors: Vec<CommentInputError>,
}

impl AddCommentPayload {
    fn refused(errors: Vec<CommentInputError>) -> Self {
        Self {
            comment: None,
            status: None,
            replayed: false,
            owner_token: None,
            errors,
        }
    }
}

/// A change to one's own comment.
#[derive(InputObject)]
pub struct EditCommentInput {
    /// The comment.
    pub id: ID,
    /// The owner token `addComment` returned.
    pub owner_token: String,
    /// The new text. Required; at most 65,525 bytes.
    pub body: String,
    /// A new name; unchanged when absent.
    pub author_name: Option<String>,
    /// A new website; unchanged when absent, removed when blank.
    pub author_url: Option<String>,
}

impl EditCommentInput {
    /// Validates the changes, collecting every refused field.
    fn validate(&self) -> Result<service::comment::Edit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let body = keep(&mut errors, CommentBody::parse(&self.body));
        let author_name = keep(
            &mut errors,
            self.author_name
                .as_deref()
                .map(AuthorName::parse)
                .transpose(),
        );
        let author_url = keep(
            &mut errors,
            self.author_url.as_deref().map(AuthorUrl::parse).transpose(),
        );
        match (body, author_name, author_url) {
            (Some(body), Some(author_name), Some(author_url)) if errors.is_empty() => {
                Ok(service::comment::Edit {
                    body,
                    author_name,
                    author_url,
                })
            }
            _ => Err(errors),
        }
    }
}

/// One's own comment to delete.
#[derive(InputObject)]
pub struct DeleteCommentInput {
    /// The comment.
    pub id: ID,
    /// The owner token `addComment` returned.
    pub owner_token: String,
}

/// The result of `editComment`.
#[derive(SimpleObject)]
pub struct EditCommentPayload {
    /// The comment as it now stands; null when `errors` is not empty. An
    /// edit can send a comment back to moderation.
    pub comment: Option<Comment>,
    /// Why the edit was refused; empty on success.
    pub errors: Vec<CommentInputError>,
}

/// The result of `deleteComment`.
#[derive(SimpleObject)]
pub struct DeleteCommentPayload {
    /// The deleted comment's ID; null when `errors` is not empty.
    pub deleted_comment_id: Option<ID>,
    /// Why the deletion was refused; empty on success.
    pub errors: Vec<CommentInputError>,
}

fn comment_id(id: &ID) -> Result<i32, Vec<CommentInputError>> {
    ids::decode(id, Kind::Comment, "id").map_err(|_| {
        vec![
            FieldError::new(
                "id",
                InputErrorCode::InvalidReference,
                "This is not a comment id.",
            )
            .into(),
        ]
    })
}

/// The service's answer as payload errors, or as a top-level error when it
/// is not the client's to fix.
fn refusal(err: ApiError) -> ApiResult<Vec<CommentInputError>> {
    CommentInputError::from_refusal(&err).ok_or(err)
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
            Some(token) => service::comment::owned(db(ctx)?, id, &token).await?,
            None => load_one(ctx, CommentById(id)).await?,
        };
        Ok(row.map(Comment))
    }
}

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
        count_mutation(ctx).await?;
        let new = match input.validate() {
            Ok(new) => new,
            Err(errors) => {
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
        };
        match service::comment::post(db(ctx)?, posting, new).await {
            Ok(posted) => {
                if !posted.replayed {
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
            Ok(_) => Ok(DeleteCommentPayload {
                deleted_comment_id: Some(input.id),
                errors: Vec::new(),
            }),
            Err(err) => refused(refusal(err)?),
        }
    }
}

#[cfg(test)]
mod code_tests {
    use async_graphql::resolver_utils::EnumType;

    use super::CommentErrorCode;

    #[test]
    fn each_graphql_value_is_named_as_its_code() {
        for item in CommentErrorCode::items() {
            assert_eq!(item.name, item.value.code().as_str());
        }
    }
}
