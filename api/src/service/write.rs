//! Write transactions.
//!
//! On SQLite one connection writes at a time. Left to SQLite, writers that
//! find the lock taken sleep in its busy handler, in steps that grow to
//! 100 ms, so under load a comment could wait half a second with the lock
//! free most of that time. Here a process-wide queue hands the lock over
//! the moment it is released, first come first served; statements that
//! write outside a transaction (the rate-limit counter, the budget flush)
//! take the same turn. PostgreSQL locks
//! rows, not the database, and takes no turn.
//!
//! Write transactions on SQLite also run on one connection of their own
//! (see [`register_sqlite_writer`]). In WAL mode a connection throws its
//! page cache away whenever another connection has written since its last
//! transaction; with every writer taking whichever pooled connection was
//! free, each write began by reading its pages again from the file, inside
//! the turn. The writer's own commits leave its cache warm.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue of SQLite writers in this process.
static SQLITE_WRITER: LazyLock<Arc<Mutex<()>>> = LazyLock::new(|| Arc::new(Mutex::new(())));

/// The connection that runs write transactions, per SQLite database file.
static SQLITE_WRITERS: LazyLock<std::sync::Mutex<HashMap<PathBuf, DatabaseConnection>>> =
    LazyLock::new(Default::default);

/// Makes `writer` (a pool of one connection to the same database as
/// `pool`) the connection that [`begin_write`] uses for `pool`'s database.
/// A later registration for the same file replaces it.
pub fn register_sqlite_writer(pool: &DatabaseConnection, writer: DatabaseConnection) {
    let file = sqlite_file(pool);
    SQLITE_WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(file, writer);
}

/// The database file (or in-memory database name) of a SQLite pool.
fn sqlite_file(db: &DatabaseConnection) -> PathBuf {
    db.get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_owned()
}

/// The registered writer of `db`'s SQLite database, if any.
pub(crate) fn sqlite_writer(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    let file = sqlite_file(db);
    SQLITE_WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&file)
        .cloned()
}

/// A transaction that will write, holding SQLite's writer turn (if any)
/// until it is committed, rolled back or dropped. Use `&*txn` where a
/// connection is wanted.
pub struct WriteTxn {
    // Declared first, so it is dropped (and rolled back) before the turn
    // passes on.
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// Waits for this process's turn to write to SQLite, for a statement that
/// writes outside [`begin_write`] (an autocommit upsert). The turn passes
/// on when the guard drops. PostgreSQL takes no turn: `None`. Never call
/// it while holding a [`WriteTxn`]: the turn is not reentrant.
pub async fn writer_turn(db: &DatabaseConnection) -> Option<OwnedMutexGuard<()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_WRITER.clone().lock_owned().await),
        _ => None,
    }
}

/// Starts a transaction that will write. On SQLite it waits for this
/// process's writer turn, then takes the write lock at `BEGIN` (`BEGIN
/// IMMEDIATE`), so a read lock is never upgraded into "database is locked",
/// on the database's writer connection when it has one. PostgreSQL ignores
/// the mode.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = writer_turn(db).await;
    let writer = turn.as_ref().and_then(|_| sqlite_writer(db));
    let txn = writer
        .as_ref()
        .unwrap_or(db)
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}
