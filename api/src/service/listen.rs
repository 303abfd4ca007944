//! The replica's one `LISTEN` connection on PostgreSQL, shared by every
//! service that hears the other replicas through `NOTIFY` (comment events,
//! publications). A listening connection is taken from the pool for good,
//! so the services share one rather than hold one each.
//!
//! Each service names its channel and what to do with a payload
//! ([`Listener::on`]); [`Listener::start`] then listens on them all. On
//! SQLite (one process) nothing listens: the services keep their news in
//! process.

use sea_orm::{DatabaseBackend, DatabaseConnection};

/// What a service does with a notification's payload. It runs on the
/// listening task, so it must not block: hand the payload on.
type Handler = Box<dyn Fn(&str) + Send + Sync>;

/// The channels to listen on, before [`Listener::start`].
#[derive(Default)]
pub struct Listener {
    routes: Vec<(&'static str, Handler)>,
}

impl Listener {
    /// Hands each payload that arrives on `channel` to `handler`.
    pub fn on(&mut self, channel: &'static str, handler: impl Fn(&str) + Send + Sync + 'static) {
        self.routes.push((channel, Box::new(handler)));
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
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await?;
        let channels: Vec<&str> = self.routes.iter().map(|(channel, _)| *channel).collect();
        listener.listen_all(channels).await?;
        let routes = self.routes;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(note) => {
                        for (channel, handler) in &routes {
                            if *channel == note.channel() {
                                handler(note.payload());
                            }
                        }
                    }
                    // The listener reconnects (and listens again) by itself
                    // on the next recv; notifications sent meanwhile are
                    // lost. Wait a little so a database outage is not a
                    // busy loop.
                    Err(err) => {
                        tracing::warn!(error = %err, "the LISTEN connection was lost");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}
