//! A review of a film.

use sea_orm::entity::prelude::*;

use crate::enums::ReviewStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub film_id: i32,
    pub headline: String,
    pub byline: Option<String>,
    /// The body in Markdown; paragraphs are separated by blank lines.
    #[sea_orm(column_type = "Text")]
    pub body_markdown: String,
    #[sea_orm(column_type = "Text")]
    pub excerpt: String,
    /// The bottom line: who the film is for.
    #[sea_orm(column_type = "Text", nullable)]
    pub verdict: Option<String>,
    pub poster_url: Option<String>,
    pub poster_alt: Option<String>,
    pub status: ReviewStatus,
    pub published_at: Option<DateTimeUtc>,
    /// Whether readers may comment (comments may also close by age).
    pub comments_open: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every editorial save; an update naming an older one is an
    /// edit conflict.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::film::Entity",
        from = "Column::FilmId",
        to = "super::film::Column::Id",
        on_delete = "Restrict"
    )]
    Film,
    #[sea_orm(has_many = "super::comment::Entity")]
    Comment,
    #[sea_orm(has_many = "super::comparison::Entity")]
    Comparison,
}

impl Related<super::film::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Film.def()
    }
}

impl Related<super::comment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Comment.def()
    }
}

impl Related<super::comparison::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Comparison.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
