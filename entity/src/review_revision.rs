//! One saved version of a review's text: what it said, who saved it, when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub review_id: i32,
    /// The review's `version` this text was saved as.
    pub version: i32,
    pub headline: String,
    #[sea_orm(column_type = "Text")]
    pub body_markdown: String,
    #[sea_orm(column_type = "Text")]
    pub excerpt: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub verdict: Option<String>,
    /// The token that saved it; null for imports and once the token is gone.
    pub token_id: Option<i32>,
    /// Who saved it, kept even if the token goes.
    pub actor_name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
