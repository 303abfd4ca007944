//! A person who works on films: a director, a writer, an actor.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// `name` folded for lookups that ignore case and accents.
    pub name_normalized: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every editorial save; an update naming an older one is an
    /// edit conflict.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::credit::Entity")]
    Credit,
}

impl Related<super::credit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
