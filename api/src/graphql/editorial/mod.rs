//! The newsroom's mutations, for EDITOR and ADMIN tokens: films, people,
//! credits, reviews, comparisons, publication and revisions. A moderator's
//! token is `FORBIDDEN`, no token `UNAUTHENTICATED` (top-level errors);
//! refused input comes back in the payload's `errors`, field by field,
//! as `addComment`'s does.

pub mod audit;
pub mod film;
pub mod person;
pub mod review;

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use entity::enums::Role;

use super::context::{require_role, services};
use super::ids::{self, Kind};
use crate::code::ErrorCode;
use crate::domain::editorial::{Line, WebUrl};
use crate::domain::{FieldError, InputErrorCode, Slug};
use crate::error::{ApiError, ApiResult};
use crate::service::editorial::film::Poster;
use crate::service::editorial::{Actor, Change};

/// The staff member making an editorial change: an EDITOR or ADMIN token.
fn editor(ctx: &Context<'_>) -> ApiResult<Actor> {
    let token = require_role(ctx, Role::Editor)?;
    Ok(Actor {
        token_id: token.id,
        name: token.name.clone(),
        purge: Some(services(ctx)?.purger.clone()),
    })
}

/// Why an editorial change was refused.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EditorialErrorCode {
    /// A required field is missing or blank.
    Required,
    /// A field, or a list, is longer than its limit.
    TooLong,
    /// A field holds characters or a shape that are not allowed.
    InvalidFormat,
    /// An image address is neither an http(s) URL nor a path on the site.
    InvalidUrl,
    /// An id or slug names nothing that can be used here.
    InvalidReference,
    /// The slug already names another object of the same kind.
    SlugTaken,
    /// Someone else saved the object since `expectedVersion`; see
    /// `currentVersion`. Nothing was changed.
    EditConflict,
    /// Other objects still point at this one, so it cannot be deleted.
    StillReferenced,
    /// There is no such object.
    NotFound,
}

impl EditorialErrorCode {
    /// The crate-wide code this GraphQL value stands for (its GraphQL name
    /// is the same string; a unit test in `code` holds them together).
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Required => ErrorCode::Required,
            Self::TooLong => ErrorCode::TooLong,
            Self::InvalidFormat => ErrorCode::InvalidFormat,
            Self::InvalidUrl => ErrorCode::InvalidUrl,
            Self::InvalidReference => ErrorCode::InvalidReference,
            Self::SlugTaken => ErrorCode::SlugTaken,
            Self::EditConflict => ErrorCode::EditConflict,
            Self::StillReferenced => ErrorCode::StillReferenced,
            Self::NotFound => ErrorCode::NotFound,
        }
    }
}

impl From<InputErrorCode> for EditorialErrorCode {
    fn from(code: InputErrorCode) -> Self {
        match code {
            InputErrorCode::Required => Self::Required,
            InputErrorCode::TooLong => Self::TooLong,
            InputErrorCode::InvalidUrl => Self::InvalidUrl,
            InputErrorCode::InvalidReference => Self::InvalidReference,
            // Comment-only checks; no editorial field makes them.
            InputErrorCode::InvalidEmail
            | InputErrorCode::InvalidFormat
            | InputErrorCode::ThreadTooDeep => Self::InvalidFormat,
        }
    }
}

/// One refused field of an editorial change, for the CMS to show beside it.
#[derive(SimpleObject, Clone, Debug)]
pub struct EditorialError {
    /// The input field, e.g. `title`, or its path in a list, e.g.
    /// `credits.2.person`; null when the error concerns the whole change.
    pub field: Option<String>,
    /// Why, as a stable code.
    pub code: EditorialErrorCode,
    /// A sentence the CMS can show.
    pub message: String,
    /// For `EDIT_CONFLICT`: the version saved by someone else.
    pub current_version: Option<i32>,
}

impl EditorialError {
    fn new(field: Option<&str>, code: EditorialErrorCode, message: String) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message,
            current_version: None,
        }
    }
}

impl From<FieldError> for EditorialError {
    fn from(e: FieldError) -> Self {
        Self::new(Some(&e.field), e.code.into(), e.message)
    }
}

/// The payload form of a refusal from the editorial service; other errors
/// (faults, outages) stay top-level errors.
fn refusal(err: ApiError) -> ApiResult<Vec<EditorialError>> {
    use EditorialErrorCode as Code;
    let (field, code, current_version) = match &err {
        ApiError::Validation(errors) => {
            return Ok(errors.iter().cloned().map(Into::into).collect());
        }
        ApiError::SlugTaken { .. } => ("slug", Code::SlugTaken, None),
        ApiError::EditConflict { current_version } => (
            "expectedVersion",
            Code::EditConflict,
            Some(*current_version),
        ),
        ApiError::StillReferenced { .. } => ("id", Code::StillReferenced, None),
        ApiError::NotFound { .. } => ("id", Code::NotFound, None),
        ApiError::InvalidArgument { argument, .. } => (*argument, Code::InvalidReference, None),
        _ => return Err(err),
    };
    Ok(vec![EditorialError {
        current_version,
        ..EditorialError::new(Some(field), code, err.public_message())
    }])
}

