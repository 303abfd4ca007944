//! `Film`, its filming locations, and the film queries.

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::CreditRole as DbCreditRole;
use entity::{film, film_location};

use super::common::{CreditRole, Image, Lookup, exactly_one, search_term};
use super::comparison::Comparison;
use super::context::{db, load_list, load_many};
use super::credit::Credit;
use super::ids::{self, Kind};
use super::loaders::{
    ComparisonsToFilm, CreditsOfFilm, LocationsOfFilm, PersonById, ReviewById, ReviewsOfFilm,
};
use super::pagination::{Connection, PageArgs, connection};
use super::person::Person;
use super::review::Review;
use super::tags::{self, Tag};
use crate::error::ApiResult;
use crate::service;
use crate::service::page::{Position, SortKey};

/// A film.
#[derive(Clone)]
pub struct Film(pub film::Model);

impl Film {
    pub fn position(m: &film::Model) -> Position {
        Position {
            key: SortKey::Text(m.title_normalized.clone()),
            id: m.id,
        }
    }

    /// The film's credits with `role` (every credit when `None`).
    async fn credits_as(
        &self,
        ctx: &Context<'_>,
        role: Option<DbCreditRole>,
    ) -> ApiResult<Vec<entity::credit::Model>> {
        let key = CreditsOfFilm {
            film: self.0.id,
            role,
        };
        load_list(ctx, key).await
    }

    async fn people_with(&self, ctx: &Context<'_>, role: DbCreditRole) -> ApiResult<Vec<Person>> {
        let credits = self.credits_as(ctx, Some(role)).await?;
        let keys = credits.iter().map(|c| PersonById(c.person_id)).collect();
        let people: Vec<Person> = load_many(ctx, keys)
            .await?
            .into_iter()
            .map(Person)
            .collect();
        tags::each(ctx, &people, Some(Tag::Credits));
        Ok(people)
    }
}

/// A film.
#[Object]
impl Film {
    /// The film's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Film, self.0.id)
    }

    /// The film's unique, URL-friendly name, e.g. `her`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The title, as released.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The year of first release.
    async fn release_year(&self) -> Option<i32> {
        self.0.release_year
    }

    /// A short summary of the story.
    async fn synopsis(&self) -> Option<&str> {
        self.0.synopsis.as_deref()
    }

    /// The film's poster.
    async fn poster(&self) -> Option<Image> {
        Image::from_parts(self.0.poster_url.as_deref(), self.0.poster_alt.as_deref())
    }

    /// The people who directed the film.
    async fn directors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        self.people_with(ctx, DbCreditRole::Director).await
    }

    /// The people who wrote the film.
    async fn writers(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        self.people_with(ctx, DbCreditRole::Writer).await
    }

    /// The cast, in billing order: each actor with the character played.
    async fn cast(&self, ctx: &Context<'_>) -> ApiResult<Vec<Credit>> {
        let credits = self.credits_as(ctx, Some(DbCreditRole::Actor)).await?;
        let list: Vec<Credit> = credits.into_iter().map(Credit).collect();
        tags::each(ctx, &list, Some(Tag::Credits));
        Ok(list)
    }

    /// Everyone credited who is not in the cast: directors, writers, crew.
    async fn crew(&self, ctx: &Context<'_>) -> ApiResult<Vec<Credit>> {
        let credits = self.credits_as(ctx, None).await?;
        let list: Vec<Credit> = credits
            .into_iter()
            .filter(|c| c.role != DbCreditRole::Actor)
            .map(Credit)
            .collect();
        tags::each(ctx, &list, Some(Tag::Credits));
        Ok(list)
    }

    /// Every credit on the film, or those with `role`.
    async fn credits(&self, ctx: &Context<'_>, role: Option<CreditRole>) -> ApiResult<Vec<Credit>> {
        let credits = self.credits_as(ctx, role.map(DbCreditRole::from)).await?;
        let list: Vec<Credit> = credits.into_iter().map(Credit).collect();
        tags::each(ctx, &list, Some(Tag::Credits));
        Ok(list)
    }

    /// Where the film was shot, and what those places stood in for.
    async fn filming_locations(&self, ctx: &Context<'_>) -> ApiResult<Vec<FilmingLocation>> {
        let rows: Vec<film_location::Model> = load_list(ctx, LocationsOfFilm(self.0.id)).await?;
        Ok(rows.into_iter().map(FilmingLocation::from).collect())
    }

    /// Published reviews of this film, newest first.
    async fn reviews(&self, ctx: &Context<'_>) -> ApiResult<Vec<Review>> {
        let rows = load_list(ctx, ReviewsOfFilm(self.0.id)).await?;
        let list: Vec<Review> = rows.into_iter().map(Review).collect();
        tags::each(ctx, &list, Some(Tag::Reviews));
        Ok(list)
    }

    /// Comparisons to this film drawn by published reviews and by approved
    /// reader comments.
    async fn compared_in(&self, ctx: &Context<'_>) -> ApiResult<Vec<Comparison>> {
        let rows = load_list(ctx, ComparisonsToFilm(self.0.id)).await?;
        let list: Vec<Comparison> = rows.into_iter().map(Comparison).collect();
        tags::each(ctx, &list, Some(Tag::Reviews));
        tags::tag(ctx, [Tag::Comments]);
        Ok(list)
    }

    /// Published reviews that draw a comparison to this film, newest first.
    async fn comparing_reviews(&self, ctx: &Context<'_>) -> ApiResult<Vec<Review>> {
        let rows: Vec<entity::comparison::Model> =
            load_list(ctx, ComparisonsToFilm(self.0.id)).await?;
        let mut keys: Vec<ReviewById> = rows
            .iter()
            .filter_map(|c| c.review_id)
            .map(ReviewById)
            .collect();
        keys.sort_by_key(|k| k.0);
        keys.dedup();
        let mut reviews = load_many(ctx, keys).await?;
        reviews.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.id)));
        let list: Vec<Review> = reviews.into_iter().map(Review).collect();
        tags::each(ctx, &list, Some(Tag::Reviews));
        Ok(list)
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Bumped by every editorial save. Send it back as `expectedVersion`
    /// so that a save over someone else's is refused (`EDIT_CONFLICT`).
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A place a film was shot.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FilmingLocation {
    /// The city or region, e.g. "Shanghai".
    pub place: String,
    /// A district or site within it, e.g. "Pudong".
    pub area: Option<String>,
    /// What the place plays on screen, e.g. "Los Angeles, in the near future".
    pub stands_in_for: Option<String>,
    #[graphql(skip)]
    pub film_id: i32,
}

