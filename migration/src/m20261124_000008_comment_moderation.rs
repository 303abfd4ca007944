//! What comment moderation needs: closing comments per review, the owner's
//! token, thread depth, and the shared throttle that flood control and rate
//! limits count in (shared through the database, so it holds across
//! replicas).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000004_create_review::Review;
use crate::m20261124_000005_create_comment::Comment;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Review::Table)
                    .add_column(boolean(ReviewMod::CommentsOpen).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comment::Table)
                    .add_column(string_len_null(CommentMod::OwnerTokenHash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comment::Table)
                    .add_column(integer(CommentMod::Depth).default(0))
                    .to_owned(),
            )
            .await?;
        // Duplicate detection and flood control look comments up by client.
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_client_created")
                    .table(Comment::Table)
                    .col(Comment::ClientIpHash)
                    .col(Comment::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Throttle::Table)
                    .if_not_exists()
                    .col(string_len(Throttle::Key, 200).primary_key())
                    .col(timestamp_with_time_zone(Throttle::WindowStart))
                    .col(integer(Throttle::Hits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Throttle::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_comment_client_created")
                    .table(Comment::Table)
                    .to_owned(),
            )
            .await?;
        for col in [CommentMod::Depth, CommentMod::OwnerTokenHash] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comment::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Review::Table)
                    .drop_column(ReviewMod::CommentsOpen)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ReviewMod {
    CommentsOpen,
}

#[derive(DeriveIden)]
enum CommentMod {
    OwnerTokenHash,
    Depth,
}

#[derive(DeriveIden)]
pub enum Throttle {
    Table,
    Key,
    WindowStart,
    Hits,
}
