//! The newsroom: what editors do to films, people, credits, reviews and
//! comparisons. Every change is one write transaction that checks the
//! object's `version` first (an edit conflict changes nothing), keeps old
//! slugs as aliases, and records who changed what in the audit trail.
//!
//! Nothing here knows about GraphQL: input arrives as validated domain
//! types, refusals leave as [`ApiError`]s.

pub mod film;
pub mod person;
pub mod review;

use entity::editorial_event;
use entity::enums::SubjectKind;
use entity::slug_alias;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use super::now;
use crate::domain::{FieldError, Slug};
use crate::error::ApiError;

/// Who makes a change: a staff token, by id and name.
#[derive(Debug, Clone)]
pub struct Actor {
    pub token_id: i32,
    pub name: String,
    /// Purges the caches of what each change touches, after it commits.
    pub purge: Option<crate::service::cache::Purger>,
}

impl Actor {
    /// Purges what the change of `kind` `subject_id` by `action` touched.
    async fn purge(&self, action: Action, kind: SubjectKind, subject_id: i32, others: &[i32]) {
        if let Some(purger) = &self.purge {
            purger
                .changed(&crate::service::cache::Tag::of_change(
                    action, kind, subject_id, others,
                ))
                .await;
        }
    }
}

/// A change to a nullable field: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    /// The field's new value, given its current one.
    pub fn apply<U>(self, current: Option<U>, into: impl FnOnce(T) -> U) -> Option<U> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(value) => Some(into(value)),
        }
    }

    /// Whether the change touches the field at all.
    pub fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }
}

/// What an editorial change did, as the audit trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreateFilm,
    UpdateFilm,
    DeleteFilm,
    SetFilmCredits,
    CreatePerson,
    UpdatePerson,
    DeletePerson,
    MergePeople,
    CreateReview,
    UpdateReview,
    DeleteReview,
    PublishReview,
    UnpublishReview,
    SetReviewComparisons,
    RestoreReviewRevision,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateFilm => "CREATE_FILM",
            Self::UpdateFilm => "UPDATE_FILM",
            Self::DeleteFilm => "DELETE_FILM",
            Self::SetFilmCredits => "SET_FILM_CREDITS",
            Self::CreatePerson => "CREATE_PERSON",
            Self::UpdatePerson => "UPDATE_PERSON",
            Self::DeletePerson => "DELETE_PERSON",
            Self::MergePeople => "MERGE_PEOPLE",
            Self::CreateReview => "CREATE_REVIEW",
            Self::UpdateReview => "UPDATE_REVIEW",
            Self::DeleteReview => "DELETE_REVIEW",
            Self::PublishReview => "PUBLISH_REVIEW",
            Self::UnpublishReview => "UNPUBLISH_REVIEW",
            Self::SetReviewComparisons => "SET_REVIEW_COMPARISONS",
            Self::RestoreReviewRevision => "RESTORE_REVIEW_REVISION",
        }
    }
}

