//! `Person` and the people queries.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::enums::CreditRole as DbCreditRole;
use entity::{credit, person};

use super::common::{CreditRole, Lookup, exactly_one, search_term};
use super::context::{db, load_list, load_many, load_one};
use super::credit::Credit;
use super::film::Film;
use super::ids::{self, Kind};
use super::loaders::{CreditsOfPerson, FilmById, PersonReviewCount, PersonReviewPage};
use super::pagination::{Connection, PageArgs, connection};
use super::review::{Review, ReviewConnection, ReviewListInfo};
use super::tags::{self, Tag};
use crate::error::ApiResult;
use crate::service;
use crate::service::page::{Position, SortKey};

/// A person who works on films: a director, a writer, an actor.
#[derive(Clone)]
pub struct Person(pub person::Model);

impl Person {
    pub fn position(m: &person::Model) -> Position {
        Position {
            key: SortKey::Text(m.name_normalized.clone()),
            id: m.id,
        }
    }

    async fn credits_as(
        &self,
        ctx: &Context<'_>,
        role: Option<CreditRole>,
    ) -> ApiResult<Vec<credit::Model>> {
        let role = role.map(DbCreditRole::from);
        let rows: Vec<credit::Model> = load_list(ctx, CreditsOfPerson(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .filter(|c| role.is_none_or(|r| r == c.role))
            .collect())
    }
}

/// A person who works on films: a director, a writer, an actor.
#[Object]
impl Person {
    /// The person's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Person, self.0.id)
    }

    /// The person's unique, URL-friendly name, e.g. `spike-jonze`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The name, as credited.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The person's credits, or those with `role`.
    async fn credits(&self, ctx: &Context<'_>, role: Option<CreditRole>) -> ApiResult<Vec<Credit>> {
        let list: Vec<Credit> = self
            .credits_as(ctx, role)
            .await?
            .into_iter()
            .map(Credit)
            .collect();
        tags::each(ctx, &list, Some(Tag::Credits));
        Ok(list)
    }

    /// The films the person is credited on (with `role`, or in any role),
    /// oldest first.
    async fn filmography(
        &self,
        ctx: &Context<'_>,
        role: Option<CreditRole>,
    ) -> ApiResult<Vec<Film>> {
        let mut keys: Vec<FilmById> = self
            .credits_as(ctx, role)
            .await?
            .iter()
            .map(|c| FilmById(c.film_id))
            .collect();
        keys.sort_by_key(|k| k.0);
        keys.dedup();
        let mut films = load_many(ctx, keys).await?;
        films.sort_by(|a, b| {
            (a.release_year, &a.title_normalized, a.id).cmp(&(
                b.release_year,
                &b.title_normalized,
                b.id,
            ))
        });
        let list: Vec<Film> = films.into_iter().map(Film).collect();
        tags::each(ctx, &list, Some(Tag::Credits));
        Ok(list)
    }

    /// Published reviews of the films this person is credited on (with
    /// `role`, or in any role), newest first. At most 100 a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        role: Option<CreditRole>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<ReviewConnection> {
        let request = PageArgs::new(first, after, last, before).into_request()?;
        let role = role.map(DbCreditRole::from);
        let key = PersonReviewPage {
            person: self.0.id,
            role,
            request: request.clone(),
        };
        let page = load_one(ctx, key)
            .await?
            .unwrap_or_else(|| request.finish(Vec::new()));
        let info = ReviewListInfo::OfPerson(PersonReviewCount {
            person: self.0.id,
            role,
        });
        let list = connection(page, info, Review::position, Review);
        tags::nodes(ctx, &list, Tag::Reviews);
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

/// Extra fields of a list of people.
pub struct PersonListInfo {
    search: Option<String>,
}

/// Fields of a list of people.
#[Object]
impl PersonListInfo {
    /// How many people the list holds across all pages. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(service::person::count(db(ctx)?, self.search.as_deref()).await?)
    }
}

pub type PersonConnection = Connection<Person, PersonListInfo>;

#[derive(Default)]
pub struct PersonQuery;

/// People queries.
#[Object]
impl PersonQuery {
    /// A person, by `slug` or by `id` (exactly one). Null when there is none.
    async fn person(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> ApiResult<Option<Person>> {
        let row = match exactly_one(slug, id, "`slug` or `id`")? {
            Lookup::First(slug) => service::person::by_slug(db(ctx)?, &slug).await?,
            Lookup::Second(id) => {
                let id = ids::decode(&id, Kind::Person, "id")?;
                service::person::by_ids(db(ctx)?, &[id]).await?.remove(&id)
            }
        };
        Ok(match row {
            Some(row) => Some(tags::one(ctx, Person(row))),
            None => {
                // None by that key yet: creating one would change the answer.
                tags::tag(ctx, [Tag::People]);
                None
            }
        })
    }

    /// People sorted by name, optionally those whose name contains `search`
    /// (ignoring case and accents: "zoe" finds "Zoë"; at most 200 characters,
    /// else `BAD_USER_INPUT`). At most 100 a page.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, last)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<PersonConnection> {
        let request = PageArgs::new(first, after, last, before).into_request()?;
        let term = search_term(search.clone())?;
        let page =
            service::person::list(db(ctx)?, term.as_ref().map(AsRef::as_ref), &request).await?;
        let list = connection(page, PersonListInfo { search }, Person::position, Person);
        tags::nodes(ctx, &list, Tag::People);
        Ok(list)
    }
}
