//! A person's credit on a film: directing, writing, acting (with the
//! character played) or other crew work.

use sea_orm::entity::prelude::*;

use crate::enums::CreditRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub film_id: i32,
    pub person_id: i32,
    pub role: CreditRole,
    /// For crew credits outside the named roles, the job's title.
    pub job: Option<String>,
    /// For acting credits, the character played.
    pub character: Option<String>,
    /// Who the character is, e.g. "Theodore's ex-wife".
    pub character_note: Option<String>,
    /// For acting credits, whether the role is voice only.
    pub voice: bool,
    /// Billing order within the film and role, from 0.
    pub billing_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::film::Entity",
        from = "Column::FilmId",
        to = "super::film::Column::Id",
        on_delete = "Cascade"
    )]
    Film,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
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
