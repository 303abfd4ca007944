//! The publication clock: notices reviews going public and tells this
//! replica's subscribers (`reviewPublished`).
//!
//! A review is public once it is PUBLISHED and its `published_at` has come
//! ([`super::review::public`]). A scheduled review goes public when the
//! time comes, with no write at all, so nothing is there to announce it,
//! and there is no job runner. So each replica watches for itself: a task
//! reads, with one query on the `(status, published_at, id)` index, the
//! published reviews dated after where it last looked (less an overlap,
//! below), announces those whose time has come and that it has not
//! announced yet, and sleeps until its next tick or the first scheduled
//! instant it saw, whichever is sooner.
//!
//! **Late commits.** A transaction may set `published_at` to an instant the
//! clock has already passed, and commit after the clock looked. So each look
//! starts [`Clock::overlap`] before the last one (longer than a publishing
//! request may run), and the publications met in that overlap are kept as
//! `(published_at, id)`, so that none is announced twice. Memory: the
//! publications of one overlap. A review published again later (another
//! `published_at`) is announced again.
//!
//! **At once.** A mutation that publishes or schedules a review calls
//! [`Publications::announce`] after its commit. On PostgreSQL a `NOTIFY`
//! wakes the clock of every replica; on SQLite, the process's own. A woken
//! clock looks at once, at that review too, whatever its date (a review
//! published with a date long past lies outside the clock's window), and
//! learns of a new scheduled instant at once.
//!
//! **Delay**, at worst: a publication announced by its mutation reaches
//! subscribers within a `NOTIFY` round trip and three queries; a scheduled
//! review the clock knows of, at its instant (a few milliseconds after); one
//! it does not know of (scheduled without `announce`, e.g. by `marquee
//! import`, or whose notification was lost), one tick ([`Clock::every`],
//! `MARQUEE_PUBLICATION_CLOCK_MS`, 1 s) after its instant or its commit,
//! whichever is later. A review committed more than the overlap after its
//! `published_at` without `announce` (content imported with a past date) is
//! not announced: to the clock, it was public all along. While the database
//! is down nothing is announced; when it is back, the first look announces
//! what went public meanwhile.
//!
//! Each replica goes by its own clock, as its read path does: a review is
//! announced by a replica when that replica starts to show it.
//!
//! **Caches.** The clock also purges this replica's response cache (and the
//! CDN) of what a review going public changes, and tells the cache of the
//! next scheduled instant, which no cached answer outlives.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use entity::enums::ReviewStatus;
use entity::review;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use tokio::sync::{broadcast, mpsc};

use super::cache::{Purger, Tag};
use super::listen::Listener;
use super::{now, review::public};

/// The PostgreSQL channel that wakes the clocks; a payload is a review id.
const CHANNEL: &str = "marquee_review_published";
/// Publications a slow subscriber may fall behind by before it skips some.
const BUFFER: usize = 256;
/// Rows one query of the clock reads at most.
const PAGE: u64 = 32;
/// Review ids a woken clock takes at once.
const MAX_WOKEN: usize = 1024;

/// How the clock runs.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The longest between two looks.
    pub every: Duration,
    /// How far before its last look each look starts reading: longer than a
    /// publishing transaction can take from choosing `published_at` to
    /// committing.
    pub overlap: Duration,
}

/// A publication: the review's `published_at` and id, in that order so
/// that they sort by date.
type Key = (DateTime<Utc>, i32);

/// Reviews going public, for this replica's subscribers.
#[derive(Clone)]
pub struct Publications {
    db: DatabaseConnection,
    local: broadcast::Sender<Arc<review::Model>>,
    /// Wakes this replica's clock with a review to look at.
    wake: mpsc::UnboundedSender<i32>,
}

