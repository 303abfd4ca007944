//! Query cost budgets, as Shopify and GitHub keep them: each client (a
//! client address, or a staff token) holds up to `max` points, regains
//! `restore_rate` points a second, and a query runs only if its requested
//! cost fits in what is left.
//!
//! Every replica must hold a client to one budget, but a database write per
//! read would halve read throughput. So each replica counts in memory and,
//! every [`FLUSH_EVERY`], adds what it has spent to the shared `cost_budget`
//! table in one statement, which answers with each client's shared level.
//!
//! **Tolerance.** A replica learns of another replica's spending at its next
//! flush, so a client spread over `n` replicas can overspend by at most what
//! it spends on the other `n - 1` replicas in one flush interval (100 ms).
//! A client new to a replica starts from the level that replica last saw
//! (none: full) until that replica's first flush for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::cost_budget;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryTrait, Statement,
};

/// How often each replica adds its spending to the shared table.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Most clients one flush statement carries.
const FLUSH_CHUNK: usize = 300;

/// The budget every client gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// Points a full budget holds.
    pub max: f64,
    /// Points regained each second.
    pub restore_rate: f64,
}

/// A client's budget after a request, for `extensions.cost.budget`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    /// Points left now.
    pub remaining: f64,
    /// Points a full budget holds.
    pub max: f64,
    /// Points regained each second.
    pub restore_rate: f64,
}

/// One client's budget as this replica knows it.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// The shared level (points spent) at `shared_ms`.
    shared: f64,
    shared_ms: i64,
    /// Spent here since the last flush began.
    pending: f64,
    /// Spent here and being flushed now.
    in_flight: f64,
    /// Held for queries running now (their requested cost), until they
    /// settle at what they actually cost. Never flushed.
    reserved: f64,
}

impl Entry {
    fn spent(&self, now_ms: i64, rate: f64) -> f64 {
        let drained = (now_ms - self.shared_ms).max(0) as f64 / 1000.0 * rate;
        (self.shared - drained).max(0.0) + self.pending + self.in_flight + self.reserved
    }

    fn idle(&self, now_ms: i64, rate: f64) -> bool {
        self.pending <= 0.0 && self.in_flight <= 0.0 && self.spent(now_ms, rate) <= 0.0
    }
}

