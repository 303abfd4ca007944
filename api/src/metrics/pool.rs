//! How much of each database pool is in use, read from the sqlx pools
//! behind SeaORM when metrics are scraped.

use sea_orm::{DatabaseBackend, DatabaseConnection};

/// One pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PoolUse {
    /// `main`: the pool requests read (and, on PostgreSQL, write) on;
    /// `writer`: SQLite's one connection for write transactions (see
    /// `service::write`).
    pub pool: &'static str,
    /// Connections lent out.
    pub in_use: u32,
    /// Connections open and waiting to be lent.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The pools of `db`: its own, and on SQLite its writer connection.
pub(super) fn pools(db: &DatabaseConnection) -> Vec<PoolUse> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => vec![usage("main", db.get_postgres_connection_pool())],
        DatabaseBackend::Sqlite => {
            let mut pools = vec![usage("main", db.get_sqlite_connection_pool())];
            if let Some(writer) = crate::service::sqlite_writer(db) {
                pools.push(usage("writer", writer.get_sqlite_connection_pool()));
            }
            pools
        }
        _ => Vec::new(),
    }
}

fn usage<DB: sea_orm::sqlx::Database>(
    pool: &'static str,
    connections: &sea_orm::sqlx::Pool<DB>,
) -> PoolUse {
    // Two readings a moment apart: a connection returned in between would
    // count as idle and in use at once, so in use is never taken below 0.
    let idle = u32::try_from(connections.num_idle()).unwrap_or(u32::MAX);
    let size = connections.size();
    PoolUse {
        pool,
        in_use: size.saturating_sub(idle),
        idle,
        max: connections.options().get_max_connections(),
    }
}
