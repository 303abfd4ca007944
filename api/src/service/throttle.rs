//! Fixed-window counters in the database, shared by every replica: flood
//! control and per-address rate limits count here.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::throttle;
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};

use super::now;

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
    hit_all(db, &[key], window, limit).await
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

/// Counts a hit on each of `keys` (each its own window and limit), in one
/// statement. Allowed while every window holds at most `limit` hits;
/// otherwise returns the longest wait among the windows that are full.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hit_all(
    db: &impl ConnectionTrait,
    keys: &[&str],
    window: Duration,
    limit: u32,
) -> Result<Result<(), u64>, DbErr> {
    if keys.is_empty() {
        return Ok(Ok(()));
    }
    let now = now();
    let cutoff = window_cutoff(now, window);
    let statement = db
        .get_database_backend()
        .build(&upsert_hits(keys, now, cutoff));
    let rows = db.query_all_raw(statement).await?;
    if rows.len() != keys.len() {
        return Err(DbErr::Custom(format!(
            "the throttle upsert returned {} rows for {} keys",
            rows.len(),
            keys.len()
        )));
    }
    let mut wait = None;
    for row in rows {
        let counted = throttle::Model::from_query_result(&row, "")?;
        if counted.hits as u32 > limit {
            let seconds = remaining_seconds(now, counted.window_start, window);
            wait = wait.max(Some(seconds));
        }
    }
    Ok(wait.map_or(Ok(()), Err))
}

/// Whole seconds (at least 1) until a window that began at `start` ends.
fn remaining_seconds(now: DateTime<Utc>, start: DateTime<Utc>, window: Duration) -> u64 {
    let elapsed = (now - start).num_milliseconds().max(0) as u128;
    let remaining = window.as_millis().saturating_sub(elapsed);
    let seconds = u64::try_from(remaining.div_ceil(1000)).unwrap_or(u64::MAX);
    seconds.max(1)
}

/// `INSERT … ON CONFLICT` that counts one hit on each key, starting a new
/// window at `now` where the stored one began at or before `cutoff`.
fn upsert_hits(keys: &[&str], now: DateTime<Utc>, cutoff: DateTime<Utc>) -> InsertStatement {
    use sea_orm::sea_query::ExprTrait as _;
    let window_start = Expr::col((throttle::Entity, throttle::Column::WindowStart));
    let expired = || window_start.clone().lte(cutoff);
    let mut insert = Query::insert();
    insert.into_table(throttle::Entity).columns([
        throttle::Column::Key,
        throttle::Column::WindowStart,
        throttle::Column::Hits,
    ]);
    for key in keys {
        insert.values_panic([(*key).into(), now.into(), 1.into()]);
    }
    insert
        .on_conflict(
            OnConflict::column(throttle::Column::Key)
                .values([
                    (
                        throttle::Column::Hits,
                        Expr::case(expired(), 1)
                            .finally(Expr::col((throttle::Entity, throttle::Column::Hits)).add(1))
                            .into(),
                    ),
                    (
                        throttle::Column::WindowStart,
                        Expr::case(expired(), now)
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
