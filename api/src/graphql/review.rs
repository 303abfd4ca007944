//! `Review`, the review queries, and their filters. The review page's
//! look-ahead is [`page`].

mod page;

use async_graphql::{Context, Enum, ID, InputObject, Object, OneofObject};
use chrono::{DateTime, Utc};
use entity::review;

use super::comment::{CommentConnection, CommentPolicy, comment_page};
use super::common::{CreditRole, Image, Lookup, OrderDirection, exactly_one};
use super::comparison::Comparison;
use super::context::{db, load_list, load_one, require_role, services};
use super::editorial::review::ReviewRevision;
use super::film::Film;
use super::ids::{self, Kind};
use super::loaders::{
    CommentCount, ComparisonsOfReview, FilmById, PersonReviewCount, ReviewById, RevisionsOfReview,
};
use super::pagination::{Connection, PageArgs, connection};
use super::prefetch;
use super::tags::{self, Tag};
use crate::domain::text::markdown_to_safe_html;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::service::comment::Thread;
use crate::service::editorial::review as editorial;
use crate::service::page::{Position, SortKey};
use crate::service::person::PersonRef as PersonRefKey;
use crate::service::review::{
    CreditFilter as CreditFilterKey, FilmRef as FilmRefKey, ReviewFilter as ReviewFilterKey,
};
use crate::service::review_page::ReviewKey;
use entity::enums::{ReviewStatus as DbReviewStatus, Role};

/// A published review of a film.
#[derive(Clone)]
pub struct Review(pub review::Model);

impl Review {
    pub fn position(m: &review::Model) -> Position {
        Position {
            key: SortKey::Time(m.published_at.unwrap_or(m.created_at)),
            id: m.id,
        }
    }

    /// The body in Markdown. A page of reviews whose selection does not
    /// ask for bodies reads them blank (see `prefetch`); should a blank
    /// one be asked for after all, it is read now, so a body is never
    /// served blank unless it is.
    async fn body(&self, ctx: &Context<'_>) -> ApiResult<String> {
        if !self.0.body_markdown.is_empty() {
            return Ok(self.0.body_markdown.clone());
        }
        Ok(load_one(ctx, ReviewById(self.0.id))
            .await?
            .map(|m| m.body_markdown)
            .unwrap_or_default())
    }
}

/// A published review of a film.
#[Object]
impl Review {
    /// The review's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Review, self.0.id)
    }

    /// The review's unique, URL-friendly name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The headline.
    async fn headline(&self) -> &str {
        &self.0.headline
    }

    /// Who wrote the review, when the publication credits someone.
    async fn byline(&self) -> Option<&str> {
        self.0.byline.as_deref()
    }

    /// The film reviewed.
    async fn film(&self, ctx: &Context<'_>) -> ApiResult<Film> {
        load_one(ctx, FilmById(self.0.film_id))
            .await?
            .map(|m| tags::one(ctx, Film(m)))
            .ok_or(ApiError::NotFound { what: "Film" })
    }

    /// The body in Markdown, paragraphs separated by blank lines.
    async fn body_markdown(&self, ctx: &Context<'_>) -> ApiResult<String> {
        self.body(ctx).await
    }

    /// The body rendered as HTML that is safe to embed: raw HTML in the
    /// source is escaped, and only http(s), mailto and relative links are kept.
    async fn body_html(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(markdown_to_safe_html(&self.body(ctx).await?))
    }

    /// A plain-text summary for lists and link previews.
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }

    /// The bottom line: who the film is for.
    async fn verdict(&self) -> Option<&str> {
        self.0.verdict.as_deref()
    }

    /// The image that heads the review.
    async fn poster(&self) -> Option<Image> {
        Image::from_parts(self.0.poster_url.as_deref(), self.0.poster_alt.as_deref())
    }

    /// When the review was published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// When the review last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Where the review stands: `PUBLISHED` for every review the public
    /// can see; `DRAFT` or `SCHEDULED` only for editors.
    async fn status(&self) -> ReviewStatus {
        match (self.0.status, self.0.published_at) {
            (DbReviewStatus::Published, Some(at)) if at > service::now() => ReviewStatus::Scheduled,
            (DbReviewStatus::Published, _) => ReviewStatus::Published,
            (DbReviewStatus::Draft, _) => ReviewStatus::Draft,
        }
    }

    /// Bumped by every editorial save. Send it back as `expectedVersion`
    /// so that a save over someone else's is refused (`EDIT_CONFLICT`).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Every saved version of the text, newest first, with what each
    /// changed. EDITOR or ADMIN only.
    async fn revisions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReviewRevision>> {
        require_role(ctx, Role::Editor)?;
        let rows = load_list(ctx, RevisionsOfReview(self.0.id)).await?;
        Ok(rows.into_iter().map(ReviewRevision).collect())
    }

    /// The comparisons the review draws to other films, in order.
    async fn comparisons(&self, ctx: &Context<'_>) -> ApiResult<Vec<Comparison>> {
        let rows = load_list(ctx, ComparisonsOfReview(self.0.id)).await?;
        let list: Vec<Comparison> = rows.into_iter().map(Comparison).collect();
        tags::each(ctx, &list, None);
        Ok(list)
    }

    /// Approved reader comments: top-level ones with their replies below
    /// them (`THREADED`, the default), or every comment in time order
    /// (`FLAT`); oldest first unless `order` is `DESC`. At most 100 a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    #[allow(clippy::too_many_arguments)]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] layout: CommentLayout,
        #[graphql(default_with = "OrderDirection::Asc")] order: OrderDirection,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<CommentConnection> {
        let thread = match layout {
            CommentLayout::Threaded => Thread::TopLevel,
            CommentLayout::Flat => Thread::Flat,
        };
        comment_page(
            ctx,
            thread,
            order,
            self.0.id,
            PageArgs::new(first, after, last, before),
        )
        .await
    }

    /// How many approved comments the review has, replies included: the
    /// "N thoughts on" figure.
    async fn comment_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        tags::tag(ctx, [Tag::CommentsOf(self.0.id)]);
        let key = CommentCount {
            thread: Thread::Flat,
            parent: self.0.id,
        };
        Ok(load_one(ctx, key).await?.unwrap_or(0))
    }

    /// How a comment form for this review should behave: whether comments
    /// are open, which fields are required, and their limits.
    async fn comment_policy(&self, ctx: &Context<'_>) -> ApiResult<CommentPolicy> {
        let policy = &services(ctx)?.policy;
        // Comments close at their time with no commit to purge the caches.
        if let Some(closes) = policy.closes_at(&self.0)
            && closes > service::now()
        {
            tags::until(ctx, closes);
        }
        Ok(CommentPolicy::for_review(&self.0, policy))
    }
}

