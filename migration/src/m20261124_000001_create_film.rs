use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Film::Table)
                    .if_not_exists()
                    .col(pk_auto(Film::Id))
                    .col(string_len_uniq(Film::Slug, 120))
                    .col(string_len(Film::Title, 300))
                    .col(string_len(Film::TitleNormalized, 300))
                    .col(integer_null(Film::ReleaseYear))
                    .col(text_null(Film::Synopsis))
                    .col(string_len_null(Film::PosterUrl, 500))
                    .col(string_len_null(Film::PosterAlt, 300))
                    .col(timestamp_with_time_zone(Film::CreatedAt))
                    .col(timestamp_with_time_zone(Film::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Film lists sort by folded title; lookups by title use it too.
        manager
            .create_index(
                Index::create()
                    .name("idx_film_title_normalized")
                    .table(Film::Table)
                    .col(Film::TitleNormalized)
                    .col(Film::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Film::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Film {
    Table,
    Id,
    Slug,
    Title,
    TitleNormalized,
    ReleaseYear,
    Synopsis,
    PosterUrl,
    PosterAlt,
    CreatedAt,
    UpdatedAt,
}