impl Publications {
    /// Starts this replica's clock, once it has looked a first time: what
    /// went public before then (within the overlap) is remembered, not
    /// announced. On PostgreSQL, names the channel for `listener` on which
    /// any replica's [`Publications::announce`] wakes it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start(
        db: &DatabaseConnection,
        clock: Clock,
        purger: Purger,
        listener: &mut Listener,
    ) -> Result<Self, DbErr> {
        let (local, _) = broadcast::channel(BUFFER);
        let (wake, woken) = mpsc::unbounded_channel();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let wake = wake.clone();
            listener.on(CHANNEL, move |payload| match payload.trim().parse() {
                Ok(review_id) => {
                    let _ = wake.send(review_id);
                }
                Err(_) => tracing::warn!(payload, "ignoring a malformed publication notice"),
            });
        }
        let mut watch = Watch {
            db: db.clone(),
            local: local.clone(),
            ledger: Ledger::new(now(), clock.overlap),
            next: None,
            purger,
            failing: false,
        };
        watch.look(&BTreeSet::new()).await?;
        tokio::spawn(watch.run(clock.every, woken));
        Ok(Self {
            db: db.clone(),
            local,
            wake,
        })
    }

    /// Tells the clock of every replica that `review_id` has just been
    /// published or scheduled, so that subscribers hear of it now (or at
    /// its scheduled instant) rather than at the clock's next tick. Call it
    /// once per publication, after the change commits; not after other
    /// edits (a review dated long ago would be announced again). A review
    /// that is not public when a clock looks (a draft, or scheduled for
    /// later) is announced when, and if, its time comes.
    ///
    /// Returns once the `NOTIFY` is sent (PostgreSQL) or the clock is woken
    /// (SQLite). On an error the publication is stored all the same, and a
    /// review dated within [`Clock::overlap`] is still announced by each
    /// clock's next tick.
    #[tracing::instrument(level = "debug", skip(self))]
    pub async fn announce(&self, review_id: i32) -> Result<(), DbErr> {
        if self.db.get_database_backend() != DatabaseBackend::Postgres {
            return self
                .wake
                .send(review_id)
                .map_err(|_| DbErr::Custom("the publication clock has stopped".into()));
        }
        super::listen::notify(&self.db, CHANNEL, review_id.to_string()).await
    }

    /// Reviews as they go public from now on, each loaded in full.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<review::Model>> {
        self.local.subscribe()
    }
}

/// Which publications the clock has announced, and where it reads from.
#[derive(Debug)]
struct Ledger {
    overlap: TimeDelta,
    /// The instant of the last look (at first, when the clock started).
    horizon: DateTime<Utc>,
    /// Publications announced that a later look may read again.
    announced: BTreeSet<Key>,
}

impl Ledger {
    fn new(started: DateTime<Utc>, overlap: Duration) -> Self {
        Self {
            overlap: TimeDelta::from_std(overlap).unwrap_or(TimeDelta::MAX),
            horizon: started,
            announced: BTreeSet::new(),
        }
    }

    /// The next look reads reviews dated after this instant.
    fn from(&self) -> DateTime<Utc> {
        self.horizon
            .checked_sub_signed(self.overlap)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn knows(&self, key: &Key) -> bool {
        self.announced.contains(key)
    }

    /// Records a publication as announced; false if it already was.
    fn admit(&mut self, key: Key) -> bool {
        self.announced.insert(key)
    }

    /// A look at `now` is done: forgets what no later look reads again.
    fn advance(&mut self, now: DateTime<Utc>) {
        self.horizon = self.horizon.max(now);
        let from = self.from();
        self.announced.retain(|(at, _)| *at > from);
    }
}

/// The clock's task.
struct Watch {
    db: DatabaseConnection,
    local: broadcast::Sender<Arc<review::Model>>,
    ledger: Ledger,
    /// The first scheduled instant the last look saw.
    next: Option<DateTime<Utc>>,
    /// Purges the caches of what goes public, and tells the response cache
    /// of the next scheduled instant.
    purger: Purger,
    /// Whether the last look failed (warned once, not at every tick).
    failing: bool,
}

impl Watch {
    /// Looks every `every`, at the next scheduled instant, and when woken,
    /// until every [`Publications`] (and, on PostgreSQL, the listener) is
    /// gone.
    async fn run(mut self, every: Duration, mut woken: mpsc::UnboundedReceiver<i32>) {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut asked = BTreeSet::new();
        let mut batch = Vec::new();
        loop {
            let scheduled = self.next.map(instant_of);
            tokio::select! {
                _ = tick.tick() => {}
                () = tokio::time::sleep_until(scheduled.unwrap_or_else(tokio::time::Instant::now)),
                    if scheduled.is_some() => {}
                n = woken.recv_many(&mut batch, MAX_WOKEN) => {
                    if n == 0 {
                        return;
                    }
                    asked.extend(batch.drain(..));
                }
            }
            match self.look(&asked).await {
                Ok(()) => {
                    asked.clear();
                    if self.failing {
                        self.failing = false;
                        tracing::info!("the publication clock reads the database again");
                    }
                }
                Err(err) => {
                    // Back to ticks alone: a scheduled instant now past
                    // would wake it at once, again and again.
                    self.next = None;
                    if !self.failing {
                        self.failing = true;
                        tracing::warn!(error = %err, "the publication clock cannot read the database; it tries again every tick");
                    }
                }
            }
        }
    }

