//! The query cost budget of each client, shared by every replica: how many
//! points it has spent, as of when. Replicas count in memory and add their
//! spending here in batches, so a read never waits on this table.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CostBudget::Table)
                    .if_not_exists()
                    .col(string_len(CostBudget::Key, 200).primary_key())
                    // Points spent, as of `updated_ms`; it drains at the
                    // restore rate, so the level now is computed on read.
                    .col(double(CostBudget::Spent))
                    // Milliseconds since the Unix epoch: plain integers keep
                    // the arithmetic the same on SQLite and PostgreSQL.
                    .col(big_integer(CostBudget::UpdatedMs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CostBudget::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum CostBudget {
    Table,
    Key,
    Spent,
    UpdatedMs,
}
