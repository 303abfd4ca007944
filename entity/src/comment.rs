//! A reader's comment on a review, or a reply to another comment.

use sea_orm::entity::prelude::*;

use crate::enums::CommentStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub review_id: i32,
    /// The comment this one replies to.
    pub parent_id: Option<i32>,
    pub author_name: String,
    /// Private: never published. Absent only on imported comments whose
    /// address was not kept.
    pub author_email: Option<String>,
    pub author_url: Option<String>,
    /// Plain text with line breaks.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub status: CommentStatus,
    /// The client's retry key for `addComment`, unique when present.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request's canonical input, to tell a retry from a reuse
    /// of its idempotency key.
    pub request_hash: Option<String>,
    /// Salted SHA-256 of the client's address, for flood control.
    pub client_ip_hash: Option<String>,
    pub user_agent: Option<String>,
    /// SHA-256 of the secret token that lets the author read, edit and
    /// delete the comment; the token itself is never stored.
    pub owner_token_hash: Option<String>,
    /// 0 for a comment on the review, parent's depth + 1 for a reply.
    pub depth: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::review::Entity",
        from = "Column::ReviewId",
        to = "super::review::Column::Id",
        on_delete = "Cascade"
    )]
    Review,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Cascade"
    )]
    Parent,
}

impl Related<super::review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
