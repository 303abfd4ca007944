use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_film::Film;
use crate::m20261124_000002_create_person::Person;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Credit::Table)
                    .if_not_exists()
                    .col(pk_auto(Credit::Id))
                    .col(integer(Credit::FilmId))
                    .col(integer(Credit::PersonId))
                    .col(string_len(Credit::Role, 24))
                    .col(string_len_null(Credit::Job, 120))
                    .col(string_len_null(Credit::Character, 300))
                    .col(string_len_null(Credit::CharacterNote, 500))
                    .col(boolean(Credit::Voice).default(false))
                    .col(integer(Credit::BillingOrder).default(0))
                    .col(timestamp_with_time_zone(Credit::CreatedAt))
                    .col(timestamp_with_time_zone(Credit::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_credit_film")
                            .from(Credit::Table, Credit::FilmId)
                            .to(Film::Table, Film::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_credit_person")
                            .from(Credit::Table, Credit::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One credit per person, film and role: the import's natural key.
        manager
            .create_index(
                Index::create()
                    .name("uq_credit_film_person_role")
                    .table(Credit::Table)
                    .col(Credit::FilmId)
                    .col(Credit::PersonId)
                    .col(Credit::Role)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The hot path: "films directed by X", "films starring Y".
        manager
            .create_index(
                Index::create()
                    .name("idx_credit_person_role")
                    .table(Credit::Table)
                    .col(Credit::PersonId)
                    .col(Credit::Role)
                    .col(Credit::FilmId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Credit::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Credit {
    Table,
    Id,
    FilmId,
    PersonId,
    Role,
    Job,
    Character,
    CharacterNote,
    Voice,
    BillingOrder,
    CreatedAt,
    UpdatedAt,
}