impl From<film_location::Model> for FilmingLocation {
    fn from(m: film_location::Model) -> Self {
        Self {
            place: m.place,
            area: m.area,
            stands_in_for: m.stands_in_for,
            film_id: m.film_id,
        }
    }
}

#[ComplexObject]
impl FilmingLocation {
    /// The film shot here.
    async fn film_id(&self) -> ID {
        ids::encode(Kind::Film, self.film_id)
    }
}

/// Extra fields of a list of films.
pub struct FilmListInfo {
    search: Option<String>,
}

/// Fields of a list of films.
#[Object]
impl FilmListInfo {
    /// How many films the list holds across all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(service::film::count(db(ctx)?, self.search.as_deref()).await?)
    }
}

pub type FilmConnection = Connection<Film, FilmListInfo>;

#[derive(Default)]
pub struct FilmQuery;

/// Film queries.
#[Object]
impl FilmQuery {
    /// A film, by `slug` or by `id` (exactly one). Null when there is none.
    async fn film(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> ApiResult<Option<Film>> {
        let row = match exactly_one(slug, id, "`slug` or `id`")? {
            Lookup::First(slug) => service::film::by_slug(db(ctx)?, &slug).await?,
            Lookup::Second(id) => {
                let id = ids::decode(&id, Kind::Film, "id")?;
                service::film::by_ids(db(ctx)?, &[id]).await?.remove(&id)
            }
        };
        Ok(match row {
            Some(row) => Some(tags::one(ctx, Film(row))),
            None => {
                // None by that key yet: creating one would change the answer.
                tags::tag(ctx, [Tag::Films]);
                None
            }
        })
    }

    /// Films sorted by title, optionally those whose title contains `search`
    /// (ignoring case and accents; at most 200 characters, else
    /// `BAD_USER_INPUT`). At most 100 a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    async fn films(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<FilmConnection> {
        let request = PageArgs::new(first, after, last, before).into_request()?;
        let term = search_term(search.clone())?;
        let page =
            service::film::list(db(ctx)?, term.as_ref().map(AsRef::as_ref), &request).await?;
        let list = connection(page, FilmListInfo { search }, Film::position, Film);
        tags::nodes(ctx, &list, Tag::Films);
        Ok(list)
    }
}
