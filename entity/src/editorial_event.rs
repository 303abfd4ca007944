//! One editorial change, for the audit trail: who, what, when, and which
//! fields changed.

use sea_orm::entity::prelude::*;

use crate::enums::SubjectKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editorial_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The token used; null once that token is deleted.
    pub token_id: Option<i32>,
    /// The token's name at the time, kept even if the token goes.
    pub actor_name: String,
    /// What was done, e.g. `UPDATE_REVIEW`.
    pub action: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i32,
    /// The names of the fields changed, as a JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
