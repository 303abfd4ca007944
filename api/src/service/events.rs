//! Comment events, for live updates. Every replica must see every event, so
//! on PostgreSQL they travel through `NOTIFY` and each replica's `LISTEN`
//! task ([`super::listen`]) feeds its local subscribers; on SQLite (one
//! process) they stay in process.
//!
//! On PostgreSQL one task sends a replica's events, as many in one
//! `pg_notify` as have queued while the last one was sent: under load a
//! comment no longer costs a round trip of its own for its event. (Never
//! inside the comment's transaction: PostgreSQL holds a global lock from a
//! notifying transaction's commit until its WAL is flushed, so notifying
//! commits are written one at a time; 578 against 3,294 commits/s in a
//! pgbench of the two here.)

use entity::comment;
use entity::enums::CommentStatus;
use sea_orm::{DatabaseBackend, DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::listen::Listener;

/// The PostgreSQL channel events travel on.
const CHANNEL: &str = "marquee_comment_events";
/// Events a slow subscriber may fall behind by before it skips some.
const BUFFER: usize = 1024;
/// Most events in one `NOTIFY`, whose payload PostgreSQL limits to 8,000
/// bytes: an event is at most about 100 bytes of JSON.
const MAX_BATCH: usize = 64;

/// An event waiting to be sent, and who waits for the outcome.
type Outgoing = (CommentEvent, oneshot::Sender<Result<(), String>>);

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
    /// PostgreSQL: the queue of the task that sends events (see the module
    /// documentation). SQLite: none.
    outbox: Option<mpsc::UnboundedSender<Outgoing>>,
}

impl CommentEvents {
    /// Starts the bus. On PostgreSQL this spawns the task that sends events,
    /// and names the channel for `listener` to hear other replicas' events
    /// on (and this one's: every event goes round through the database, so
    /// each is delivered once).
    pub fn start(db: &DatabaseConnection, listener: &mut Listener) -> Self {
        let (local, _) = broadcast::channel(BUFFER);
        let mut outbox = None;
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let tx = local.clone();
            listener.on(CHANNEL, move |payload| match parse_payload(payload) {
                Ok(events) => {
                    for event in events {
                        let _ = tx.send(event);
                    }
                }
                Err(err) => tracing::warn!(error = %err, "ignoring a malformed comment event"),
            });
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(send_batches(db.clone(), rx));
            outbox = Some(tx);
        }
        Self { local, outbox }
    }

    /// Announces an event to every replica, and returns once it is sent.
    /// Call after the change commits.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn publish(&self, event: CommentEvent) -> Result<(), DbErr> {
        let Some(outbox) = &self.outbox else {
            let _ = self.local.send(event);
            return Ok(());
        };
        let stopped = || DbErr::Custom("the comment event sender has stopped".into());
        let (done, sent) = oneshot::channel();
        outbox.send((event, done)).map_err(|_| stopped())?;
        sent.await.map_err(|_| stopped())?.map_err(DbErr::Custom)
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CommentEvent> {
        self.local.subscribe()
    }
}

/// Sends queued events until every [`CommentEvents`] is dropped: whatever
/// has queued (up to [`MAX_BATCH`]) in one `pg_notify`, then tells each
/// sender how it went.
async fn send_batches(db: DatabaseConnection, mut queue: mpsc::UnboundedReceiver<Outgoing>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let events: Vec<CommentEvent> = batch.iter().map(|(event, _)| *event).collect();
        let outcome = notify(&db, &events).await.map_err(|e| e.to_string());
        for (_, done) in batch.drain(..) {
            let _ = done.send(outcome.clone());
        }
    }
}

/// One `pg_notify` carrying `events` as a JSON array.
async fn notify(db: &DatabaseConnection, events: &[CommentEvent]) -> Result<(), DbErr> {
    let payload = serde_json::to_string(events).map_err(|e| DbErr::Custom(e.to_string()))?;
    super::listen::notify(db, CHANNEL, payload).await
}

/// The events of a `NOTIFY` payload: an array of them, or one alone (as a
/// replica of an earlier version sends them).
fn parse_payload(payload: &str) -> serde_json::Result<Vec<CommentEvent>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Payload {
        Many(Vec<CommentEvent>),
        One(CommentEvent),
    }
    Ok(match serde_json::from_str(payload)? {
        Payload::Many(events) => events,
        Payload::One(event) => vec![event],
    })
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

    #[test]
    fn a_payload_holds_a_batch_of_events_or_one_alone() {
        let a = event(CommentStatus::Pending, Change::Created);
        let b = event(CommentStatus::Approved, Change::Edited);
        let batch = serde_json::to_string(&[a, b]).unwrap();
        assert_eq!(parse_payload(&batch).unwrap(), vec![a, b]);
        let one = serde_json::to_string(&a).unwrap();
        assert_eq!(parse_payload(&one).unwrap(), vec![a]);
        assert!(parse_payload("{\"comment_id\":1}").is_err());
    }

    #[test]
    fn a_full_batch_fits_in_a_notify_payload() {
        let longest = CommentEvent {
            comment_id: i32::MAX,
            review_id: i32::MAX,
            status: CommentStatus::Pending,
            change: Change::Moderated {
                from: CommentStatus::Approved,
            },
        };
        let payload = serde_json::to_string(&vec![longest; MAX_BATCH]).unwrap();
        assert!(payload.len() < 8000, "{} bytes", payload.len());
    }
}
