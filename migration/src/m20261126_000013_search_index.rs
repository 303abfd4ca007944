//! The full-text search index over reviews, films and people, in each
//! database's own engine: an FTS5 table on SQLite (Porter stemming, case
//! and accents folded by `unicode61 remove_diacritics 2`), a table with a
//! weighted `tsvector` and a GIN index on PostgreSQL (English stemming; the
//! application folds case and accents before it builds the vector, so no
//! extension is needed). The application keeps it current on every write
//! and fills it on start when it is empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                // The rowid is the object's key (id * 4 + kind), so a write
                // replaces its row by rowid instead of scanning the table.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(\
                     kind UNINDEXED, target_id UNINDEXED, title, body, \
                     tokenize = 'porter unicode61 remove_diacritics 2')",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE IF NOT EXISTS search_index (\
                     kind varchar(16) NOT NULL, \
                     target_id integer NOT NULL, \
                     title text NOT NULL, \
                     body text NOT NULL, \
                     document tsvector NOT NULL, \
                     PRIMARY KEY (kind, target_id))",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX IF NOT EXISTS idx_search_index_document \
                     ON search_index USING GIN (document)",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS search_index")
            .await?;
        Ok(())
    }
}
