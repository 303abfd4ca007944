//! Purging: a change forgets what it touched in every replica's response
//! cache and at the CDN.
//!
//! The replica that made the change purges its own cache at once, tells the
//! others, and queues the webhook. On PostgreSQL the others hear through a
//! `NOTIFY` on [`CHANNEL`] (comments need none: each replica purges when it
//! hears the comment's own event). Should the `LISTEN` connection drop,
//! notices may be missed, so the cache is off until it is back.

use std::sync::Arc;

use sea_orm::{DatabaseBackend, DatabaseConnection};

use super::webhook::Webhook;
use super::{ResponseCache, Tag};
use crate::service::events::CommentEvent;
use crate::service::listen::Listener;
use entity::enums::CommentStatus;

/// The PostgreSQL channel purges travel on; a payload is a JSON array of
/// tag names, or `["*"]` for everything.
const CHANNEL: &str = "marquee_cache_purge";
/// Longest payload sent as tags; past it, everything is purged.
const MAX_PAYLOAD: usize = 7_000;

impl std::fmt::Debug for Purger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Purger").finish_non_exhaustive()
    }
}

/// Purges this replica's cache, the other replicas' and the CDN's.
#[derive(Clone)]
pub struct Purger {
    cache: Arc<ResponseCache>,
    /// PostgreSQL: the pool that sends `NOTIFY`. SQLite: none.
    notify: Option<DatabaseConnection>,
    webhook: Option<Webhook>,
    /// How long after a purge the CDN is told again: longer than a request
    /// may run, so an answer a replica computed, or served from its cache,
    /// before it heard of the change is purged too.
    again_after: std::time::Duration,
}

impl Purger {
    /// Sets up purging; on PostgreSQL, names the channel for `listener`,
    /// and has the cache switched off while the listener is down.
    pub fn start(
        db: &DatabaseConnection,
        cache: Arc<ResponseCache>,
        webhook: Option<Webhook>,
        again_after: std::time::Duration,
        listener: &mut Listener,
    ) -> Self {
        let mut notify = None;
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let heard = cache.clone();
            listener.on(CHANNEL, move |payload| match parse(payload) {
                Some(tags) => heard.purge(&tags),
                None => heard.purge_all(),
            });
            let down = cache.clone();
            listener.on_gap(move |listening| down.suspend(!listening));
            notify = Some(db.clone());
        }
        Self {
            cache,
            notify,
            webhook,
            again_after,
        }
    }

    /// The cache this purger keeps.
    pub fn cache(&self) -> &Arc<ResponseCache> {
        &self.cache
    }

    /// A change touched `tags`: purges here at once, tells the other
    /// replicas (returning once the `NOTIFY` is sent), and queues the
    /// webhook. Call it after the change commits. A failure to tell the
    /// others is logged; their entries still expire.
    pub async fn changed(&self, tags: &[Tag]) {
        if tags.is_empty() {
            return;
        }
        self.cache.purge(tags);
        if let Some(db) = &self.notify
            && let Err(err) = notify(db, tags).await
        {
            tracing::warn!(error = %err, "could not tell the other replicas to purge their caches");
        }
        self.tell_cdn(tags);
    }

    /// Something went public with no commit (a scheduled review's time
    /// came): every replica's clock sees it for itself, so only this
    /// replica's cache is purged, and the CDN.
    pub fn went_public(&self, tags: &[Tag]) {
        self.cache.purge(tags);
        self.tell_cdn(tags);
    }

    /// A comment changed, here or on another replica (its event carries
    /// the news to every replica): purges this replica's cache if the
    /// public could see the change.
    pub fn heard_comment(&self, event: &CommentEvent) {
        if let Some(tags) = comment_tags(event) {
            self.cache.purge(&tags);
        }
    }

    /// A comment changed on this replica: purges here at once (not waiting
    /// for the event to come round) and at the CDN.
    pub fn comment_changed(&self, event: &CommentEvent) {
        if let Some(tags) = comment_tags(event) {
            self.cache.purge(&tags);
            self.tell_cdn(&tags);
        }
    }

    /// Purges `tags` at the CDN now, and once more after `again_after`.
    fn tell_cdn(&self, tags: &[Tag]) {
        if let Some(webhook) = &self.webhook {
            webhook.purge(tags);
            let (webhook, tags, wait) = (webhook.clone(), tags.to_vec(), self.again_after);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                webhook.purge(&tags);
            });
        }
    }
}

/// Tells every running replica to forget every cached answer (PostgreSQL;
/// on SQLite no other process listens). For changes made outside the
/// servers, such as `marquee import`.
pub async fn purge_everywhere(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    crate::service::listen::notify(db, CHANNEL, "[\"*\"]".to_owned()).await
}

/// What a comment's change touches, if the public could see it (it is
/// approved now, or was until now): its review's comments, and the lists
/// of comments across reviews.
fn comment_tags(event: &CommentEvent) -> Option<[Tag; 2]> {
    // An author's edit may also have changed the status (a link added
    // holds it for moderation): purged whatever it was.
    let was_public = matches!(
        event.change,
        crate::service::events::Change::Moderated {
            from: CommentStatus::Approved
        } | crate::service::events::Change::Edited
    );
    (event.status == CommentStatus::Approved || was_public)
        .then_some([Tag::CommentsOf(event.review_id), Tag::Comments])
}

async fn notify(db: &DatabaseConnection, tags: &[Tag]) -> Result<(), sea_orm::DbErr> {
    let names: Vec<String> = tags.iter().map(Tag::to_string).collect();
    let mut payload = serde_json::to_string(&names).unwrap_or_else(|_| "[\"*\"]".into());
    if payload.len() > MAX_PAYLOAD {
        payload = "[\"*\"]".into();
    }
    crate::service::listen::notify(db, CHANNEL, payload).await
}

/// The tags of a payload; None for everything (`["*"]`, or one that does
/// not parse: better to purge too much than too little).
fn parse(payload: &str) -> Option<Vec<Tag>> {
    let names: Vec<String> = serde_json::from_str(payload).ok()?;
    names.iter().map(|name| name.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::events::Change;

    #[test]
    fn a_payload_names_tags_or_everything() {
        assert_eq!(
            parse(r#"["review:1","reviews"]"#),
            Some(vec![Tag::Review(1), Tag::Reviews])
        );
        assert_eq!(parse(r#"["*"]"#), None);
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    fn only_a_change_the_public_sees_purges_comments() {
        let event = |status, change| CommentEvent {
            comment_id: 1,
            review_id: 4,
            status,
            change,
        };
        assert_eq!(
            comment_tags(&event(CommentStatus::Approved, Change::Created)),
            Some([Tag::CommentsOf(4), Tag::Comments])
        );
        assert_eq!(
            comment_tags(&event(CommentStatus::Pending, Change::Created)),
            None
        );
        // An author's edit may have taken an approved comment back to
        // moderation.
        assert_eq!(
            comment_tags(&event(CommentStatus::Pending, Change::Edited)),
            Some([Tag::CommentsOf(4), Tag::Comments])
        );
        assert_eq!(
            comment_tags(&event(
                CommentStatus::Spam,
                Change::Moderated {
                    from: CommentStatus::Approved
                }
            )),
            Some([Tag::CommentsOf(4), Tag::Comments])
        );
    }
}