/// Every client's budget, shared through the database.
#[derive(Clone)]
pub struct Budgets {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    config: BudgetConfig,
    entries: Mutex<HashMap<String, Entry>>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Budgets {
    /// Budgets kept in `db`, flushed by a task of their own every
    /// [`FLUSH_EVERY`] until the last clone is dropped.
    pub fn start(db: DatabaseConnection, config: BudgetConfig) -> Self {
        let budgets = Self {
            inner: Arc::new(Inner {
                db,
                config,
                entries: Mutex::new(HashMap::new()),
            }),
        };
        let weak = Arc::downgrade(&budgets.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for round in 0u64.. {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let budgets = Budgets { inner };
                if let Err(err) = budgets.flush().await {
                    tracing::warn!(error = %err, "cannot share query cost budgets; counting locally");
                }
                // About once a minute.
                if round % 600 == 599
                    && let Err(err) = forget_idle(&budgets.inner.db, budgets.inner.config).await
                {
                    tracing::warn!(error = %err, "cannot forget idle query cost budgets");
                }
            }
        });
        budgets
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave an entry half-written
        // (every update is a single assignment), so a poisoned map is fine.
        self.inner
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Holds `requested` points of `key`'s budget for a query about to run,
    /// if they fit; if not, the whole seconds until they will. Checking and
    /// holding are one step, so concurrent queries (a batch, parallel
    /// requests) cannot all pass against the same points.
    ///
    /// A response can cost more than was held (the budget is charged what a
    /// query actually returned), so a client can be in debt; it then waits
    /// until the debt and the new request fit.
    pub fn reserve(&self, key: &str, requested: u64) -> Result<Reservation, u64> {
        let BudgetConfig { max, restore_rate } = self.inner.config;
        let requested = (requested as f64).min(max);
        let mut entries = self.entries();
        let entry = entries.entry(key.to_owned()).or_default();
        let spent = entry.spent(now_ms(), restore_rate);
        if spent + requested > max {
            return Err(seconds_to_drain(spent + requested - max, restore_rate));
        }
        entry.reserved += requested;
        Ok(Reservation {
            budgets: self.clone(),
            key: key.to_owned(),
            points: requested,
            settled: false,
        })
    }

    /// Whether `key` has any budget left at all: a client already over it is
    /// refused before its document is even read.
    pub fn exhausted(&self, key: &str) -> Option<u64> {
        let BudgetConfig { max, restore_rate } = self.inner.config;
        let spent = self.spent(key);
        (spent >= max).then(|| seconds_to_drain(spent - max, restore_rate))
    }

    fn spent(&self, key: &str) -> f64 {
        let rate = self.inner.config.restore_rate;
        self.entries()
            .get(key)
            .map(|e| e.spent(now_ms(), rate))
            .unwrap_or(0.0)
    }

    /// `key`'s budget now.
    pub fn status(&self, key: &str) -> Status {
        let BudgetConfig { max, restore_rate } = self.inner.config;
        let spent = self.spent(key);
        Status {
            remaining: (max - spent).max(0.0),
            max,
            restore_rate,
        }
    }

    /// Spends `points` of `key`'s budget and returns what is left.
    pub fn charge(&self, key: &str, points: u64) -> Status {
        self.settle(key, 0.0, points as f64);
        self.status(key)
    }

    fn settle(&self, key: &str, held: f64, points: f64) {
        let mut entries = self.entries();
        let entry = entries.entry(key.to_owned()).or_default();
        entry.reserved = (entry.reserved - held).max(0.0);
        entry.pending += points;
    }

    /// Adds this replica's spending to the shared table and learns every
    /// charged client's shared level. Clients whose budget is full again
    /// and who are idle are forgotten, so memory follows active clients.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn flush(&self) -> Result<(), DbErr> {
        let BudgetConfig { restore_rate, .. } = self.inner.config;
        let now = now_ms();
        let batch: Vec<(String, f64)> = {
            let mut entries = self.entries();
            entries.retain(|_, e| !e.idle(now, restore_rate));
            let mut batch: Vec<(String, f64)> = entries
                .iter_mut()
                .filter(|(_, e)| e.pending > 0.0)
                .map(|(key, e)| {
                    e.in_flight += e.pending;
                    e.pending = 0.0;
                    (key.clone(), e.in_flight)
                })
                .collect();
            // Every replica writes its rows in the same order, so two
            // flushes of the same clients cannot deadlock.
            batch.sort_by(|a, b| a.0.cmp(&b.0));
            batch
        };
        for chunk in batch.chunks(FLUSH_CHUNK) {
            let result = add_spending(&self.inner.db, chunk, now, restore_rate).await;
            let mut entries = self.entries();
            match result {
                Ok(rows) => {
                    let sent: HashMap<&str, f64> =
                        chunk.iter().map(|(k, s)| (k.as_str(), *s)).collect();
                    for row in &rows {
                        let sent = sent.get(row.key.as_str()).copied().unwrap_or(0.0);
                        if let Some(e) = entries.get_mut(&row.key) {
                            e.in_flight = (e.in_flight - sent).max(0.0);
                            e.shared = row.spent;
                            e.shared_ms = row.updated_ms;
                        }
                    }
                }
                Err(err) => {
                    // Keep counting locally; the next flush carries it.
                    for (key, sent) in chunk {
                        if let Some(e) = entries.get_mut(key) {
                            e.in_flight = (e.in_flight - sent).max(0.0);
                            e.pending += sent;
                        }
                    }
                    return Err(err);
                }
            }
        }
        Ok(())
    }
}

/// Whole seconds (at least one) for `excess` points to drain at `rate`.
fn seconds_to_drain(excess: f64, rate: f64) -> u64 {
    (excess / rate).ceil().max(1.0) as u64
}

/// A client's points held for a running query. Settle it with what the
/// query actually cost; dropped unsettled (the request was cut off at its
/// deadline, or the client went away), it charges the points it held.
pub struct Reservation {
    budgets: Budgets,
    key: String,
    points: f64,
    settled: bool,
}

impl Reservation {
    /// The points held.
    pub fn points(&self) -> u64 {
        self.points as u64
    }

    /// Releases the hold and charges `actual` points; returns what is left.
    pub fn settle(mut self, actual: u64) -> Status {
        self.settled = true;
        self.budgets.settle(&self.key, self.points, actual as f64);
        self.budgets.status(&self.key)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.settled {
            self.budgets.settle(&self.key, self.points, self.points);
        }
    }
}

/// The budget a request draws on: its staff token's if it has one, else
/// its client address's (hashed).
pub fn key(staff_token: Option<i32>, client_hash: Option<&str>) -> String {
    match staff_token {
        Some(id) => format!("token:{id}"),
        None => format!("client:{}", client_hash.unwrap_or("unknown")),
    }
}

