//! What a response holds, for the caches: each resolver that returns an
//! object tags it (`review:1`), each list tags the kind of list it is
//! (`reviews`), and a resolver whose answer depends on who asks marks the
//! response private. The HTTP layer reads them once the request has run
//! (see `routes::graphql::cache`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use chrono::{DateTime, Utc};

pub use crate::service::cache::Tag;

/// The tags of one request, put into it by the HTTP handler.
#[derive(Debug, Default)]
pub struct CacheTags {
    tags: Mutex<Vec<Tag>>,
    private: AtomicBool,
    /// The soonest instant at which the answer changes with no commit.
    until: Mutex<Option<DateTime<Utc>>>,
}

impl CacheTags {
    /// The tags collected, whether the answer is private, and when it
    /// changes by itself.
    pub fn take(&self) -> (Vec<Tag>, bool, Option<DateTime<Utc>>) {
        let tags = std::mem::take(
            &mut *self
                .tags
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let until = *self
            .until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (tags, self.private.load(Ordering::Relaxed), until)
    }

    fn extend(&self, tags: impl IntoIterator<Item = Tag>) {
        self.tags
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(tags);
    }
}

/// Tags the response with `tags`.
pub fn tag(ctx: &Context<'_>, tags: impl IntoIterator<Item = Tag>) {
    if let Some(collected) = ctx.data_opt::<Arc<CacheTags>>() {
        collected.extend(tags);
    }
}

/// Notes that the answer changes by itself at `at` (no commit will purge
/// it): no cache keeps it past then.
pub fn until(ctx: &Context<'_>, at: DateTime<Utc>) {
    if let Some(collected) = ctx.data_opt::<Arc<CacheTags>>() {
        let mut until = collected
            .until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *until = Some(until.map_or(at, |known| known.min(at)));
    }
}

/// Marks the response as depending on who asks: no cache keeps it.
pub fn private(ctx: &Context<'_>) {
    if let Some(collected) = ctx.data_opt::<Arc<CacheTags>>() {
        collected.private.store(true, Ordering::Relaxed);
    }
}

/// An object the caches name: what purges it.
pub trait Tagged {
    /// The tag a change to it purges; None when no tag names it, and an
    /// answer that shows it must not be cached.
    fn tag(&self) -> Option<Tag>;
}

impl Tagged for super::review::Review {
    fn tag(&self) -> Option<Tag> {
        Some(Tag::Review(self.0.id))
    }
}

impl Tagged for super::film::Film {
    fn tag(&self) -> Option<Tag> {
        Some(Tag::Film(self.0.id))
    }
}

impl Tagged for super::person::Person {
    fn tag(&self) -> Option<Tag> {
        Some(Tag::Person(self.0.id))
    }
}

/// A comment is one of its review's comments.
impl Tagged for super::comment::Comment {
    fn tag(&self) -> Option<Tag> {
        Some(Tag::CommentsOf(self.0.review_id))
    }
}

/// A credit is part of its film (`setFilmCredits` purges the film).
impl Tagged for super::credit::Credit {
    fn tag(&self) -> Option<Tag> {
        Some(Tag::Film(self.0.film_id))
    }
}

/// A review's comparison is part of the review; a comment's is one of the
/// comments (its review is not at hand).
impl Tagged for super::comparison::Comparison {
    fn tag(&self) -> Option<Tag> {
        Some(self.0.review_id.map_or(Tag::Comments, Tag::Review))
    }
}

/// Tags the response with one object (or marks it private if no tag names
/// the object), and returns the object.
pub fn one<T: Tagged>(ctx: &Context<'_>, object: T) -> T {
    each(ctx, std::slice::from_ref(&object), None);
    object
}

/// Tags the response with each of `objects`, and with `list`, the kind of
/// list they are (whose membership a change may alter).
pub fn each<T: Tagged>(ctx: &Context<'_>, objects: &[T], list: Option<Tag>) {
    each_of(ctx, objects.iter(), list)
}

/// Tags the response with the nodes of a page of `list`.
pub fn nodes<T: Tagged, I>(
    ctx: &Context<'_>,
    page: &super::pagination::Connection<T, I>,
    list: Tag,
) {
    each_of(ctx, page.page_nodes(), Some(list))
}

/// Tags the response with the nodes of a page, which belong to an object
/// already tagged (its list tag is the caller's to add).
pub fn each_node<T: Tagged, I>(ctx: &Context<'_>, page: &super::pagination::Connection<T, I>) {
    each_of(ctx, page.page_nodes(), None)
}

fn each_of<'a, T: Tagged + 'a>(
    ctx: &Context<'_>,
    objects: impl Iterator<Item = &'a T>,
    list: Option<Tag>,
) {
    let Some(collected) = ctx.data_opt::<Arc<CacheTags>>() else {
        return;
    };
    let mut tags = collected
        .tags
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tags.extend(list);
    for object in objects {
        match object.tag() {
            Some(tag) => tags.push(tag),
            None => collected.private.store(true, Ordering::Relaxed),
        }
    }
}
