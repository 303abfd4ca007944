use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .if_not_exists()
                    .col(pk_auto(Person::Id))
                    .col(string_len_uniq(Person::Slug, 120))
                    .col(string_len(Person::Name, 300))
                    .col(string_len(Person::NameNormalized, 300))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Name lookups ("scarlett johansson") and people lists sorted by name.
        manager
            .create_index(
                Index::create()
                    .name("idx_person_name_normalized")
                    .table(Person::Table)
                    .col(Person::NameNormalized)
                    .col(Person::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Person::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Person {
    Table,
    Id,
    Slug,
    Name,
    NameNormalized,
    CreatedAt,
    UpdatedAt,
}
