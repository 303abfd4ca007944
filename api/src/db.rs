//! Database connections: SQLite (the embedded default) or PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, DatabaseBackend, DatabaseConnection};

/// Counts every SQL statement the pool runs; tests and benchmarks read it to
/// prove that a request's statement count depends on the query's shape only.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens a pool. SQLite runs in WAL mode with a busy timeout, so readers do
/// not block the writer and a briefly locked database is waited for.
pub async fn connect(
    url: &str,
    max_connections: u32,
) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = sea_orm::Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let counter = StatementCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |info| {
        inner.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(elapsed = ?info.elapsed, failed = info.failed, sql = %info.statement, "sql");
    });
    Ok((db, counter))
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// A short name for logs: the backend, never the URL (it may hold a password).
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => "sqlite",
        DatabaseBackend::Postgres => "postgres",
        _ => "other",
    }
}

/// Runs `prepare` (migrations, the demo content) holding a PostgreSQL
/// advisory lock, so replicas that start together take turns instead of
/// racing to create the same tables. SQLite has one process; no lock.
pub async fn exclusively<T>(
    db: &DatabaseConnection,
    prepare: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    /// An arbitrary constant: "marquee" in ASCII.
    const LOCK_KEY: i64 = 0x006d_6172_7175_6565;
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return prepare.await;
    }
    let mut conn = db.get_postgres_connection_pool().acquire().await?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let result = prepare.await;
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    result
}