    /// One look: announces the reviews that have gone public and not been
    /// announced (those dated since [`Ledger::from`], and those in `asked`),
    /// and notes the next scheduled instant.
    async fn look(&mut self, asked: &BTreeSet<i32>) -> Result<(), DbErr> {
        let now = now();
        let (mut fresh, next) = self.window(now).await?;
        if !asked.is_empty() {
            let ids: Vec<i32> = asked.iter().copied().collect();
            for key in public_keys(&self.db, &ids).await? {
                if !self.ledger.knows(&key) {
                    fresh.insert(key);
                }
            }
        }
        for (_, id) in &fresh {
            self.purger.went_public(&Tag::of_publication(*id));
        }
        if !fresh.is_empty() {
            if self.local.receiver_count() == 0 {
                // No one to tell; only remember.
                for key in fresh {
                    self.ledger.admit(key);
                }
            } else {
                let ids: Vec<i32> = fresh.iter().map(|(_, id)| *id).collect();
                let mut rows = public_rows(&self.db, &ids).await?;
                rows.sort_by_key(|r| (r.published_at, r.id));
                for row in rows {
                    // As the look found it (it may have changed since;
                    // then a later look sees it as it is).
                    let Some(key) = row.published_at.map(|at| (at, row.id)) else {
                        continue;
                    };
                    if fresh.contains(&key) && self.ledger.admit(key) {
                        tracing::debug!(review_id = row.id, "a review went public");
                        let _ = self.local.send(Arc::new(row));
                    }
                }
            }
        }
        self.next = next;
        self.purger.cache().set_next_publication(next);
        self.ledger.advance(now);
        Ok(())
    }