/// How a review's comments are listed.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum CommentLayout {
    /// Top-level comments only; each has its `replies`.
    #[default]
    Threaded,
    /// Every comment, replies included, in time order.
    Flat,
}

/// Extra fields of a list of reviews.
pub enum ReviewListInfo {
    Filtered(ReviewFilterKey),
    OfPerson(PersonReviewCount),
}

/// Fields of a list of reviews.
#[Object]
impl ReviewListInfo {
    /// How many reviews the list holds across all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        match self {
            Self::Filtered(filter) => Ok(service::review::count(db(ctx)?, filter).await?),
            Self::OfPerson(key) => Ok(load_one(ctx, *key).await?.unwrap_or(0)),
        }
    }
}

pub type ReviewConnection = Connection<Review, ReviewListInfo>;

/// A person, named one way.
#[derive(OneofObject, Clone)]
#[graphql(name = "PersonRef")]
pub enum PersonRefInput {
    /// By global ID.
    Id(ID),
    /// By slug, e.g. `spike-jonze`.
    Slug(String),
    /// By name, ignoring case and accents: "scarlett johansson" matches
    /// "Scarlett Johansson".
    Name(String),
}

impl PersonRefInput {
    fn into_key(self, argument: &'static str) -> ApiResult<PersonRefKey> {
        Ok(match self {
            Self::Id(id) => PersonRefKey::Id(ids::decode(&id, Kind::Person, argument)?),
            Self::Slug(slug) => PersonRefKey::Slug(slug),
            Self::Name(name) => PersonRefKey::Name(name),
        })
    }
}

/// A film, named one way.
#[derive(OneofObject, Clone)]
#[graphql(name = "FilmRef")]
pub enum FilmRefInput {
    /// By global ID.
    Id(ID),
    /// By slug, e.g. `her`.
    Slug(String),
}

impl FilmRefInput {
    fn into_key(self, argument: &'static str) -> ApiResult<FilmRefKey> {
        Ok(match self {
            Self::Id(id) => FilmRefKey::Id(ids::decode(&id, Kind::Film, argument)?),
            Self::Slug(slug) => FilmRefKey::Slug(slug),
        })
    }
}

/// Films on which a person has a role.
#[derive(InputObject, Clone)]
pub struct CreditFilter {
    /// The person.
    pub person: PersonRefInput,
    /// The role; any role when absent.
    pub role: Option<CreditRole>,
}

/// Which reviews to list. Every condition given must hold; an unknown
/// person or film matches no review.
#[derive(InputObject, Clone, Default)]
pub struct ReviewFilter {
    /// Reviews of films directed by this person.
    pub director: Option<PersonRefInput>,
    /// Reviews of films in which this person acts (voice parts included).
    pub actor: Option<PersonRefInput>,
    /// Reviews of films on which this person has a role.
    pub credit: Option<CreditFilter>,
    /// Reviews of this film.
    pub film: Option<FilmRefInput>,
    /// Reviews that compare the film to a film this person is credited on,
    /// or to this person's performance.
    pub compares_to_person: Option<PersonRefInput>,
    /// Reviews that compare the film to this film.
    pub compares_to_film: Option<FilmRefInput>,
    /// Reviews published at or after this instant.
    pub published_after: Option<DateTime<Utc>>,
    /// Reviews published before this instant.
    pub published_before: Option<DateTime<Utc>>,
}

