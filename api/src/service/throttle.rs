//! Fixed-window counters in the database, shared by every replica: flood
//! control and per-address rate limits count here.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::throttle;
use sea_orm::sea_query::{Cond, Expr, InsertStatement, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};

use super::now;
use crate::error::{ApiError, ApiResult};

/// One counter to count a hit on: its key, and how many hits its window
/// allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    pub window: Duration,
    pub limit: u32,
}

impl Counter {
    pub fn new(key: impl Into<String>, window: Duration, limit: u32) -> Self {
        Self {
            key: key.into(),
            window,
            limit,
        }
    }
}

/// Counts a hit on `key`. Allowed while the window holds at most `limit`
/// hits; otherwise returns how many seconds remain until the window ends.
/// One atomic upsert, so concurrent requests on any replica count exactly.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    window: Duration,
    limit: u32,
) -> Result<Result<(), u64>, DbErr> {
    let counters = [Counter::new(key, window, limit)];
    Ok(hit_each(db, &counters).await?.remove(0))
}

/// [`hit`] on its own, outside any transaction: in this process's writer
/// turn on SQLite (see [`super::writer_turn`]).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hit_alone(
    db: &DatabaseConnection,
    key: &str,
    window: Duration,
    limit: u32,
) -> Result<Result<(), u64>, DbErr> {
    let _turn = super::writer_turn(db).await;
    hit(db, key, window, limit).await
}

/// Counts a hit on a rate limit's `counter` in a statement of its own
/// (in this process's writer turn on SQLite): `RATE_LIMITED` past its limit.
pub async fn count_alone(db: &DatabaseConnection, counter: &Counter) -> ApiResult<()> {
    match hit_alone(db, &counter.key, counter.window, counter.limit).await? {
        Ok(()) => Ok(()),
        Err(retry_after_secs) => Err(ApiError::RateLimited { retry_after_secs }),
    }
}

/// The longest wait among `results`, if any of them must wait.
pub fn longest_wait(results: &[Result<(), u64>]) -> Result<(), u64> {
    results
        .iter()
        .filter_map(|r| r.err())
        .max()
        .map_or(Ok(()), Err)
}

/// Counts a hit on each of `counters`, which may have different windows and
/// limits, in one statement (one atomic upsert, so concurrent requests on
/// any replica count exactly). For each counter, in order: allowed, or the
/// seconds until its window ends. The keys must differ.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hit_each(
    db: &impl ConnectionTrait,
    counters: &[Counter],
) -> Result<Vec<Result<(), u64>>, DbErr> {
    if counters.is_empty() {
        return Ok(Vec::new());
    }
    let now = now();
    let statement = db.get_database_backend().build(&upsert_hits(counters, now));
    let rows = db.query_all_raw(statement).await?;
    if rows.len() != counters.len() {
        return Err(DbErr::Custom(format!(
            "the throttle upsert returned {} rows for {} keys",
            rows.len(),
            counters.len()
        )));
    }
    let mut counted = Vec::with_capacity(rows.len());
    for row in rows {
        counted.push(throttle::Model::from_query_result(&row, "")?);
    }
    counters
        .iter()
        .map(|counter| {
            let row = counted
                .iter()
                .find(|row| row.key == counter.key)
                .ok_or_else(|| {
                    DbErr::Custom(format!("the throttle upsert lost the key {}", counter.key))
                })?;
            Ok(if row.hits as u32 > counter.limit {
                Err(remaining_seconds(now, row.window_start, counter.window))
            } else {
                Ok(())
            })
        })
        .collect()
}

/// Whole seconds (at least 1) until a window that began at `start` ends.
fn remaining_seconds(now: DateTime<Utc>, start: DateTime<Utc>, window: Duration) -> u64 {
    let elapsed = (now - start).num_milliseconds().max(0) as u128;
    let remaining = window.as_millis().saturating_sub(elapsed);
    let seconds = u64::try_from(remaining.div_ceil(1000)).unwrap_or(u64::MAX);
    seconds.max(1)
}

/// `INSERT … ON CONFLICT` that counts one hit on each counter, starting a
/// new window at `now` where the stored one began at or before the
/// counter's cutoff (`now` less its window).
fn upsert_hits(counters: &[Counter], now: DateTime<Utc>) -> InsertStatement {
    use sea_orm::sea_query::ExprTrait as _;
    let key = Expr::col((throttle::Entity, throttle::Column::Key));
    let window_start = Expr::col((throttle::Entity, throttle::Column::WindowStart));
    // The stored window has ended: with one window for all counters, one
    // comparison; otherwise one per window, for the keys that have it.
    let mut windows: Vec<Duration> = counters.iter().map(|c| c.window).collect();
    windows.sort();
    windows.dedup();
    let expired = if let [window] = windows[..] {
        Cond::all().add(window_start.clone().lte(window_cutoff(now, window)))
    } else {
        windows.iter().fold(Cond::any(), |any, window| {
            let keys = counters
                .iter()
                .filter(|c| c.window == *window)
                .map(|c| c.key.clone());
            any.add(
                Cond::all()
                    .add(key.clone().is_in(keys))
                    .add(window_start.clone().lte(window_cutoff(now, *window))),
            )
        })
    };
    let mut insert = Query::insert();
    insert.into_table(throttle::Entity).columns([
        throttle::Column::Key,
        throttle::Column::WindowStart,
        throttle::Column::Hits,
    ]);
    for counter in counters {
        insert.values_panic([counter.key.clone().into(), now.into(), 1.into()]);
    }
    insert
        .on_conflict(
            OnConflict::column(throttle::Column::Key)
                .values([
                    (
                        throttle::Column::Hits,
                        Expr::case(expired.clone(), 1)
                            .finally(Expr::col((throttle::Entity, throttle::Column::Hits)).add(1))
                            .into(),
                    ),
                    (
                        throttle::Column::WindowStart,
                        Expr::case(expired, now)
                            .finally(window_start.clone())
                            .into(),
                    ),
                ])
                .to_owned(),
        )
        .returning_all()
        .to_owned()
}

/// When a window of `window` ending `now` began: the Unix epoch if it
/// reaches back further (or past what chrono can count), since nothing was
/// counted before then and no database need store an older date.
fn window_cutoff(now: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(window)
        .ok()
        .and_then(|w| now.checked_sub_signed(w))
        .map_or(DateTime::UNIX_EPOCH, |cutoff| {
            cutoff.max(DateTime::UNIX_EPOCH)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_too_long_to_count_starts_at_the_epoch() {
        let now = now();
        assert_eq!(
            window_cutoff(now, Duration::from_secs(60)),
            now - chrono::Duration::seconds(60)
        );
        assert_eq!(window_cutoff(now, Duration::MAX), DateTime::UNIX_EPOCH);
        assert_eq!(
            window_cutoff(now, Duration::from_secs(u64::MAX / 2)),
            DateTime::UNIX_EPOCH
        );
    }
}