/// Records one change in the audit trail, inside the change's transaction.
async fn record(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    kind: SubjectKind,
    subject_id: i32,
    fields: &[&str],
) -> Result<(), DbErr> {
    editorial_event::ActiveModel {
        token_id: Set(Some(actor.token_id)),
        actor_name: Set(actor.name.clone()),
        action: Set(action.as_str().to_owned()),
        subject_kind: Set(kind),
        subject_id: Set(subject_id),
        fields: Set(serde_json::to_string(fields).unwrap_or_else(|_| "[]".to_owned())),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A table whose rows carry a `version` that every save bumps.
pub(crate) trait Versioned: EntityTrait {
    /// What the object is called in errors, e.g. "Film".
    const WHAT: &'static str;
    /// Its kind, in aliases, the search index and the audit trail.
    const KIND: SubjectKind;
    fn id_column() -> Self::Column;
    fn slug_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    fn version(model: &Self::Model) -> i32;
}

macro_rules! versioned {
    ($module:ident, $what:literal, $kind:ident) => {
        impl Versioned for entity::$module::Entity {
            const WHAT: &'static str = $what;
            const KIND: SubjectKind = SubjectKind::$kind;
            fn id_column() -> Self::Column {
                entity::$module::Column::Id
            }
            fn slug_column() -> Self::Column {
                entity::$module::Column::Slug
            }
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
            fn updated_at_column() -> Self::Column {
                entity::$module::Column::UpdatedAt
            }
            fn version(model: &Self::Model) -> i32 {
                model.version
            }
        }
    };
}

versioned!(film, "Film", Film);
versioned!(person, "Person", Person);
versioned!(review, "Review", Review);

/// Claims the next version of row `id`, if it is still at `expected`
/// (any version when `None`): the first statement of every change, so a
/// concurrent save of the same row waits for it (PostgreSQL's row lock;
/// SQLite writes one at a time) and then finds the version moved.
/// Returns the row as it now stands, new version included;
/// `EDIT_CONFLICT` with the current version when someone saved first,
/// `NOT_FOUND` when there is no such row.
async fn claim_version<E: Versioned>(
    txn: &impl ConnectionTrait,
    id: i32,
    expected: Option<i32>,
) -> Result<E::Model, ApiError> {
    let mut update = E::update_many()
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .col_expr(E::updated_at_column(), Expr::value(now()))
        .filter(E::id_column().eq(id));
    if let Some(expected) = expected {
        update = update.filter(E::version_column().eq(expected));
    }
    let updated = update.exec(txn).await?.rows_affected;
    let current = E::find().filter(E::id_column().eq(id)).one(txn).await?;
    match (updated, current) {
        (1, Some(row)) => Ok(row),
        (_, None) => Err(ApiError::NotFound { what: E::WHAT }),
        (_, Some(row)) => Err(ApiError::EditConflict {
            current_version: E::version(&row),
        }),
    }
}

/// Whether `slug` is the slug of some object of `kind` other than `own_id`.
async fn slug_in_use(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    slug: &str,
    own_id: Option<i32>,
) -> Result<bool, DbErr> {
    let canonical = match kind {
        SubjectKind::Film => slug_owner::<entity::film::Entity>(txn, slug).await?,
        SubjectKind::Person => slug_owner::<entity::person::Entity>(txn, slug).await?,
        SubjectKind::Review => slug_owner::<entity::review::Entity>(txn, slug).await?,
    };
    Ok(canonical.is_some_and(|id| Some(id) != own_id))
}

/// The row of `E` whose slug is `slug`.
async fn slug_owner<E: Versioned>(
    txn: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<i32>, DbErr> {
    first_id::<E>(txn, E::slug_column().eq(slug), E::id_column()).await
}

async fn first_id<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
    id: E::Column,
) -> Result<Option<i32>, DbErr> {
    E::find()
        .select_only()
        .column(id)
        .filter(condition)
        .into_tuple()
        .one(txn)
        .await
}

/// The object an old slug of `kind` now names, if any.
pub async fn alias_target(
    db: &impl ConnectionTrait,
    kind: SubjectKind,
    slug: &str,
) -> Result<Option<i32>, DbErr> {
    first_id::<slug_alias::Entity>(
        db,
        Expr::col(slug_alias::Column::Kind)
            .eq(kind)
            .and(Expr::col(slug_alias::Column::Slug).eq(slug)),
        slug_alias::Column::TargetId,
    )
    .await
}

/// Claims the slug for an object of `kind` (`own_id` when it exists
/// already): `wanted` if given and free (`SLUG_TAKEN` if another object has
/// it; an old alias of another object gives way, the slug being canonical
/// now), else one made from `source` and made unique with the lowest free
/// suffix (`her-2`), steering clear of aliases too so an old link never
/// changes what it opens.
async fn claim_slug(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    wanted: Option<&Slug>,
    source: &str,
    own_id: Option<i32>,
) -> Result<String, ApiError> {
    let slug = choose_slug(txn, kind, wanted, source, own_id).await?;
    take_slug(txn, kind, &slug).await?;
    Ok(slug)
}

/// Moves object `id` of `kind` from slug `old` to `wanted`, keeping `old`
/// as an alias; returns the new slug.
async fn rename_slug(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    id: i32,
    old: &str,
    wanted: &Slug,
) -> Result<String, ApiError> {
    let slug = claim_slug(txn, kind, Some(wanted), "", Some(id)).await?;
    keep_alias(txn, kind, old, id).await?;
    Ok(slug)
}

async fn choose_slug(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    wanted: Option<&Slug>,
    source: &str,
    own_id: Option<i32>,
) -> Result<String, ApiError> {
    if let Some(slug) = wanted {
        if slug_in_use(txn, kind, slug.as_str(), own_id).await? {
            return Err(ApiError::SlugTaken {
                slug: slug.as_str().to_owned(),
            });
        }
        return Ok(slug.as_str().to_owned());
    }
    let base = Slug::from_title(source).into_inner();
    let taken = slugs_like(txn, kind, &base, own_id).await?;
    let free = (1..)
        .map(|n| suffixed(&base, n))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base);
    Ok(free)
}

/// `base` with the suffix `-n` (none for 1), cut to fit a slug's length.
fn suffixed(base: &str, n: u32) -> String {
    if n == 1 {
        return base.to_owned();
    }
    let suffix = format!("-{n}");
    let keep = crate::domain::slug::MAX_BYTES - suffix.len();
    let stem = base.get(..keep.min(base.len())).unwrap_or(base);
    format!("{}{suffix}", stem.trim_end_matches('-'))
}

/// Slugs of `kind` (canonical ones of other objects, and every alias not
/// of `own_id`) that are `base` or start with `base-`. Slugs hold only
/// `[a-z0-9-]`, so `base` has nothing that `LIKE` would read as a wildcard.
async fn slugs_like(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    base: &str,
    own_id: Option<i32>,
) -> Result<std::collections::HashSet<String>, DbErr> {
    let pattern = format!("{base}-%");
    let own = own_id.unwrap_or(0);
    macro_rules! canonical {
        ($module:ident) => {{
            use entity::$module::{Column, Entity};
            Entity::find()
                .select_only()
                .column(Column::Slug)
                .filter(
                    Column::Slug
                        .eq(base)
                        .or(Column::Slug.like(pattern.as_str())),
                )
                .filter(Column::Id.ne(own))
                .into_tuple::<String>()
                .all(txn)
                .await?
        }};
    }
    let mut taken: std::collections::HashSet<String> = match kind {
        SubjectKind::Film => canonical!(film),
        SubjectKind::Person => canonical!(person),
        SubjectKind::Review => canonical!(review),
    }
    .into_iter()
    .collect();
    let aliases: Vec<String> = slug_alias::Entity::find()
        .select_only()
        .column(slug_alias::Column::Slug)
        .filter(slug_alias::Column::Kind.eq(kind))
        .filter(
            slug_alias::Column::Slug
                .eq(base)
                .or(slug_alias::Column::Slug.like(pattern.as_str())),
        )
        .filter(slug_alias::Column::TargetId.ne(own))
        .into_tuple()
        .all(txn)
        .await?;
    taken.extend(aliases);
    Ok(taken)
}

/// Points `slug` at object `id` of `kind` for good: an alias of another
/// object with that slug is dropped (the slug is canonical now).
async fn take_slug(txn: &impl ConnectionTrait, kind: SubjectKind, slug: &str) -> Result<(), DbErr> {
    slug_alias::Entity::delete_many()
        .filter(slug_alias::Column::Kind.eq(kind))
        .filter(slug_alias::Column::Slug.eq(slug))
        .exec(txn)
        .await?;
    Ok(())
}

/// Keeps `old` as an alias of object `id` of `kind`, after a rename or a
/// merge.
async fn keep_alias(
    txn: &impl ConnectionTrait,
    kind: SubjectKind,
    old: &str,
    id: i32,
) -> Result<(), DbErr> {
    take_slug(txn, kind, old).await?;
    slug_alias::ActiveModel {
        kind: Set(kind),
        slug: Set(old.to_owned()),
        target_id: Set(id),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The end of every delete: the row of `E` goes with its old slugs and its
/// place in the search index; the change is recorded, committed and
/// purged.
async fn delete_row<E: Versioned>(
    txn: crate::service::WriteTxn,
    actor: &Actor,
    action: Action,
    id: i32,
) -> Result<(), ApiError> {
    drop_aliases(&*txn, E::KIND, id).await?;
    E::delete_many()
        .filter(E::id_column().eq(id))
        .exec(&*txn)
        .await?;
    crate::service::search::unindex(&*txn, E::KIND, id).await?;
    commit(txn, actor, action, E::KIND, id, &[]).await
}

/// Drops every alias of object `id` of `kind` (it is being deleted).
async fn drop_aliases(txn: &impl ConnectionTrait, kind: SubjectKind, id: i32) -> Result<(), DbErr> {
    slug_alias::Entity::delete_many()
        .filter(slug_alias::Column::Kind.eq(kind))
        .filter(slug_alias::Column::TargetId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records the change in the audit trail, commits it, and purges the
/// caches of what it touched.
async fn commit(
    txn: crate::service::WriteTxn,
    actor: &Actor,
    action: Action,
    kind: SubjectKind,
    subject_id: i32,
    fields: &[&str],
) -> Result<(), ApiError> {
    record(&*txn, actor, action, kind, subject_id, fields).await?;
    txn.commit().await?;
    actor.purge(action, kind, subject_id, &[]).await;
    Ok(())
}

/// Writes the fields set on `row` (made from `current`, whose version
/// `claim_version` already moved), or keeps `current` when none changed.
async fn save_changes<A>(
    txn: &impl ConnectionTrait,
    current: <A::Entity as EntityTrait>::Model,
    row: A,
    changed: bool,
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    if changed {
        row.update(txn).await
    } else {
        Ok(current)
    }
}

/// `STILL_REFERENCED` (this `what` is pointed at `by` others) when
/// `referrers` finds any row.
async fn refuse_if_referenced<E>(
    txn: &impl ConnectionTrait,
    referrers: sea_orm::Select<E>,
    what: &'static str,
    by: &'static str,
) -> Result<(), ApiError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    if referrers.count(txn).await? > 0 {
        return Err(ApiError::StillReferenced { what, by });
    }
    Ok(())
}

/// Refuses input with every collected field error, or passes.
fn refuse_if_any(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The audit trail, newest first: at most `limit` changes before the one
/// numbered `before`, optionally only those about one object.
pub async fn audit_trail(
    db: &impl ConnectionTrait,
    subject: Option<(SubjectKind, i32)>,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<editorial_event::Model>, DbErr> {
    use sea_orm::QueryOrder;
    let mut select = editorial_event::Entity::find();
    if let Some((kind, id)) = subject {
        select = select
            .filter(editorial_event::Column::SubjectKind.eq(kind))
            .filter(editorial_event::Column::SubjectId.eq(id));
    }
    if let Some(before) = before {
        select = select.filter(editorial_event::Column::Id.lt(before));
    }
    select
        .order_by_desc(editorial_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