/// The outcome of a change as a payload: the value, or the refusal.
fn settle<T, P>(
    result: ApiResult<T>,
    ok: impl FnOnce(T) -> P,
    refused: impl FnOnce(Vec<EditorialError>) -> P,
) -> ApiResult<P> {
    match result {
        Ok(value) => Ok(ok(value)),
        Err(err) => Ok(refused(refusal(err)?)),
    }
}

/// Collects field errors so a form gets every refused field at once.
#[derive(Default)]
struct Checks(Vec<FieldError>);

impl Checks {
    /// The value of a field that passed, or None with its error kept.
    fn keep<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    /// An id of `kind` in `field`; `INVALID_REFERENCE` when it is not one.
    fn id(&mut self, field: &'static str, id: &ID, kind: Kind) -> Option<i32> {
        self.keep(ids::decode(id, kind, field).map_err(|_| {
            FieldError::new(
                field,
                InputErrorCode::InvalidReference,
                format!("This is not a {} id.", kind_name(kind)),
            )
        }))
    }

    /// An optional slug in `field`.
    fn slug(&mut self, field: &'static str, slug: Option<&str>) -> Option<Option<Slug>> {
        self.keep(
            slug.map(|s| {
                Slug::parse(s).map_err(|e| FieldError {
                    field: field.into(),
                    ..e
                })
            })
            .transpose(),
        )
    }

    /// Errors from elsewhere (a list entry's), kept with the rest.
    fn extend(&mut self, errors: Vec<FieldError>) {
        self.0.extend(errors);
    }

    /// The collected errors as a refusal, or `value` when there are none.
    fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<EditorialError>> {
        if self.0.is_empty()
            && let Some(value) = value()
        {
            return Ok(value);
        }
        Err(self.0.into_iter().map(Into::into).collect())
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Film => "film",
        Kind::Person => "person",
        Kind::Review => "review",
        Kind::Comment => "comment",
        Kind::Credit => "credit",
        Kind::Comparison => "comparison",
    }
}

/// An image and the text that stands in for it.
#[derive(InputObject, Clone)]
pub struct ImageInput {
    /// An http(s) URL, or a path on the site such as `/media/her.jpg`. At
    /// most 500 bytes.
    pub url: String,
    /// Alternative text for readers who cannot see the image. Required; at
    /// most 300 bytes.
    pub alt: String,
}

/// Most bytes of an image's alternative text.
const ALT_BYTES: usize = 300;

fn poster(checks: &mut Checks, field: &'static str, image: ImageInput) -> Option<Poster> {
    let url = checks.keep(WebUrl::parse("url", &image.url).map_err(|e| e.within(field)));
    let alt = checks.keep(Line::parse("alt", &image.alt, ALT_BYTES).map_err(|e| e.within(field)));
    Some(Poster {
        url: url?,
        alt: alt?,
    })
}

fn poster_change(
    checks: &mut Checks,
    field: &'static str,
    image: MaybeUndefined<ImageInput>,
) -> Option<Change<Poster>> {
    match image {
        MaybeUndefined::Undefined => Some(Change::Keep),
        MaybeUndefined::Null => Some(Change::Clear),
        MaybeUndefined::Value(image) => poster(checks, field, image).map(Change::Set),
    }
}

/// A nullable field's change, validated by `parse`.
fn change<T, V>(
    checks: &mut Checks,
    value: MaybeUndefined<V>,
    parse: impl FnOnce(V) -> Result<Option<T>, FieldError>,
) -> Option<Change<T>> {
    match value {
        MaybeUndefined::Undefined => Some(Change::Keep),
        MaybeUndefined::Null => Some(Change::Clear),
        MaybeUndefined::Value(v) => match checks.keep(parse(v))? {
            Some(t) => Some(Change::Set(t)),
            None => Some(Change::Clear),
        },
    }
}

/// What a delete takes.
#[derive(InputObject)]
pub struct DeleteInput {
    /// The object to delete.
    pub id: ID,
    /// The version the editor saw; `EDIT_CONFLICT` if it changed since.
    pub expected_version: i32,
}

/// The result of a delete.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The id of what was deleted; null when `errors` is not empty.
    pub deleted_id: Option<ID>,
    /// Why nothing was deleted; empty on success.
    pub errors: Vec<EditorialError>,
}

impl DeletePayload {
    fn settle(result: ApiResult<()>, id: ID) -> ApiResult<Self> {
        settle(
            result,
            |()| Self {
                deleted_id: Some(id),
                errors: Vec::new(),
            },
            |errors| Self {
                deleted_id: None,
                errors,
            },
        )
    }

    fn refused(errors: Vec<EditorialError>) -> Self {
        Self {
            deleted_id: None,
            errors,
        }
    }
}
