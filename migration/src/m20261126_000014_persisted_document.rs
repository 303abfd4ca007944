//! Persisted documents: GraphQL documents known by an id, so a client sends
//! the id instead of the text. Automatic persisted queries (APQ) register
//! themselves here on a miss; trusted documents are registered ahead of
//! time by `marquee documents add`. The table is shared, so every replica
//! knows every document.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersistedDocument::Table)
                    .if_not_exists()
                    // The SHA-256 of the text in lowercase hex for APQ and
                    // `.graphql` files; a manifest's own id otherwise.
                    .col(string_len(PersistedDocument::Id, 128).primary_key())
                    .col(text(PersistedDocument::Body))
                    // Registered ahead of time (`marquee documents add`):
                    // runs in trusted-documents mode.
                    .col(boolean(PersistedDocument::Trusted))
                    // The operation name a manifest gave, for `documents list`.
                    .col(string_len_null(PersistedDocument::Name, 200))
                    .col(timestamp_with_time_zone(PersistedDocument::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersistedDocument::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum PersistedDocument {
    Table,
    Id,
    Body,
    Trusted,
    Name,
    CreatedAt,
}
