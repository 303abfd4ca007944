//! Review mutations: drafts, publication (now or scheduled), revisions and
//! comparisons; and `ReviewRevision`, a saved version of a review's text.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    Checks, DeleteInput, DeletePayload, EditorialError, ImageInput, change, editor, poster,
    poster_change, settle,
};
use crate::domain::editorial::{Line, Prose};
use crate::error::ApiResult;
use crate::graphql::context::db;
use crate::graphql::ids::Kind;
use crate::graphql::live::announce_publication;
use crate::graphql::review::Review;
use crate::service::editorial::review::{
    self as reviews, NewComparison, NewReview, ReviewChanges, Revision,
};

/// Most bytes of a headline.
const HEADLINE_BYTES: usize = 300;
/// Most bytes of a byline.
const BYLINE_BYTES: usize = 300;
/// Most bytes of a review's body.
const BODY_BYTES: usize = 200_000;
/// Most bytes of an excerpt.
const EXCERPT_BYTES: usize = 2_000;
/// Most bytes of a verdict.
const VERDICT_BYTES: usize = 5_000;
/// Most bytes of a comparison's note.
const NOTE_BYTES: usize = 2_000;

/// A new review. It is saved as a draft; `publishReview` publishes it.
#[derive(InputObject)]
pub struct CreateReviewInput {
    /// The film reviewed.
    pub film_id: ID,
    /// The headline. Required; at most 300 bytes.
    pub headline: String,
    /// The URL slug; made from the headline (and made unique) when absent.
    pub slug: Option<String>,
    /// Who wrote it. At most 300 bytes.
    pub byline: Option<String>,
    /// The body in Markdown. Required; at most 200,000 bytes.
    pub body_markdown: String,
    /// A plain-text summary; the body's first paragraph when absent. At
    /// most 2,000 bytes.
    pub excerpt: Option<String>,
    /// The bottom line: who the film is for. At most 5,000 bytes.
    pub verdict: Option<String>,
    /// The image that heads the review.
    pub poster: Option<ImageInput>,
    /// Whether readers may comment.
    #[graphql(default = true)]
    pub comments_open: bool,
}

impl CreateReviewInput {
    fn validate(self) -> Result<NewReview, Vec<EditorialError>> {
        let mut checks = Checks::default();
        let film_id = checks.id("filmId", &self.film_id, Kind::Film);
        let headline = checks.keep(Line::parse("headline", &self.headline, HEADLINE_BYTES));
        let slug = checks.slug("slug", self.slug.as_deref());
        let byline = checks.keep(Line::optional(
            "byline",
            self.byline.as_deref(),
            BYLINE_BYTES,
        ));
        let body = checks.keep(Prose::parse(
            "bodyMarkdown",
            &self.body_markdown,
            BODY_BYTES,
        ));
        let excerpt = checks.keep(Prose::optional(
            "excerpt",
            self.excerpt.as_deref(),
            EXCERPT_BYTES,
        ));
        let verdict = checks.keep(Prose::optional(
            "verdict",
            self.verdict.as_deref(),
            VERDICT_BYTES,
        ));
        let poster = match self.poster {
            Some(image) => poster(&mut checks, "poster", image).map(Some),
            None => Some(None),
        };
        checks.finish(|| {
            Some(NewReview {
                film_id: film_id?,
                headline: headline?,
                slug: slug?,
                byline: byline?,
                body: body?,
                excerpt: excerpt?,
                verdict: verdict?,
                poster: poster?,
                comments_open: self.comments_open,
            })
        })
    }
}

/// Changes to a review. Absent fields stay as they are; `null` clears a
/// nullable one. A change to the headline, body, excerpt or verdict is
/// kept as a new revision.
#[derive(InputObject)]
pub struct UpdateReviewInput {
    /// The review.
    pub id: ID,
    /// The `version` the editor started from. If someone saved since, the
    /// answer is `EDIT_CONFLICT` and nothing changes.
    pub expected_version: i32,
    /// Another film.
    pub film_id: Option<ID>,
    /// A new headline. At most 300 bytes.
    pub headline: Option<String>,
    /// A new slug. The old one keeps working as an alias.
    pub slug: Option<String>,
    /// The byline, or null.
    pub byline: MaybeUndefined<String>,
    /// A new body in Markdown. At most 200,000 bytes.
    pub body_markdown: Option<String>,
    /// A new excerpt. At most 2,000 bytes.
    pub excerpt: Option<String>,
    /// The verdict, or null.
    pub verdict: MaybeUndefined<String>,
    /// The poster, or null.
    pub poster: MaybeUndefined<ImageInput>,
    /// Whether readers may comment.
    pub comments_open: Option<bool>,
}

