//! Fixed-window counters in the database, shared by every replica: flood
//! control and per-address rate limits count here.

use std::time::Duration;

use entity::throttle;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

use super::now;
use super::sql::Sql;

/// Counts a hit on `key`. Allowed while the window holds at most `limit`
/// hits; otherwise returns how many seconds remain until the window ends.
/// One atomic upsert, so concurrent requests on any replica count exactly.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    window: Duration,
    limit: u32,
) -> Result<Result<(), u64>, DbErr> {
    let now = now();
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    let cutoff = now - window;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO throttle (key, window_start, hits) VALUES (")
        .bind(key)
        .push(", ")
        .bind(now)
        .push(", 1) ON CONFLICT (key) DO UPDATE SET hits = CASE WHEN throttle.window_start <= ")
        .bind(cutoff)
        .push(" THEN 1 ELSE throttle.hits + 1 END, window_start = CASE WHEN throttle.window_start <= ")
        .bind(cutoff)
        .push(" THEN ")
        .bind(now)
        .push(" ELSE throttle.window_start END RETURNING key, window_start, hits");
    let row = db
        .query_one_raw(sql.into_statement())
        .await?
        .ok_or_else(|| DbErr::Custom("the throttle upsert returned no row".into()))?;
    let counted = throttle::Model::from_query_result(&row, "")?;
    if counted.hits as u32 <= limit {
        return Ok(Ok(()));
    }
    let ends = counted.window_start + window;
    let remaining = (ends - now).num_milliseconds().max(0) as u64;
    Ok(Err(remaining.div_ceil(1000).max(1)))
}