    /// The publications dated after [`Ledger::from`] and by `now` that are
    /// not announced yet, and the first one dated after `now`.
    async fn window(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(BTreeSet<Key>, Option<DateTime<Utc>>), DbErr> {
        let from = self.ledger.from();
        let mut fresh = BTreeSet::new();
        let mut after = None;
        loop {
            let keys = published_since(&self.db, from, after).await?;
            let full = keys.len() as u64 == PAGE;
            for key in keys {
                if key.0 > now {
                    return Ok((fresh, Some(key.0)));
                }
                if !self.ledger.knows(&key) {
                    fresh.insert(key);
                }
                after = Some(key);
            }
            if !full {
                return Ok((fresh, None));
            }
        }
    }
}

/// The monotonic instant at which the wall clock reads `at` (a millisecond
/// after, so that a look woken then finds it past).
fn instant_of(at: DateTime<Utc>) -> tokio::time::Instant {
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::Instant::now() + wait + Duration::from_millis(1)
}

/// A page of published reviews dated after `from` (and after `after`, the
/// last key of the page before), by date: one range of the `(status,
/// published_at, id)` index.
async fn published_since(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
    after: Option<Key>,
) -> Result<Vec<Key>, DbErr> {
    let mut select = review::Entity::find()
        .select_only()
        .column(review::Column::PublishedAt)
        .column(review::Column::Id)
        .filter(review::Column::Status.eq(ReviewStatus::Published))
        .filter(review::Column::PublishedAt.gt(from))
        .order_by_asc(review::Column::PublishedAt)
        .order_by_asc(review::Column::Id)
        .limit(PAGE);
    if let Some((at, id)) = after {
        select = select.filter(
            Condition::any()
                .add(review::Column::PublishedAt.gt(at))
                .add(
                    Condition::all()
                        .add(review::Column::PublishedAt.eq(at))
                        .add(review::Column::Id.gt(id)),
                ),
        );
    }
    keys(db, background(select.build(db.get_database_backend()))).await
}

/// The keys of those of `ids` that are public.
async fn public_keys(db: &DatabaseConnection, ids: &[i32]) -> Result<Vec<Key>, DbErr> {
    let select = public()
        .select_only()
        .column(review::Column::PublishedAt)
        .column(review::Column::Id)
        .filter(review::Column::Id.is_in(ids.iter().copied()));
    keys(db, background(select.build(db.get_database_backend()))).await
}

async fn keys(db: &DatabaseConnection, statement: Statement) -> Result<Vec<Key>, DbErr> {
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "published_at")?, row.try_get("", "id")?)))
        .collect()
}

/// Those of `ids` that are public, in full.
async fn public_rows(db: &DatabaseConnection, ids: &[i32]) -> Result<Vec<review::Model>, DbErr> {
    let select = public().filter(review::Column::Id.is_in(ids.iter().copied()));
    db.query_all_raw(background(select.build(db.get_database_backend())))
        .await?
        .iter()
        .map(|row| review::Model::from_query_result(row, ""))
        .collect()
}

/// Marks a statement as the clock's, which [`crate::db::StatementCounter`]
/// leaves out of request counts.
fn background(mut statement: Statement) -> Statement {
    statement.sql.insert_str(0, crate::db::BACKGROUND);
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn ledger() -> Ledger {
        Ledger::new(at(0), Duration::from_secs(10))
    }

    #[test]
    fn each_look_reads_from_the_overlap_before_the_last() {
        let mut ledger = ledger();
        assert_eq!(ledger.from(), at(-10), "the first, from before the start");
        ledger.advance(at(25));
        assert_eq!(ledger.from(), at(15));
    }

    #[test]
    fn a_publication_is_admitted_once() {
        let mut ledger = ledger();
        assert!(ledger.admit((at(3), 7)));
        assert!(ledger.knows(&(at(3), 7)));
        assert!(!ledger.admit((at(3), 7)));
        // Published again, with another date: news again.
        assert!(ledger.admit((at(5), 7)));
    }

    #[test]
    fn publications_are_forgotten_once_no_look_reads_them_again() {
        let mut ledger = ledger();
        ledger.advance(at(20));
        ledger.admit((at(11), 1));
        ledger.admit((at(19), 2));
        // A review dated long ago, announced by its mutation.
        ledger.admit((at(-1000), 3));
        ledger.advance(at(21));
        assert_eq!(ledger.from(), at(11));
        assert!(!ledger.knows(&(at(11), 1)), "the next look reads after 11");
        assert!(ledger.knows(&(at(19), 2)));
        assert!(!ledger.knows(&(at(-1000), 3)));
    }

    #[test]
    fn a_late_commit_within_the_overlap_is_read_again() {
        // Looks at 100 and 101; a review dated 99.5 commits after the look
        // at 101, and the look at 102 still reads it.
        let mut ledger = ledger();
        ledger.advance(at(100));
        ledger.advance(at(101));
        assert!(ledger.from() < at(99));
    }

    #[test]
    fn the_horizon_never_goes_back() {
        let mut ledger = ledger();
        ledger.advance(at(50));
        ledger.advance(at(30));
        assert_eq!(ledger.from(), at(40));
    }
}
