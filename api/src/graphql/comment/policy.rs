//! The comment policy a form renders from.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use entity::review;

use crate::domain;
use crate::service::moderation::Policy;

/// A field of the comment form.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommentField {
    /// `authorName`.
    AuthorName,
    /// `authorEmail`: never published.
    AuthorEmail,
    /// `authorUrl`.
    AuthorUrl,
    /// `body`.
    Body,
}

/// The limits of the comment form, in UTF-8 bytes (WordPress's).
#[derive(SimpleObject, Clone, Copy)]
pub struct CommentLimits {
    /// Longest `authorName`.
    pub author_name_max_bytes: i32,
    /// Longest `authorEmail`.
    pub author_email_max_bytes: i32,
    /// Longest `authorUrl`.
    pub author_url_max_bytes: i32,
    /// Longest `body`.
    pub body_max_bytes: i32,
}

/// How a review's comment form behaves. A client can render the form from it.
#[derive(SimpleObject, Clone)]
pub struct CommentPolicy {
    /// Whether new comments are accepted now.
    pub open: bool,
    /// When comments close by age, if they do.
    pub closes_at: Option<DateTime<Utc>>,
    /// Fields a comment must have.
    pub required_fields: Vec<CommentField>,
    /// Fields a comment may have.
    pub optional_fields: Vec<CommentField>,
    /// Whether the author's email is ever shown to the public. Always false.
    pub email_published: bool,
    /// The notice to show above the form.
    pub notice: String,
    /// Length limits.
    pub limits: CommentLimits,
    /// How deep replies may nest: 1 allows replies to top-level comments only.
    pub max_reply_depth: i32,
    /// Least seconds between two comments from one address or email.
    pub flood_interval_seconds: u64,
    /// Seconds after posting during which the author may edit or delete.
    pub edit_window_seconds: u64,
}

impl CommentPolicy {
    pub fn for_review(review: &review::Model, policy: &Policy) -> Self {
        Self {
            open: policy.is_open(review, chrono::Utc::now()),
            closes_at: policy.closes_at(review),
            required_fields: vec![
                CommentField::AuthorName,
                CommentField::AuthorEmail,
                CommentField::Body,
            ],
            optional_fields: vec![CommentField::AuthorUrl],
            email_published: false,
            notice: "Your email address will not be published. Required fields are marked *".into(),
            limits: CommentLimits {
                author_name_max_bytes: domain::author_name::MAX_BYTES as i32,
                author_email_max_bytes: domain::email::MAX_BYTES as i32,
                author_url_max_bytes: domain::author_url::MAX_BYTES as i32,
                body_max_bytes: domain::comment_body::MAX_BYTES as i32,
            },
            max_reply_depth: policy.max_depth,
            flood_interval_seconds: policy.flood_interval.as_secs(),
            edit_window_seconds: policy.edit_window.as_secs(),
        }
    }
}
