//! Subscriptions: live comments for readers, the live moderation queue for
//! moderators, and reviews as they go public. Served over graphql-ws on
//! `/graphql`.

use std::sync::Arc;

use async_graphql::{Context, ID, Subscription};
use entity::enums::Role;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

use super::comment::Comment;
use super::context::{db, require_role, services};
use super::ids::{self, Kind};
use super::moderation::CommentForModeration;
use super::review::Review;
use crate::error::ApiError;
use crate::service;
use crate::service::events::CommentEvent;

/// Publishes a change to every replica's subscribers and purges the caches
/// of what the public saw of it. A failure is logged, not returned: the
/// change itself is already stored.
pub async fn announce(ctx: &Context<'_>, event: CommentEvent) {
    let published = match services(ctx) {
        Ok(services) => {
            // This replica's cache and the CDN forget the comments at once;
            // the other replicas', when the event reaches them.
            services.purger.comment_changed(&event);
            services
                .events
                .publish(event)
                .await
                .map_err(anyhow::Error::from)
        }
        Err(err) => Err(anyhow::anyhow!("{err:?}")),
    };
    if let Err(err) = published {
        tracing::warn!(error = %err, ?event, "could not announce a comment event");
    }
}

/// Tells every replica that the review `review_id` has just been published
/// or scheduled, so that `reviewPublished` subscribers hear of it at once
/// (or at its scheduled instant) rather than at the publication clock's
/// next tick. Call it once per publication, after the commit; not after
/// other edits. A failure is logged, not returned: the publication is
/// stored, and each replica's clock still finds it within a tick unless it
/// is dated in the past by more than a request may take.
pub async fn announce_publication(ctx: &Context<'_>, review_id: i32) {
    let announced = match services(ctx) {
        Ok(services) => services
            .publications
            .announce(review_id)
            .await
            .map_err(anyhow::Error::from),
        Err(err) => Err(anyhow::anyhow!("{err:?}")),
    };
    if let Err(err) = announced {
        tracing::warn!(error = %err, review_id, "could not announce a publication");
    }
}

/// The comments of events that pass `wanted`, loaded fresh as they come.
fn comments<T>(
    db: DatabaseConnection,
    events: broadcast::Receiver<CommentEvent>,
    wanted: impl Fn(&CommentEvent) -> bool + Send + Sync + 'static,
    wrap: impl Fn(entity::comment::Model) -> T + Send + Sync + 'static,
) -> impl Stream<Item = T> {
    let wanted = Arc::new(wanted);
    let wrap = Arc::new(wrap);
    futures_util::stream::unfold((db, events), move |(db, mut events)| {
        let (wanted, wrap) = (wanted.clone(), wrap.clone());
        async move {
            loop {
                let event = match events.recv().await {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "a subscriber fell behind and skipped events");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                if !wanted(&event) {
                    continue;
                }
                match service::comment::any_by_ids(&db, &[event.comment_id]).await {
                    // Still in the state the event announced (it may have
                    // changed again since).
                    Ok(mut rows) => match rows.remove(&event.comment_id) {
                        Some(row) if row.status == event.status => {
                            return Some((wrap(row), (db, events)));
                        }
                        _ => continue,
                    },
                    Err(err) => {
                        tracing::error!(error = %err, "cannot load a comment for a subscriber");
                        continue;
                    }
                }
            }
        }
    })
}

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// Live updates, over graphql-ws on `/graphql`.
#[Subscription]
impl Subscription {
    /// Comments on a review as they are published: posted by a known author,
    /// or approved by a moderator. Works across every replica. `NOT_FOUND`
    /// if the review does not exist or is not public.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        review_id: ID,
    ) -> Result<impl Stream<Item = Comment>, ApiError> {
        let review_id = ids::decode(&review_id, Kind::Review, "reviewId")?;
        // Refuse at once rather than hold a subscription that can never
        // deliver anything.
        if !service::review::by_ids(db(ctx)?, &[review_id])
            .await?
            .contains_key(&review_id)
        {
            return Err(ApiError::NotFound { what: "Review" });
        }
        let events = services(ctx)?.events.subscribe();
        Ok(comments(
            db(ctx)?.clone(),
            events,
            move |e| e.review_id == review_id && e.published(),
            Comment,
        ))
    }

    /// Reviews as they go public: published now, or scheduled and their
    /// time come (at once, or by default within a second). For frontends
    /// to revalidate the pages that show them. Works across every replica,
    /// and announces each publication once. Public: no token needed.
    async fn review_published(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Review>, ApiError> {
        let publications = services(ctx)?.publications.subscribe();
        Ok(futures_util::stream::unfold(
            publications,
            |mut publications| async move {
                loop {
                    match publications.recv().await {
                        Ok(review) => return Some((Review((*review).clone()), publications)),
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            tracing::warn!(
                                skipped,
                                "a subscriber fell behind and skipped publications"
                            );
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }

    /// Comments as they enter the moderation queue. Moderators only: send
    /// the staff token in the connection's init payload, as
    /// `{"authorization": "Bearer …"}`.
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = CommentForModeration>, ApiError> {
        require_role(ctx, Role::Moderator)?;
        let events = services(ctx)?.events.subscribe();
        Ok(comments(
            db(ctx)?.clone(),
            events,
            CommentEvent::queued,
            CommentForModeration,
        ))
    }
}
