//! A film.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "film")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    /// `title` folded for sorting and lookups that ignore case and accents.
    pub title_normalized: String,
    pub release_year: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub synopsis: Option<String>,
    pub poster_url: Option<String>,
    pub poster_alt: Option<String>,
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
    #[sea_orm(has_many = "super::review::Entity")]
    Review,
    #[sea_orm(has_many = "super::film_location::Entity")]
    FilmLocation,
}

impl Related<super::credit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credit.def()
    }
}

impl Related<super::review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl Related<super::film_location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FilmLocation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
