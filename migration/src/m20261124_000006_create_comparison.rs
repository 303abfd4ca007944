use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_film::Film;
use crate::m20261124_000002_create_person::Person;
use crate::m20261124_000004_create_review::Review;
use crate::m20261124_000005_create_comment::Comment;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Comparison::Table)
                    .if_not_exists()
                    .col(pk_auto(Comparison::Id))
                    .col(integer_null(Comparison::ReviewId))
                    .col(integer_null(Comparison::CommentId))
                    .col(integer(Comparison::FilmId))
                    .col(integer_null(Comparison::PersonId))
                    .col(text(Comparison::Note))
                    .col(boolean(Comparison::Recommended).default(false))
                    .col(integer(Comparison::Position).default(0))
                    .col(timestamp_with_time_zone(Comparison::CreatedAt))
                    // A comparison has exactly one source: a review or a comment.
                    .check(
                        Expr::col(Comparison::ReviewId)
                            .is_not_null()
                            .and(Expr::col(Comparison::CommentId).is_null())
                            .or(Expr::col(Comparison::ReviewId)
                                .is_null()
                                .and(Expr::col(Comparison::CommentId).is_not_null())),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comparison_review")
                            .from(Comparison::Table, Comparison::ReviewId)
                            .to(Review::Table, Review::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comparison_comment")
                            .from(Comparison::Table, Comparison::CommentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comparison_film")
                            .from(Comparison::Table, Comparison::FilmId)
                            .to(Film::Table, Film::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comparison_person")
                            .from(Comparison::Table, Comparison::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_comparison_review", Comparison::ReviewId),
            ("idx_comparison_comment", Comparison::CommentId),
            // "Reviews that compare to this film".
            ("idx_comparison_film", Comparison::FilmId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Comparison::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Comparison::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Comparison {
    Table,
    Id,
    ReviewId,
    CommentId,
    FilmId,
    PersonId,
    Note,
    Recommended,
    Position,
    CreatedAt,
}