/// Forgets clients whose budget has been full again for a while, so the
/// shared table holds active clients only.
async fn forget_idle(db: &DatabaseConnection, config: BudgetConfig) -> Result<(), DbErr> {
    // A row drains to nothing within max / rate seconds of its last write.
    let full_after_ms = (config.max / config.restore_rate * 1000.0).ceil() as i64;
    let cutoff = now_ms() - full_after_ms - 60_000;
    let delete = cost_budget::Entity::delete_many()
        .filter(cost_budget::Column::UpdatedMs.lt(cutoff))
        .build(db.get_database_backend());
    let _turn = super::writer_turn(db).await;
    db.execute_raw(background(delete)).await.map(|_| ())
}

/// One upsert for many clients: each row's level drains for the time since
/// it was last written, then takes this replica's spending.
async fn add_spending(
    db: &DatabaseConnection,
    chunk: &[(String, f64)],
    now: i64,
    restore_rate: f64,
) -> Result<Vec<cost_budget::Model>, DbErr> {
    use cost_budget::Column::{Key, Spent, UpdatedMs};
    use sea_orm::sea_query::ExprTrait as _;
    let mut upsert = Query::insert();
    upsert
        .into_table(cost_budget::Entity)
        .columns([Key, Spent, UpdatedMs]);
    for (key, spent) in chunk {
        upsert.values_panic([key.as_str().into(), (*spent).into(), now.into()]);
    }
    let stored = |c: cost_budget::Column| Expr::col((cost_budget::Entity, c));
    let incoming = |c: cost_budget::Column| Expr::col((EXCLUDED, c));
    let newer = || incoming(UpdatedMs).gt(stored(UpdatedMs));
    // Drained = spent - elapsed ms × rate per ms, never below zero; a row
    // written by a replica whose clock runs ahead does not drain backwards.
    let elapsed: Expr = Expr::case(newer(), incoming(UpdatedMs).sub(stored(UpdatedMs)))
        .finally(0)
        .into();
    let drained = stored(Spent).sub(elapsed.mul(restore_rate / 1000.0));
    let level: Expr = Expr::case(drained.clone().gt(0), drained).finally(0).into();
    upsert
        .on_conflict(
            OnConflict::column(Key)
                .values([
                    (Spent, level.add(incoming(Spent))),
                    (
                        UpdatedMs,
                        Expr::case(newer(), incoming(UpdatedMs))
                            .finally(stored(UpdatedMs))
                            .into(),
                    ),
                ])
                .to_owned(),
        )
        .returning_all();
    let statement = background(db.get_database_backend().build(&upsert));
    let _turn = super::writer_turn(db).await;
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| cost_budget::Model::from_query_result(row, ""))
        .collect()
}

/// The row an upsert proposed, in `ON CONFLICT … DO UPDATE`.
const EXCLUDED: &str = "excluded";

/// Marks a statement as the flush's, which [`crate::db::StatementCounter`]
/// leaves out of request counts.
fn background(mut statement: Statement) -> Statement {
    statement.sql.insert_str(0, crate::db::BACKGROUND);
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_drains_at_the_restore_rate_and_never_below_zero() {
        let e = Entry {
            shared: 1000.0,
            shared_ms: 0,
            pending: 5.0,
            in_flight: 10.0,
            reserved: 0.0,
        };
        assert_eq!(e.spent(0, 100.0), 1015.0);
        assert_eq!(e.spent(2_000, 100.0), 815.0);
        assert_eq!(e.spent(60_000, 100.0), 15.0);
        // A clock behind the row's does not add points.
        assert_eq!(e.spent(-5_000, 100.0), 1015.0);
    }

    /// Budgets with no database behind them: flushes are not run here.
    fn budgets(max: f64, restore_rate: f64) -> Budgets {
        Budgets {
            inner: Arc::new(Inner {
                db: DatabaseConnection::default(),
                config: BudgetConfig { max, restore_rate },
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    #[test]
    fn concurrent_queries_cannot_all_pass_against_the_same_points() {
        let b = budgets(100.0, 1.0);
        let first = b.reserve("k", 60).expect("fits");
        // Held, not yet spent: a second 60 does not fit alongside.
        assert!(b.reserve("k", 60).is_err());
        // Settled at what it cost, the rest is free again.
        first.settle(10);
        assert!(b.reserve("k", 60).is_ok());
    }

    #[test]
    fn a_query_cut_off_is_charged_what_it_held() {
        let b = budgets(100.0, 1.0);
        drop(b.reserve("k", 70).expect("fits"));
        let left = b.status("k").remaining;
        assert!((29.0..=31.0).contains(&left), "{left}");
        assert!(b.exhausted("k").is_none());
        b.charge("k", 50);
        assert!(b.exhausted("k").is_some());
    }
}