impl ReviewFilter {
    fn into_key(self) -> ApiResult<ReviewFilterKey> {
        let mut credits = Vec::new();
        if let Some(p) = self.director {
            credits.push(credit_filter(
                p.into_key("filter.director")?,
                Some(CreditRole::Director),
            ));
        }
        if let Some(p) = self.actor {
            credits.push(credit_filter(
                p.into_key("filter.actor")?,
                Some(CreditRole::Actor),
            ));
        }
        if let Some(c) = self.credit {
            credits.push(credit_filter(
                c.person.into_key("filter.credit.person")?,
                c.role,
            ));
        }
        Ok(ReviewFilterKey {
            credits,
            film: self.film.map(|f| f.into_key("filter.film")).transpose()?,
            compares_to_person: self
                .compares_to_person
                .map(|p| p.into_key("filter.comparesToPerson"))
                .transpose()?,
            compares_to_film: self
                .compares_to_film
                .map(|f| f.into_key("filter.comparesToFilm"))
                .transpose()?,
            published_after: self.published_after,
            published_before: self.published_before,
        })
    }
}

fn credit_filter(person: PersonRefKey, role: Option<CreditRole>) -> CreditFilterKey {
    CreditFilterKey {
        person,
        role: role.map(Into::into),
    }
}

/// Where a review stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Not published; only editors see it.
    Draft,
    /// Published with a time still to come; only editors see it until then.
    Scheduled,
    /// Public.
    Published,
}

/// What reviews can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ReviewOrderField {
    /// Publication date (ties broken by id).
    #[default]
    PublishedAt,
}

/// How to sort reviews.
#[derive(InputObject, Clone, Copy, Default)]
pub struct ReviewOrder {
    /// The field to sort by.
    #[graphql(default)]
    pub field: ReviewOrderField,
    /// The direction; newest first by default.
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(Default)]
pub struct ReviewQuery;

/// Review queries.
#[Object]
impl ReviewQuery {
    /// A published review, by `slug` (an old slug works too; the review's
    /// `slug` is the current one) or by `id` (exactly one). Null when there
    /// is none. With an EDITOR or ADMIN token, drafts and scheduled
    /// reviews too.
    async fn review(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> ApiResult<Option<Review>> {
        let key = match exactly_one(slug, id, "`slug` or `id`")? {
            Lookup::First(slug) => ReviewKey::Slug(slug),
            Lookup::Second(id) => ReviewKey::Id(ids::decode(&id, Kind::Review, "id")?),
        };
        if let Some(found) = page::review(ctx, key.clone()).await? {
            return Ok(Some(tags::one(ctx, Review(found))));
        }
        // None by that key yet: publishing one would change the answer.
        tags::tag(ctx, [Tag::Reviews]);
        // Not public by that key (the lookup by slug follows old slugs
        // too): editors also see drafts and scheduled reviews.
        if require_role(ctx, Role::Editor).is_ok() {
            let row = match &key {
                ReviewKey::Slug(slug) => editorial::any_by_slug(db(ctx)?, slug).await?,
                ReviewKey::Id(id) => editorial::any_by_id(db(ctx)?, *id).await?,
            };
            return Ok(row.map(Review));
        }
        Ok(None)
    }

    /// Published reviews, newest first unless `orderBy` says otherwise,
    /// narrowed by `filter`: by director, by actor, by any person and role,
    /// by film, by comparison and by publication date. At most 100 a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    #[allow(clippy::too_many_arguments)]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReviewFilter>,
        order_by: Option<ReviewOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<ReviewConnection> {
        let request = PageArgs::new(first, after, last, before).into_request()?;
        let filter = filter.unwrap_or_default().into_key()?;
        let ReviewOrder { field, direction } = order_by.unwrap_or_default();
        let ReviewOrderField::PublishedAt = field;
        let page = if let Some(films) = prefetch::films_wanted(ctx) {
            let page = service::review::list_with_films(
                db(ctx)?,
                &filter,
                direction.into(),
                &request,
                films.bodies(),
            )
            .await?;
            films.feed(ctx, page).await?
        } else {
            service::review::list(db(ctx)?, &filter, direction.into(), &request).await?
        };
        let list = connection(
            page,
            ReviewListInfo::Filtered(filter),
            Review::position,
            Review,
        );
        tags::nodes(ctx, &list, Tag::Reviews);
        Ok(list)
    }
}
