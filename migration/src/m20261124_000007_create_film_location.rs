use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_film::Film;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FilmLocation::Table)
                    .if_not_exists()
                    .col(pk_auto(FilmLocation::Id))
                    .col(integer(FilmLocation::FilmId))
                    .col(string_len(FilmLocation::Place, 200))
                    .col(string_len_null(FilmLocation::Area, 200))
                    .col(string_len_null(FilmLocation::StandsInFor, 300))
                    .col(integer(FilmLocation::Position).default(0))
                    .col(timestamp_with_time_zone(FilmLocation::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_film_location_film")
                            .from(FilmLocation::Table, FilmLocation::FilmId)
                            .to(Film::Table, Film::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_film_location_film")
                    .table(FilmLocation::Table)
                    .col(FilmLocation::FilmId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FilmLocation::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum FilmLocation {
    Table,
    Id,
    FilmId,
    Place,
    Area,
    StandsInFor,
    Position,
    CreatedAt,
}
