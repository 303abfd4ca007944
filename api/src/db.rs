//! Database connections: SQLite (the embedded default) or PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, DatabaseBackend, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};

/// Starts the SQL of statements no request runs (the periodic flush of cost
/// budgets): [`StatementCounter`] leaves them out, so it counts request
/// work only.
pub const BACKGROUND: &str = "/* background */ ";

/// Counts every SQL statement the pool runs for requests; tests and benchmarks read it to
/// prove that a request's statement count depends on the query's shape only.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What `Retry-After` says when the database cannot be reached.
pub const RETRY_AFTER_SECS: u64 = 2;

/// What kind of fault a database error is, for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The database refused the input itself (a NUL byte, text it cannot
    /// encode, a pattern too complex): the client's error.
    BadInput,
    /// The database cannot be reached or no connection was free in time: a
    /// passing outage, worth retrying.
    Unavailable,
    /// Anything else: a fault on our side.
    Other,
}

/// Sorts a database error into a [`Fault`].
pub fn classify(err: &sea_orm::DbErr) -> Fault {
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return Fault::Unavailable,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return Fault::Unavailable,
        _ => return Fault::Other,
    };
    use sea_orm::sqlx::Error;
    match sqlx.as_ref() {
        Error::Io(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed
        | Error::Tls(_)
        | Error::Protocol(_) => Fault::Unavailable,
        Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            let message = db.message();
            match code {
                // PostgreSQL: invalid byte sequence (a NUL byte), an
                // untranslatable character, a string too long for an index.
                "22021" | "22P05" | "54000" => Fault::BadInput,
                // PostgreSQL: the server is shutting down or starting, or
                // the connection failed.
                "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006" | "08001" | "08004" => {
                    Fault::Unavailable
                }
                // SQLite: SQLITE_TOOBIG, and a LIKE pattern over its limit.
                "18" => Fault::BadInput,
                _ if message.contains("pattern too complex") => Fault::BadInput,
                _ => Fault::Other,
            }
        }
        _ => Fault::Other,
    }
}

/// How long to wait for the database before giving up on it.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Waiting for a free pooled connection (or a new one to open).
    pub acquire: Duration,
    /// One statement, on PostgreSQL (`statement_timeout`).
    pub statement: Duration,
}

impl Timeouts {
    /// For the command-line tools (migrate, import, tokens): patient, since
    /// no reader is waiting.
    pub const TOOLS: Self = Self {
        acquire: Duration::from_secs(10),
        statement: Duration::from_secs(600),
    };
}

/// Opens a pool. SQLite runs in WAL mode with a busy timeout, so readers do
/// not block the writer and a briefly locked database is waited for. A
/// request waits at most `timeouts.acquire` for a connection, so an
/// unreachable database is reported quickly rather than after the pool's
/// usual ten seconds.
pub async fn connect(
    url: &SecretString,
    max_connections: u32,
    timeouts: Timeouts,
) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut opts = ConnectOptions::new(url.expose_secret().to_owned());
    let statement_ms = timeouts.statement.as_millis().to_string();
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(timeouts.acquire)
        .acquire_timeout(timeouts.acquire)
        // Only a connection idle this long is pinged before use, not every
        // one: a ping is a round trip (on SQLite, a trip to the
        // connection's thread) on each request, about one in six of a
        // comment's on PostgreSQL. A connection that broke while idle is
        // still caught; one that breaks in use fails its request with
        // SERVICE_UNAVAILABLE, which a client retries.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", statement_ms.as_str())]))
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
    db.set_metric_callback(counting(&counter));
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        let mut writer = sqlite_writer(&db, timeouts).await?;
        writer.set_metric_callback(counting(&counter));
        crate::service::register_sqlite_writer(&db, writer);
    }
    Ok((db, counter))
}

/// Each SQLite write transaction's page cache, on the writer connection:
/// negative means KiB (16 MiB). The other connections keep SQLite's
/// default (2 MiB each).
const SQLITE_WRITER_CACHE_KIB: i64 = -16 * 1024;

/// The connection that runs SQLite's write transactions (see
/// [`crate::service::write`]): a pool of one, with the same options as
/// `pool` (so the same file, or the same shared in-memory database) and a
/// larger page cache, which stays warm because no other connection writes
/// between its transactions.
async fn sqlite_writer(
    pool: &DatabaseConnection,
    timeouts: Timeouts,
) -> anyhow::Result<DatabaseConnection> {
    let options = (*pool.get_sqlite_connection_pool().connect_options())
        .clone()
        .pragma("cache_size", SQLITE_WRITER_CACHE_KIB.to_string());
    let writer = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(timeouts.acquire)
        // A connection to a local file does not go stale.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database's writer connection: {e}"))?;
    Ok(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(writer))
}

/// The metric callback that counts request statements in `counter`.
fn counting(
    counter: &StatementCounter,
) -> impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static {
    let inner = counter.0.clone();
    move |info| {
        if !info.statement.sql.starts_with(BACKGROUND) {
            inner.fetch_add(1, Ordering::Relaxed);
        }
        tracing::trace!(elapsed = ?info.elapsed, failed = info.failed, sql = %info.statement, "sql");
    }
}

/// Whether the database answers within `within`.
pub async fn ping(db: &DatabaseConnection, within: Duration) -> bool {
    matches!(tokio::time::timeout(within, db.ping()).await, Ok(Ok(())))
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
