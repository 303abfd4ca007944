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
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};

use super::sql::Sql;

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
    /// When this replica last charged it.
    used_ms: i64,
}

impl Entry {
    fn spent(&self, now_ms: i64, rate: f64) -> f64 {
        let drained = (now_ms - self.shared_ms).max(0) as f64 / 1000.0 * rate;
        (self.shared - drained).max(0.0) + self.pending + self.in_flight
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
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                let budgets = Budgets { inner };
                if let Err(err) = budgets.flush().await {
                    tracing::warn!(error = %err, "cannot share query cost budgets; counting locally");
                }
            }
        });
        budgets
    }

    /// The budget every client gets.
    pub fn config(&self) -> BudgetConfig {
        self.inner.config
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave an entry half-written
        // (every update is a single assignment), so a poisoned map is fine.
        self.inner
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `requested` points fit in `key`'s budget now. If not, the
    /// whole seconds until they will.
    ///
    /// A response can cost more than was left (the budget is charged what a
    /// query actually returned), so a client can be in debt; it then waits
    /// until the debt and the new request fit.
    pub fn check(&self, key: &str, requested: u64) -> Result<Status, u64> {
        let BudgetConfig { max, restore_rate } = self.inner.config;
        let spent = self.spent(key);
        let requested = (requested as f64).min(max);
        if spent + requested <= max {
            return Ok(self.status(key));
        }
        let seconds = ((spent + requested - max) / restore_rate).ceil().max(1.0);
        Err(seconds as u64)
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
        let now = now_ms();
        {
            let mut entries = self.entries();
            let entry = entries.entry(key.to_owned()).or_default();
            entry.pending += points as f64;
            entry.used_ms = now;
        }
        self.status(key)
    }

    /// Adds this replica's spending to the shared table and learns every
    /// charged client's shared level. Clients whose budget is full again
    /// and who are idle are forgotten, so memory follows active clients.
    pub async fn flush(&self) -> Result<(), DbErr> {
        let BudgetConfig { restore_rate, .. } = self.inner.config;
        let now = now_ms();
        let batch: Vec<(String, f64)> = {
            let mut entries = self.entries();
            entries.retain(|_, e| {
                e.pending > 0.0 || e.in_flight > 0.0 || e.spent(now, restore_rate) > 0.0
            });
            entries
                .iter_mut()
                .filter(|(_, e)| e.pending > 0.0)
                .map(|(key, e)| {
                    e.in_flight += e.pending;
                    e.pending = 0.0;
                    (key.clone(), e.in_flight)
                })
                .collect()
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

/// One upsert for many clients: each row's level drains for the time since
/// it was last written, then takes this replica's spending.
async fn add_spending(
    db: &DatabaseConnection,
    chunk: &[(String, f64)],
    now: i64,
    restore_rate: f64,
) -> Result<Vec<cost_budget::Model>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(crate::db::BACKGROUND)
        .push("INSERT INTO cost_budget (key, spent, updated_ms) VALUES ");
    for (i, (key, spent)) in chunk.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(key.as_str())
            .push(", ")
            .bind(*spent)
            .push(", ")
            .bind(now)
            .push(")");
    }
    // Drained = spent - elapsed seconds × rate, never below zero, and a row
    // written by a replica whose clock runs ahead does not drain backwards.
    sql.push(" ON CONFLICT (key) DO UPDATE SET spent = (CASE WHEN cost_budget.spent - (CASE WHEN excluded.updated_ms > cost_budget.updated_ms THEN excluded.updated_ms - cost_budget.updated_ms ELSE 0 END) * ")
        .bind(restore_rate / 1000.0)
        .push(" > 0 THEN cost_budget.spent - (CASE WHEN excluded.updated_ms > cost_budget.updated_ms THEN excluded.updated_ms - cost_budget.updated_ms ELSE 0 END) * ")
        .bind(restore_rate / 1000.0)
        .push(" ELSE 0 END) + excluded.spent, updated_ms = CASE WHEN excluded.updated_ms > cost_budget.updated_ms THEN excluded.updated_ms ELSE cost_budget.updated_ms END RETURNING key, spent, updated_ms");
    let rows = db.query_all_raw(sql.into_statement()).await?;
    rows.iter()
        .map(|row| cost_budget::Model::from_query_result(row, ""))
        .collect()
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
            used_ms: 0,
        };
        assert_eq!(e.spent(0, 100.0), 1015.0);
        assert_eq!(e.spent(2_000, 100.0), 815.0);
        assert_eq!(e.spent(60_000, 100.0), 15.0);
        // A clock behind the row's does not add points.
        assert_eq!(e.spent(-5_000, 100.0), 1015.0);
    }
}
