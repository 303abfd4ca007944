//! Staff API tokens (stored hashed, with a role) and the audit trail of
//! moderation.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000005_create_comment::Comment;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiToken::Id))
                    .col(string_len(ApiToken::Name, 200))
                    .col(string_len(ApiToken::Role, 16))
                    .col(string_len_uniq(ApiToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ModerationEvent::Table)
                    .if_not_exists()
                    .col(pk_auto(ModerationEvent::Id))
                    .col(integer(ModerationEvent::CommentId))
                    .col(integer_null(ModerationEvent::TokenId))
                    .col(string_len(ModerationEvent::ActorName, 200))
                    .col(string_len(ModerationEvent::FromStatus, 16))
                    .col(string_len(ModerationEvent::ToStatus, 16))
                    .col(timestamp_with_time_zone(ModerationEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_moderation_event_comment")
                            .from(ModerationEvent::Table, ModerationEvent::CommentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_moderation_event_token")
                            .from(ModerationEvent::Table, ModerationEvent::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_moderation_event_comment")
                    .table(ModerationEvent::Table)
                    .col(ModerationEvent::CommentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ModerationEvent::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiToken::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ApiToken {
    Table,
    Id,
    Name,
    Role,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
pub enum ModerationEvent {
    Table,
    Id,
    CommentId,
    TokenId,
    ActorName,
    FromStatus,
    ToStatus,
    CreatedAt,
}