impl UpdateReviewInput {
    fn validate(self) -> Result<(i32, ReviewChanges), Vec<EditorialError>> {
        let mut checks = Checks::default();
        let id = checks.id("id", &self.id, Kind::Review);
        let film_id = match &self.film_id {
            Some(film) => checks.id("filmId", film, Kind::Film).map(Some),
            None => Some(None),
        };
        let headline = checks.keep(
            self.headline
                .map(|h| Line::parse("headline", &h, HEADLINE_BYTES))
                .transpose(),
        );
        let slug = checks.slug("slug", self.slug.as_deref());
        let byline = change(&mut checks, self.byline, |b| {
            Line::optional("byline", Some(&b), BYLINE_BYTES)
        });
        let body = checks.keep(
            self.body_markdown
                .map(|b| Prose::parse("bodyMarkdown", &b, BODY_BYTES))
                .transpose(),
        );
        let excerpt = checks.keep(
            self.excerpt
                .map(|e| Prose::parse("excerpt", &e, EXCERPT_BYTES))
                .transpose(),
        );
        let verdict = change(&mut checks, self.verdict, |v| {
            Prose::optional("verdict", Some(&v), VERDICT_BYTES)
        });
        let poster = poster_change(&mut checks, "poster", self.poster);
        checks.finish(|| {
            Some((
                id?,
                ReviewChanges {
                    film_id: film_id?,
                    headline: headline?,
                    slug: slug?,
                    byline: byline?,
                    body: body?,
                    excerpt: excerpt?,
                    verdict: verdict?,
                    poster: poster?,
                    comments_open: self.comments_open,
                },
            ))
        })
    }
}

/// One comparison a review draws.
#[derive(InputObject, Clone)]
pub struct ComparisonInput {
    /// The film compared to.
    pub film_id: ID,
    /// The person whose performance in that film is the point, if any.
    pub person_id: Option<ID>,
    /// Why the comparison is drawn. Required; at most 2,000 bytes.
    pub note: String,
    /// Whether the review recommends the compared film.
    #[graphql(default)]
    pub recommended: bool,
}

/// A review's comparisons, replacing what it had.
#[derive(InputObject)]
pub struct SetReviewComparisonsInput {
    /// The review.
    pub review_id: ID,
    /// The review's `version` the editor started from (`EDIT_CONFLICT` if
    /// it moved). Setting comparisons makes a new version of the review.
    pub expected_version: i32,
    /// Every comparison, in order. At most 100.
    pub comparisons: Vec<ComparisonInput>,
}

impl SetReviewComparisonsInput {
    fn validate(self) -> Result<(i32, Vec<NewComparison>), Vec<EditorialError>> {
        let mut checks = Checks::default();
        let review_id = checks.id("reviewId", &self.review_id, Kind::Review);
        let mut list = Vec::with_capacity(self.comparisons.len());
        for (i, c) in self.comparisons.into_iter().enumerate() {
            let mut entry = Checks::default();
            let film_id = entry.id("filmId", &c.film_id, Kind::Film);
            let person_id = match &c.person_id {
                Some(p) => entry.id("personId", p, Kind::Person).map(Some),
                None => Some(None),
            };
            let note = entry.keep(Prose::parse("note", &c.note, NOTE_BYTES));
            if let (Some(film_id), Some(person_id), Some(note)) = (film_id, person_id, note) {
                list.push(NewComparison {
                    film_id,
                    person_id,
                    note,
                    recommended: c.recommended,
                });
            }
            let at = format!("comparisons.{i}");
            checks.extend(entry.0.into_iter().map(|e| e.within(&at)).collect());
        }
        checks.finish(|| Some((review_id?, list)))
    }
}

/// Puts back a saved version's text.
#[derive(InputObject)]
pub struct RestoreReviewRevisionInput {
    /// The review.
    pub review_id: ID,
    /// The review's `version` the editor started from.
    pub expected_version: i32,
    /// The revision to restore, by its `version`.
    pub revision: i32,
}

/// The result of a change to a review.
#[derive(SimpleObject)]
pub struct ReviewPayload {
    /// The review as saved, draft or not; null when `errors` is not empty.
    pub review: Option<Review>,
    /// Why nothing was saved; empty on success.
    pub errors: Vec<EditorialError>,
}

impl ReviewPayload {
    fn settle(result: ApiResult<entity::review::Model>) -> ApiResult<Self> {
        settle(
            result,
            |row| Self {
                review: Some(Review(row)),
                errors: Vec::new(),
            },
            Self::refused,
        )
    }

    fn refused(errors: Vec<EditorialError>) -> Self {
        Self {
            review: None,
            errors,
        }
    }
}

/// A review id argument, decoded, or the payload refusing it.
fn review_id(id: &ID, field: &'static str) -> Result<i32, Vec<EditorialError>> {
    let mut checks = Checks::default();
    let id = checks.id(field, id, Kind::Review);
    checks.finish(|| id)
}

