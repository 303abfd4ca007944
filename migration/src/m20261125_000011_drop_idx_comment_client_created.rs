//! `idx_comment_client_created` was made for duplicate detection and flood
//! control by client, but neither reads comments by client: duplicates are
//! found by review and author, and floods are counted in `throttle`. An
//! index no query uses only slows every comment insert, so it goes.

use sea_orm_migration::prelude::*;

use crate::m20261124_000005_create_comment::Comment;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_comment_client_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Comment::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Comment::Table)
                    .col(Comment::ClientIpHash)
                    .col(Comment::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}
