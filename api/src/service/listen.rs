//! The replica's one `LISTEN` connection on PostgreSQL, shared by every
//! service that hears the other replicas through `NOTIFY` (comment events,
//! publications). A listening connection is taken from the pool for good,
//! so the services share one rather than hold one each.
//!
//! Each service names its channel and what to do with a payload
//! ([`Listener::on`]); [`Listener::start`] then listens on them all. On
//! SQLite (one process) nothing listens: the services keep their news in
//! process.

use sea_orm::sea_query::{Func, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};

/// What a service does with a notification's payload. It runs on the
/// listening task, so it must not block: hand the payload on.
type Handler = Box<dyn Fn(&str) + Send + Sync>;

/// What a service does when listening stops (`false`: notifications may
/// be missed from now on) and starts again (`true`).
type GapHandler = Box<dyn Fn(bool) + Send + Sync>;

/// The channels to listen on, before [`Listener::start`].
#[derive(Default)]
pub struct Listener {
    routes: Vec<(&'static str, Handler)>,
    gaps: Vec<GapHandler>,
}

impl Listener {
    /// Hands each payload that arrives on `channel` to `handler`.
    pub fn on(&mut self, channel: &'static str, handler: impl Fn(&str) + Send + Sync + 'static) {
        self.routes.push((channel, Box::new(handler)));
    }

    /// Calls `handler(false)` when the connection is lost (notifications
    /// sent from then on are missed) and `handler(true)` once it listens
    /// again.
    pub fn on_gap(&mut self, handler: impl Fn(bool) + Send + Sync + 'static) {
        self.gaps.push(Box::new(handler));
    }

    /// On PostgreSQL, listens on every channel named so far and spawns the
    /// task that hands notifications to their handlers; returns once the
    /// `LISTEN`s are in place, so nothing sent after it is missed. Nothing
    /// on SQLite, or when no channel was named.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start(self, db: &DatabaseConnection) -> anyhow::Result<()> {
        if self.routes.is_empty() || db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let pool = db.get_postgres_connection_pool().clone();
        let channels: Vec<&'static str> = self.routes.iter().map(|(channel, _)| *channel).collect();
        let mut listener = listen(&pool, &channels).await?;
        let Self { routes, gaps } = self;
        tokio::spawn(async move {
            loop {
                // `try_recv`, not `recv`: `recv` reconnects unseen, and
                // what was sent meanwhile is lost without a word.
                let lost = match listener.try_recv().await {
                    Ok(Some(note)) => {
                        for (channel, handler) in &routes {
                            if *channel == note.channel() {
                                handler(note.payload());
                            }
                        }
                        continue;
                    }
                    Ok(None) => "the connection closed".to_owned(),
                    Err(err) => err.to_string(),
                };
                // Notifications sent until it listens again are lost.
                // Connect afresh, waiting a little between tries so a
                // database outage is not a busy loop.
                tracing::warn!(error = %lost, "the LISTEN connection was lost");
                gaps.iter().for_each(|gap| gap(false));
                listener = loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    match listen(&pool, &channels).await {
                        Ok(listener) => break listener,
                        Err(err) => tracing::debug!(error = %err, "cannot LISTEN yet"),
                    }
                };
                tracing::info!("listening for the other replicas again");
                gaps.iter().for_each(|gap| gap(true));
            }
        });
        Ok(())
    }
}

/// Sends `payload` on `channel` to every replica's listener (PostgreSQL).
pub async fn notify(db: &DatabaseConnection, channel: &str, payload: String) -> Result<(), DbErr> {
    let notify = Query::select()
        .expr(Func::cust("pg_notify").arg(channel).arg(payload))
        .to_owned();
    db.execute_raw(DatabaseBackend::Postgres.build(&notify))
        .await?;
    Ok(())
}

/// A connection listening on `channels`.
async fn listen(
    pool: &sea_orm::sqlx::PgPool,
    channels: &[&'static str],
) -> Result<sea_orm::sqlx::postgres::PgListener, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen_all(channels.iter().copied()).await?;
    Ok(listener)
}
