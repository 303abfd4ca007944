//! A GraphQL document known by an id: registered by a client through
//! automatic persisted queries, or ahead of time as a trusted document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_document")]
pub struct Model {
    /// The SHA-256 of `body` in lowercase hex, or a manifest's own id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The document's text.
    pub body: String,
    /// Registered ahead of time; the only documents trusted-documents mode runs.
    pub trusted: bool,
    /// The operation's name, when a manifest gave one.
    pub name: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
