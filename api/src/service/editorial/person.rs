//! People: create, update, delete, and merge two records of one person.

use entity::enums::SubjectKind;
use entity::{comparison, credit, person, slug_alias};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{
    Action, Actor, claim_slug, claim_version, commit, delete_row, keep_alias, record,
    refuse_if_referenced, rename_slug, save_changes,
};
use crate::domain::Slug;
use crate::domain::editorial::Line;
use crate::domain::text::normalize_name;
use crate::error::ApiError;
use crate::service::search::{self, Document};
use crate::service::{begin_write, now};

/// A new person.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: Line,
    /// Made from the name when absent.
    pub slug: Option<Slug>,
}

/// Changes to a person; what is absent stays.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub name: Option<Line>,
    pub slug: Option<Slug>,
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewPerson,
) -> Result<person::Model, ApiError> {
    let txn = begin_write(db).await?;
    let slug = claim_slug(
        &*txn,
        SubjectKind::Person,
        new.slug.as_ref(),
        new.name.as_str(),
        None,
    )
    .await?;
    let at = now();
    let row = person::ActiveModel {
        slug: Set(slug),
        name_normalized: Set(normalize_name(new.name.as_str())),
        name: Set(new.name.into_inner()),
        created_at: Set(at),
        updated_at: Set(at),
        version: Set(1),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    search::index(&*txn, &Document::person(&row)).await?;
    commit(
        txn,
        actor,
        Action::CreatePerson,
        SubjectKind::Person,
        row.id,
        &[],
    )
    .await?;
    Ok(row)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: PersonChanges,
) -> Result<person::Model, ApiError> {
    let txn = begin_write(db).await?;
    let current = claim_version::<person::Entity>(&*txn, id, Some(expected_version)).await?;
    let mut fields = Vec::new();
    let mut row: person::ActiveModel = current.clone().into();
    if let Some(name) = changes.name
        && name.as_str() != current.name
    {
        row.name_normalized = Set(normalize_name(name.as_str()));
        row.name = Set(name.into_inner());
        fields.push("name");
    }
    if let Some(slug) = changes.slug
        && slug.as_str() != current.slug
    {
        row.slug = Set(rename_slug(&*txn, SubjectKind::Person, id, &current.slug, &slug).await?);
        fields.push("slug");
    }
    let saved = save_changes(&*txn, current, row, !fields.is_empty()).await?;
    search::index(&*txn, &Document::person(&saved)).await?;
    commit(
        txn,
        actor,
        Action::UpdatePerson,
        SubjectKind::Person,
        id,
        &fields,
    )
    .await?;
    Ok(saved)
}

/// Deletes a person with no credits and no comparisons
/// (`STILL_REFERENCED` otherwise), with their old slugs.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> Result<(), ApiError> {
    let txn = begin_write(db).await?;
    claim_version::<person::Entity>(&*txn, id, Some(expected_version)).await?;
    refuse_if_referenced(
        &*txn,
        credit::Entity::find().filter(credit::Column::PersonId.eq(id)),
        "person",
        "credits",
    )
    .await?;
    refuse_if_referenced(
        &*txn,
        comparison::Entity::find().filter(comparison::Column::PersonId.eq(id)),
        "person",
        "comparisons",
    )
    .await?;
    delete_row::<person::Entity>(txn, actor, Action::DeletePerson, id).await
}

/// Merges `duplicate` into `survivor`: the duplicate's credits and
/// comparisons move to the survivor (a credit the survivor already holds,
/// same film and role, is kept once: the survivor's), its slug and old
/// slugs become the survivor's aliases, and the duplicate is deleted.
/// Both versions are checked. Returns the survivor.
pub async fn merge(
    db: &DatabaseConnection,
    actor: &Actor,
    survivor: (i32, i32),
    duplicate: (i32, i32),
) -> Result<person::Model, ApiError> {
    let ((survivor_id, survivor_version), (duplicate_id, duplicate_version)) =
        (survivor, duplicate);
    if survivor_id == duplicate_id {
        return Err(ApiError::InvalidArgument {
            argument: "duplicateId",
            message: "A person cannot be merged into themselves.".to_owned(),
        });
    }
    let txn = begin_write(db).await?;
    let survivor =
        claim_version::<person::Entity>(&*txn, survivor_id, Some(survivor_version)).await?;
    let gone =
        claim_version::<person::Entity>(&*txn, duplicate_id, Some(duplicate_version)).await?;

    // Credits the survivor already has (same film and role) stay theirs;
    // the duplicate's copies go, in one statement. The rest move over.
    let kept = Alias::new("kept");
    let survivor_has = Query::select()
        .expr(Expr::val(1))
        .from_as(credit::Entity, kept.clone())
        .and_where(Expr::col((kept.clone(), credit::Column::PersonId)).eq(survivor_id))
        .and_where(
            Expr::col((kept.clone(), credit::Column::FilmId))
                .equals((credit::Entity, credit::Column::FilmId)),
        )
        .and_where(
            Expr::col((kept, credit::Column::Role)).equals((credit::Entity, credit::Column::Role)),
        )
        .to_owned();
    credit::Entity::delete_many()
        .filter(credit::Column::PersonId.eq(duplicate_id))
        .filter(Expr::exists(survivor_has))
        .exec(&*txn)
        .await?;
    credit::Entity::update_many()
        .col_expr(credit::Column::PersonId, Expr::value(survivor_id))
        .col_expr(credit::Column::UpdatedAt, Expr::value(now()))
        .filter(credit::Column::PersonId.eq(duplicate_id))
        .exec(&*txn)
        .await?;
    comparison::Entity::update_many()
        .col_expr(comparison::Column::PersonId, Expr::value(survivor_id))
        .filter(comparison::Column::PersonId.eq(duplicate_id))
        .exec(&*txn)
        .await?;
    slug_alias::Entity::update_many()
        .col_expr(slug_alias::Column::TargetId, Expr::value(survivor_id))
        .filter(slug_alias::Column::Kind.eq(SubjectKind::Person))
        .filter(slug_alias::Column::TargetId.eq(duplicate_id))
        .exec(&*txn)
        .await?;
    person::Entity::delete_by_id(duplicate_id)
        .exec(&*txn)
        .await?;
    search::unindex(&*txn, SubjectKind::Person, duplicate_id).await?;
    keep_alias(&*txn, SubjectKind::Person, &gone.slug, survivor_id).await?;
    record(
        &*txn,
        actor,
        Action::MergePeople,
        SubjectKind::Person,
        survivor_id,
        &["credits", "comparisons", "aliases"],
    )
    .await?;
    record(
        &*txn,
        actor,
        Action::DeletePerson,
        SubjectKind::Person,
        duplicate_id,
        &[],
    )
    .await?;
    txn.commit().await?;
    actor
        .purge(
            Action::MergePeople,
            SubjectKind::Person,
            survivor_id,
            &[duplicate_id],
        )
        .await;
    Ok(survivor)
}
