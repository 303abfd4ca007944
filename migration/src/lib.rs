//! Marquee's schema, as an ordered list of migrations. Each file makes one
//! change and has a working `down()`; `Migrator::up` runs at server start.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_film;
mod m20261124_000002_create_person;
mod m20261124_000003_create_credit;
mod m20261124_000004_create_review;
mod m20261124_000005_create_comment;
mod m20261124_000006_create_comparison;
mod m20261124_000007_create_film_location;
mod m20261124_000008_comment_moderation;
mod m20261124_000009_create_api_token_and_audit;
mod m20261125_000010_create_cost_budget;
mod m20261125_000011_drop_idx_comment_client_created;
mod m20261126_000012_editorial;
mod m20261126_000013_search_index;
mod m20261126_000014_persisted_document;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_film::Migration),
            Box::new(m20261124_000002_create_person::Migration),
            Box::new(m20261124_000003_create_credit::Migration),
            Box::new(m20261124_000004_create_review::Migration),
            Box::new(m20261124_000005_create_comment::Migration),
            Box::new(m20261124_000006_create_comparison::Migration),
            Box::new(m20261124_000007_create_film_location::Migration),
            Box::new(m20261124_000008_comment_moderation::Migration),
            Box::new(m20261124_000009_create_api_token_and_audit::Migration),
            Box::new(m20261125_000010_create_cost_budget::Migration),
            Box::new(m20261125_000011_drop_idx_comment_client_created::Migration),
            Box::new(m20261126_000012_editorial::Migration),
            Box::new(m20261126_000013_search_index::Migration),
            Box::new(m20261126_000014_persisted_document::Migration),
        ]
    }
}
