//! Marquee's benchmark: a deterministic data set at production scale
//! ([`dataset`]), put into a database ready for `bench/run` ([`prepare`]).
//!
//! - [`rng`]: a seeded generator whose output never changes between builds.
//! - [`names`] and [`text`]: names with accents, titles, review bodies and
//!   reader comments of realistic lengths.
//! - [`insert`]: multi-row inserts with bound parameters.
//! - [`dataset`]: what is generated, and the [`Manifest`] that describes it.

pub mod dataset;
pub mod insert;
pub mod names;
pub mod rng;
pub mod text;

use std::time::{Duration, Instant};

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value,
};

pub use dataset::{Counts, Manifest, Options};

/// The table that records which data set a database holds. Written last,
/// so a generation cut short leaves none and is made again.
const MARKER: &str = "marquee_bench";

/// What [`prepare`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The database already held this data set (restored to it).
    Reused,
    /// The data set was generated.
    Generated,
}

/// Opens `url` for bulk loading. SQLite skips fsync while loading (a load
/// cut short is made again anyway) and keeps WAL mode, as the server does.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Off)
                .foreign_keys(true)
                .pragma("cache_size", "-262144")
                .pragma("temp_store", "memory")
        })
        .map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off")]));
    sea_orm::Database::connect(opts)
        .await
        .with_context(|| "cannot open the database".to_owned())
}

/// Makes the database at `db` hold exactly the data set of `opts`: reuses
/// it when it already does (after removing what benchmark runs added), or
/// generates it. A database holding anything else is wiped only when
/// `replace` says so.
pub async fn prepare(
    db: &DatabaseConnection,
    opts: Options,
    replace: bool,
) -> anyhow::Result<(Manifest, Outcome)> {
    if let Some(manifest) = read_marker(db).await?
        && manifest.is_for(&opts)
    {
        restore(db, &manifest).await?;
        if count_rows(db).await? == manifest.counts {
            return Ok((manifest, Outcome::Reused));
        }
        eprintln!("the database holds a changed copy of this data set; making it again");
    }
    if holds_data(db).await {
        anyhow::ensure!(
            replace,
            "the database already holds other data; pass --replace to wipe it and generate"
        );
        eprintln!("wiping the database");
        Migrator::fresh(db).await.context("wiping the database")?;
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            // Dropping the tables turned the foreign keys off.
            db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        }
    } else {
        Migrator::up(db, None).await.context("migrating")?;
    }
    let started = Instant::now();
    eprintln!(
        "generating seed {} at scale {} ({})",
        opts.seed,
        opts.scale,
        backend_name(db)
    );
    let manifest = dataset::generate(db, opts).await?;
    finish(db).await?;
    write_marker(db, &manifest).await?;
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok((manifest, Outcome::Generated))
}

fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    }
}

/// Whether the database has Marquee's tables with rows in them, or a
/// marker of another data set.
async fn holds_data(db: &DatabaseConnection) -> bool {
    for table in ["film", MARKER] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        if let Ok(Some(row)) = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            && row.try_get_by_index::<i64>(0).unwrap_or(0) > 0
        {
            return true;
        }
    }
    false
}

/// After a load: sequences past the ids given explicitly (PostgreSQL), and
/// fresh planner statistics, as autovacuum would soon have. SQLite gets no
/// ANALYZE, because the server never runs one; its WAL is checkpointed.
async fn finish(db: &DatabaseConnection) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            for (table, _) in Counts::default().tables() {
                db.execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .await?;
            }
            db.execute_unprepared("VACUUM ANALYZE").await?;
        }
        _ => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
    }
    Ok(())
}

/// Removes what benchmark runs add (comments posted by `addComment`, the
/// throttle and budget counters they leave), so every run starts from the
/// same data.
async fn restore(db: &DatabaseConnection, manifest: &Manifest) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DatabaseBackend::Postgres => "DELETE FROM comment WHERE id > $1",
            _ => "DELETE FROM comment WHERE id > ?",
        },
        [Value::BigInt(Some(manifest.counts.comment as i64))],
    ))
    .await?;
    for table in ["throttle", "cost_budget", "moderation_event", "api_token"] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
    }
    if backend == DatabaseBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('comment', 'id'), \
             COALESCE((SELECT MAX(id) FROM comment), 0) + 1, false)",
        )
        .await?;
    }
    Ok(())
}

/// Rows in each of the data set's tables.
pub async fn count_rows(db: &DatabaseConnection) -> anyhow::Result<Counts> {
    let mut counts = Counts::default();
    for (table, _) in Counts::default().tables() {
        let n = scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await? as u64;
        match table {
            "person" => counts.person = n,
            "film" => counts.film = n,
            "credit" => counts.credit = n,
            "review" => counts.review = n,
            "film_location" => counts.film_location = n,
            "comment" => counts.comment = n,
            _ => counts.comparison = n,
        }
    }
    Ok(counts)
}

/// The integer one query returns.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| format!("running {sql}"))?
        .with_context(|| format!("no row from {sql}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn read_marker(db: &DatabaseConnection) -> anyhow::Result<Option<Manifest>> {
    let sql = format!("SELECT manifest FROM {MARKER} WHERE id = 1");
    let Ok(Some(row)) = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
    else {
        return Ok(None);
    };
    let text: String = row.try_get_by_index(0)?;
    Ok(serde_json::from_str(&text).ok())
}

async fn write_marker(db: &DatabaseConnection, manifest: &Manifest) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    db.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS {MARKER} (id INTEGER PRIMARY KEY, manifest TEXT NOT NULL)"
    ))
    .await?;
    db.execute_unprepared(&format!("DELETE FROM {MARKER}"))
        .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DatabaseBackend::Postgres => format!("INSERT INTO {MARKER} VALUES (1, $1)"),
            _ => format!("INSERT INTO {MARKER} VALUES (1, ?)"),
        },
        [Value::String(Some(serde_json::to_string(manifest)?))],
    ))
    .await?;
    Ok(())
}

/// The manifest as `KEY=value` lines for a shell to `source`.
pub fn shell_env(m: &Manifest) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        out.push_str(&format!("{k}='{}'\n", v.to_string().replace('\'', "'\\''")));
    };
    line("DATA_SEED", &m.seed);
    line("DATA_SCALE", &m.scale);
    line("DIRECTOR_ID", &m.busy_director.id);
    line("DIRECTOR_SLUG", &m.busy_director.slug);
    line("DIRECTOR_NAME", &m.busy_director.name);
    line("DIRECTOR_REVIEWS", &m.busy_director.reviews);
    line("ACTOR_ID", &m.busy_actor.id);
    line("ACTOR_SLUG", &m.busy_actor.slug);
    line("ACTOR_NAME", &m.busy_actor.name);
    line("ACTOR_REVIEWS", &m.busy_actor.reviews);
    line("PAGE_REVIEW_ID", &m.review_page.id);
    line("PAGE_REVIEW_GID", &m.review_page.global_id);
    line("PAGE_REVIEW_SLUG", &m.review_page.slug);
    line("PAGE_REVIEW_COMMENTS", &m.review_page.comments);
    line("GENERATED_COMMENTS", &m.counts.comment);
    out
}
