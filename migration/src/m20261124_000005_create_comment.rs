use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000004_create_review::Review;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Comment::Table)
                    .if_not_exists()
                    .col(pk_auto(Comment::Id))
                    .col(integer(Comment::ReviewId))
                    .col(integer_null(Comment::ParentId))
                    // Byte limits are WordPress's: 245, 100, 200 and 65,525.
                    .col(string_len(Comment::AuthorName, 245))
                    .col(string_len_null(Comment::AuthorEmail, 100))
                    .col(string_len_null(Comment::AuthorUrl, 200))
                    .col(text(Comment::Body))
                    .col(string_len(Comment::Status, 16))
                    .col(string_len_null(Comment::IdempotencyKey, 255))
                    .col(string_len_null(Comment::RequestHash, 64))
                    .col(string_len_null(Comment::ClientIpHash, 64))
                    .col(string_len_null(Comment::UserAgent, 255))
                    .col(timestamp_with_time_zone(Comment::CreatedAt))
                    .col(timestamp_with_time_zone(Comment::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_review")
                            .from(Comment::Table, Comment::ReviewId)
                            .to(Review::Table, Review::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_parent")
                            .from(Comment::Table, Comment::ParentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A review's approved comments, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_review_status_created")
                    .table(Comment::Table)
                    .col(Comment::ReviewId)
                    .col(Comment::Status)
                    .col(Comment::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Replies to a comment.
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_parent")
                    .table(Comment::Table)
                    .col(Comment::ParentId)
                    .to_owned(),
            )
            .await?;
        // "Has this email an approved comment?" (the approval policy).
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_email_status")
                    .table(Comment::Table)
                    .col(Comment::AuthorEmail)
                    .col(Comment::Status)
                    .to_owned(),
            )
            .await?;
        // A retried addComment finds its first attempt by key.
        manager
            .create_index(
                Index::create()
                    .name("uq_comment_idempotency_key")
                    .table(Comment::Table)
                    .col(Comment::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Comment::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Comment {
    Table,
    Id,
    ReviewId,
    ParentId,
    AuthorName,
    AuthorEmail,
    AuthorUrl,
    Body,
    Status,
    IdempotencyKey,
    RequestHash,
    ClientIpHash,
    UserAgent,
    CreatedAt,
    UpdatedAt,
}
