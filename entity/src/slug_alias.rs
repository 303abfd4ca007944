//! A slug an object used to have. Lookups by slug fall back to these, so
//! old links keep working after a rename or a merge.

use sea_orm::entity::prelude::*;

use crate::enums::SubjectKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slug_alias")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: SubjectKind,
    /// The old slug; unique within its kind.
    pub slug: String,
    /// The film, person or review it now names.
    pub target_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
