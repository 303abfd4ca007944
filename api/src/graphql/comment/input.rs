//! The comment mutations' inputs, validated into domain types with every
//! refused field reported at once, and their payloads.

use async_graphql::{Enum, ID, InputObject, SimpleObject};

use super::{Comment, CommentStatus};
use crate::code::ErrorCode;
use crate::domain::{
    AuthorName, AuthorUrl, CommentBody, Email, FieldError, IdempotencyKey, InputErrorCode,
};
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, Kind};
use crate::service::comment::NewComment;
use crate::service::{self};

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
    pub(super) fn validate(self) -> Result<NewComment, Vec<FieldError>> {
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
            field: Some(e.field.into_owned()),
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
            | ApiError::EditConflict { .. }
            | ApiError::StillReferenced { .. }
            | ApiError::SlugTaken { .. }
            | ApiError::RateLimited { .. }
            | ApiError::LimitExceeded { .. }
            | ApiError::InvalidDocument { .. }
            | ApiError::PersistedQuery(_)
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
    pub(super) fn refused(errors: Vec<CommentInputError>) -> Self {
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
    pub(super) fn validate(&self) -> Result<service::comment::Edit, Vec<FieldError>> {
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

pub(super) fn comment_id(id: &ID) -> Result<i32, Vec<CommentInputError>> {
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
pub(super) fn refusal(err: ApiError) -> ApiResult<Vec<CommentInputError>> {
    CommentInputError::from_refusal(&err).ok_or(err)
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
