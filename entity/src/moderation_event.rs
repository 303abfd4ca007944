//! One moderation action, for the audit trail: who changed a comment's
//! status, when, from what and to what.

use sea_orm::entity::prelude::*;

use crate::enums::CommentStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub comment_id: i32,
    /// The token used; null once that token is deleted.
    pub token_id: Option<i32>,
    /// The token's name at the time, kept even if the token goes.
    pub actor_name: String,
    pub from_status: CommentStatus,
    pub to_status: CommentStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
