//! The newsroom: a `version` on every editable object (for edit conflicts),
//! old slugs kept as aliases, each saved version of a review, and the audit
//! trail of editorial changes.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_film::Film;
use crate::m20261124_000002_create_person::Person;
use crate::m20261124_000004_create_review::Review;
use crate::m20261124_000009_create_api_token_and_audit::ApiToken;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for table in [
            Film::Table.into_iden(),
            Person::Table.into_iden(),
            Review::Table.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer(Version::Version).default(1))
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SlugAlias::Table)
                    .if_not_exists()
                    .col(pk_auto(SlugAlias::Id))
                    .col(string_len(SlugAlias::Kind, 16))
                    .col(string_len(SlugAlias::Slug, 200))
                    .col(integer(SlugAlias::TargetId))
                    .col(timestamp_with_time_zone(SlugAlias::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_slug_alias_kind_slug")
                    .table(SlugAlias::Table)
                    .col(SlugAlias::Kind)
                    .col(SlugAlias::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_slug_alias_kind_target")
                    .table(SlugAlias::Table)
                    .col(SlugAlias::Kind)
                    .col(SlugAlias::TargetId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewRevision::Table)
                    .if_not_exists()
                    .col(pk_auto(ReviewRevision::Id))
                    .col(integer(ReviewRevision::ReviewId))
                    .col(integer(ReviewRevision::Version))
                    .col(string_len(ReviewRevision::Headline, 300))
                    .col(text(ReviewRevision::BodyMarkdown))
                    .col(text(ReviewRevision::Excerpt))
                    .col(text_null(ReviewRevision::Verdict))
                    .col(integer_null(ReviewRevision::TokenId))
                    .col(string_len(ReviewRevision::ActorName, 200))
                    .col(timestamp_with_time_zone(ReviewRevision::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_revision_review")
                            .from(ReviewRevision::Table, ReviewRevision::ReviewId)
                            .to(Review::Table, Review::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_revision_token")
                            .from(ReviewRevision::Table, ReviewRevision::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_revision_review_version")
                    .table(ReviewRevision::Table)
                    .col(ReviewRevision::ReviewId)
                    .col(ReviewRevision::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EditorialEvent::Table)
                    .if_not_exists()
                    .col(pk_auto(EditorialEvent::Id))
                    .col(integer_null(EditorialEvent::TokenId))
                    .col(string_len(EditorialEvent::ActorName, 200))
                    .col(string_len(EditorialEvent::Action, 32))
                    .col(string_len(EditorialEvent::SubjectKind, 16))
                    .col(integer(EditorialEvent::SubjectId))
                    // The names of the fields changed, as a JSON array.
                    .col(text(EditorialEvent::Fields))
                    .col(timestamp_with_time_zone(EditorialEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_editorial_event_token")
                            .from(EditorialEvent::Table, EditorialEvent::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_editorial_event_subject")
                    .table(EditorialEvent::Table)
                    .col(EditorialEvent::SubjectKind)
                    .col(EditorialEvent::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EditorialEvent::Table.into_iden(),
            ReviewRevision::Table.into_iden(),
            SlugAlias::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for table in [
            Film::Table.into_iden(),
            Person::Table.into_iden(),
            Review::Table.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Version::Version)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Version {
    Version,
}

#[derive(DeriveIden)]
pub enum SlugAlias {
    Table,
    Id,
    Kind,
    Slug,
    TargetId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum ReviewRevision {
    Table,
    Id,
    ReviewId,
    Version,
    Headline,
    BodyMarkdown,
    Excerpt,
    Verdict,
    TokenId,
    ActorName,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum EditorialEvent {
    Table,
    Id,
    TokenId,
    ActorName,
    Action,
    SubjectKind,
    SubjectId,
    Fields,
    CreatedAt,
}
