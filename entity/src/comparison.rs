//! A comparison that a review (or a reader's comment) draws to another film,
//! optionally through one person's performance in it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comparison")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The review that draws the comparison (exactly one of review/comment).
    pub review_id: Option<i32>,
    /// The comment that draws the comparison (exactly one of review/comment).
    pub comment_id: Option<i32>,
    /// The film compared to.
    pub film_id: i32,
    /// The person whose performance in that film is the point, if any.
    pub person_id: Option<i32>,
    /// Why the comparison is drawn.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Whether the source recommends the compared film.
    pub recommended: bool,
    /// Order within its source, from 0.
    pub position: i32,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::comment::Entity",
        from = "Column::CommentId",
        to = "super::comment::Column::Id",
        on_delete = "Cascade"
    )]
    Comment,
    #[sea_orm(
        belongs_to = "super::film::Entity",
        from = "Column::FilmId",
        to = "super::film::Column::Id",
        on_delete = "Restrict"
    )]
    Film,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    Person,
}

impl Related<super::review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl Related<super::comment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Comment.def()
    }
}

impl Related<super::film::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Film.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
