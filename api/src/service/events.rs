//! Comment events, for live updates. Every replica must see every event, so
//! on PostgreSQL they travel through `NOTIFY` and each replica's `LISTEN`
//! task feeds its local subscribers; on SQLite (one process) they stay in
//! process.

use entity::comment;
use entity::enums::CommentStatus;
use sea_orm::sea_query::{Func, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The PostgreSQL channel events travel on.
const CHANNEL: &str = "marquee_comment_events";
/// Events a slow subscriber may fall behind by before it skips some.
const BUFFER: usize = 1024;

/// What happened to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// Posted.
    Created,
    /// A moderator changed its status.
    Moderated { from: CommentStatus },
    /// Its author edited it.
    Edited,
}

/// A change to a comment: enough to decide who cares, not the comment itself
/// (subscribers load it, so nothing private travels on the channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentEvent {
    pub comment_id: i32,
    pub review_id: i32,
    pub status: CommentStatus,
    pub change: Change,
}

impl CommentEvent {
    pub fn new(comment: &comment::Model, change: Change) -> Self {
        Self {
            comment_id: comment.id,
            review_id: comment.review_id,
            status: comment.status,
            change,
        }
    }

    /// Whether the comment just became public.
    pub fn published(&self) -> bool {
        self.status == CommentStatus::Approved
            && match self.change {
                Change::Created => true,
                Change::Moderated { from } => from != CommentStatus::Approved,
                Change::Edited => false,
            }
    }

    /// Whether the comment just entered the moderation queue.
    pub fn queued(&self) -> bool {
        self.status == CommentStatus::Pending
            && match self.change {
                Change::Created | Change::Edited => true,
                Change::Moderated { from } => from != CommentStatus::Pending,
            }
    }
}

/// The event bus of one replica.
#[derive(Clone)]
pub struct CommentEvents {
    local: broadcast::Sender<CommentEvent>,
    backend: DatabaseBackend,
}

impl CommentEvents {
    /// Starts the bus. On PostgreSQL this spawns the task that listens for
    /// other replicas' events (and this one's: every event goes round
    /// through the database, so each is delivered once).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn start(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let (local, _) = broadcast::channel(BUFFER);
        let backend = db.get_database_backend();
        if backend == DatabaseBackend::Postgres {
            let pool = db.get_postgres_connection_pool().clone();
            let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            let tx = local.clone();
            tokio::spawn(async move {
                loop {
                    match listener.recv().await {
                        Ok(note) => match serde_json::from_str::<CommentEvent>(note.payload()) {
                            Ok(event) => {
                                let _ = tx.send(event);
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "ignoring a malformed comment event")
                            }
                        },
                        // The listener reconnects by itself on the next recv;
                        // wait a little so a database outage is not a busy loop.
                        Err(err) => {
                            tracing::warn!(error = %err, "comment event listener lost its connection");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                    }
                }
            });
        }
        Ok(Self { local, backend })
    }

    /// Announces an event to every replica. Call after the change commits.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn publish(
        &self,
        db: &impl ConnectionTrait,
        event: CommentEvent,
    ) -> Result<(), DbErr> {
        if self.backend == DatabaseBackend::Postgres {
            let payload =
                serde_json::to_string(&event).map_err(|e| DbErr::Custom(e.to_string()))?;
            let notify = Query::select()
                .expr(Func::cust("pg_notify").arg(CHANNEL).arg(payload))
                .to_owned();
            db.execute_raw(DatabaseBackend::Postgres.build(&notify))
                .await?;
        } else {
            let _ = self.local.send(event);
        }
        Ok(())
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CommentEvent> {
        self.local.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: CommentStatus, change: Change) -> CommentEvent {
        CommentEvent {
            comment_id: 1,
            review_id: 1,
            status,
            change,
        }
    }

    #[test]
    fn a_comment_is_published_when_it_is_posted_or_moderated_approved() {
        assert!(event(CommentStatus::Approved, Change::Created).published());
        assert!(
            event(
                CommentStatus::Approved,
                Change::Moderated {
                    from: CommentStatus::Pending
                }
            )
            .published()
        );
        assert!(
            !event(
                CommentStatus::Approved,
                Change::Moderated {
                    from: CommentStatus::Approved
                }
            )
            .published()
        );
        assert!(!event(CommentStatus::Approved, Change::Edited).published());
        assert!(!event(CommentStatus::Pending, Change::Created).published());
    }

    #[test]
    fn a_comment_is_queued_when_it_is_held() {
        assert!(event(CommentStatus::Pending, Change::Created).queued());
        assert!(event(CommentStatus::Pending, Change::Edited).queued());
        assert!(!event(CommentStatus::Spam, Change::Created).queued());
    }

    #[test]
    fn an_event_round_trips_through_json() {
        let e = event(
            CommentStatus::Approved,
            Change::Moderated {
                from: CommentStatus::Pending,
            },
        );
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<CommentEvent>(&json).unwrap(), e);
    }
}
