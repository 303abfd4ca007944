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
                    .table(Review::Table)
                    .if_not_exists()
                    .col(pk_auto(Review::Id))
                    .col(string_len_uniq(Review::Slug, 120))
                    .col(integer(Review::FilmId))
                    .col(string_len(Review::Headline, 300))
                    .col(string_len_null(Review::Byline, 300))
                    .col(text(Review::BodyMarkdown))
                    .col(text(Review::Excerpt))
                    .col(text_null(Review::Verdict))
                    .col(string_len_null(Review::PosterUrl, 500))
                    .col(string_len_null(Review::PosterAlt, 300))
                    .col(string_len(Review::Status, 16))
                    .col(timestamp_with_time_zone_null(Review::PublishedAt))
                    .col(timestamp_with_time_zone(Review::CreatedAt))
                    .col(timestamp_with_time_zone(Review::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_film")
                            .from(Review::Table, Review::FilmId)
                            .to(Film::Table, Film::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Reviews of a film (and of the films a person is credited on).
        manager
            .create_index(
                Index::create()
                    .name("idx_review_film")
                    .table(Review::Table)
                    .col(Review::FilmId)
                    .col(Review::Status)
                    .col(Review::PublishedAt)
                    .to_owned(),
            )
            .await?;
        // The default listing: published reviews, newest first, keyset paged.
        manager
            .create_index(
                Index::create()
                    .name("idx_review_status_published_at")
                    .table(Review::Table)
                    .col(Review::Status)
                    .col(Review::PublishedAt)
                    .col(Review::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Review::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Review {
    Table,
    Id,
    Slug,
    FilmId,
    Headline,
    Byline,
    BodyMarkdown,
    Excerpt,
    Verdict,
    PosterUrl,
    PosterAlt,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}