#[derive(Default)]
pub struct ReviewMutation;

/// Review mutations, for editors.
#[Object]
impl ReviewMutation {
    /// Creates a review as a draft. EDITOR or ADMIN.
    async fn create_review(
        &self,
        ctx: &Context<'_>,
        input: CreateReviewInput,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        match input.validate() {
            Ok(new) => ReviewPayload::settle(reviews::create(db(ctx)?, &actor, new).await),
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }

    /// Changes a review, if nobody saved it since `expectedVersion`. The
    /// previous text is kept as a revision. EDITOR or ADMIN.
    async fn update_review(
        &self,
        ctx: &Context<'_>,
        input: UpdateReviewInput,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        let expected = input.expected_version;
        match input.validate() {
            Ok((id, changes)) => ReviewPayload::settle(
                reviews::update(db(ctx)?, &actor, id, expected, changes).await,
            ),
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }

    /// Deletes a review with its comparisons and revisions.
    /// `STILL_REFERENCED` while it has reader comments (unpublish it
    /// instead). EDITOR or ADMIN.
    async fn delete_review(
        &self,
        ctx: &Context<'_>,
        input: DeleteInput,
    ) -> ApiResult<DeletePayload> {
        let actor = editor(ctx)?;
        match review_id(&input.id, "id") {
            Ok(id) => DeletePayload::settle(
                reviews::delete(db(ctx)?, &actor, id, input.expected_version).await,
                input.id,
            ),
            Err(errors) => Ok(DeletePayload::refused(errors)),
        }
    }

    /// Publishes a review now, or at `at`. A time to come schedules it: it
    /// appears in every public query at that moment, on every replica.
    /// With `expectedVersion`, `EDIT_CONFLICT` if someone saved since.
    /// EDITOR or ADMIN.
    async fn publish_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        match review_id(&id, "id") {
            Ok(id) => {
                let published = reviews::publish(db(ctx)?, &actor, id, expected_version, at).await;
                if published.is_ok() {
                    // Wakes every replica's publication clock: `reviewPublished`
                    // fires now, or learns the scheduled time.
                    announce_publication(ctx, id).await;
                }
                ReviewPayload::settle(published)
            }
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }

    /// Returns a review to draft; the public no longer sees it. EDITOR or
    /// ADMIN.
    async fn unpublish_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        match review_id(&id, "id") {
            Ok(id) => ReviewPayload::settle(
                reviews::unpublish(db(ctx)?, &actor, id, expected_version).await,
            ),
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }

    /// Sets a review's comparisons in one call, replacing what it had.
    /// EDITOR or ADMIN.
    async fn set_review_comparisons(
        &self,
        ctx: &Context<'_>,
        input: SetReviewComparisonsInput,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        let expected = input.expected_version;
        match input.validate() {
            Ok((id, list)) => ReviewPayload::settle(
                reviews::set_comparisons(db(ctx)?, &actor, id, expected, list).await,
            ),
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }

    /// Puts a saved revision's headline, body, excerpt and verdict back, as
    /// a new revision. EDITOR or ADMIN.
    async fn restore_review_revision(
        &self,
        ctx: &Context<'_>,
        input: RestoreReviewRevisionInput,
    ) -> ApiResult<ReviewPayload> {
        let actor = editor(ctx)?;
        match review_id(&input.review_id, "reviewId") {
            Ok(id) => ReviewPayload::settle(
                reviews::restore(db(ctx)?, &actor, id, input.expected_version, input.revision)
                    .await,
            ),
            Err(errors) => Ok(ReviewPayload::refused(errors)),
        }
    }
}

/// A saved version of a review's text. Editors only.
pub struct ReviewRevision(pub Revision);

/// A saved version of a review's text. Editors only.
#[Object]
impl ReviewRevision {
    /// The review's `version` this text was saved as.
    async fn version(&self) -> i32 {
        self.0.row.version
    }

    /// The headline as saved.
    async fn headline(&self) -> &str {
        &self.0.row.headline
    }

    /// The body in Markdown as saved.
    async fn body_markdown(&self) -> &str {
        &self.0.row.body_markdown
    }

    /// The excerpt as saved.
    async fn excerpt(&self) -> &str {
        &self.0.row.excerpt
    }

    /// The verdict as saved.
    async fn verdict(&self) -> Option<&str> {
        self.0.row.verdict.as_deref()
    }

    /// Who saved it (the staff token's name).
    async fn saved_by(&self) -> &str {
        &self.0.row.actor_name
    }

    /// When it was saved.
    async fn saved_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    /// The fields this version changed from the one before it
    /// (`headline`, `bodyMarkdown`, `excerpt`, `verdict`); all four for the
    /// first.
    async fn changed_fields(&self) -> Vec<&'static str> {
        self.0.changed.clone()
    }
}
