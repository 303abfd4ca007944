//! Loading a page's relations before its items resolve, in as few
//! statements as the selection allows.
//!
//! A list resolver looks ahead at what the client selected under its items
//! and loads it for the whole page at once: for a page of reviews, the
//! films come in the page's own statement (a join), and the credits of the
//! roles asked for, each with its person, in one more. The results are fed
//! to the request's DataLoader cache, so the items' resolvers find them
//! there at once: no batching delay, no extra round trip, and the same
//! statement count for every page size.

use async_graphql::{Context, Lookahead};
use entity::enums::CreditRole;
use entity::{film, review};

use super::context::{data, db};
use super::loaders::{AppLoader, CreditsOfFilm, FilmById, PersonById, credits_by_key, roles_of};
use crate::error::ApiResult;
use crate::service;
use crate::service::page::Page;

/// `Film` fields that read credits by a fixed role, and the role each reads
/// (`None`: every role). `credits` reads the role of its argument.
pub(super) const ROLE_FIELDS: [(&str, Option<CreditRole>); 4] = [
    ("directors", Some(CreditRole::Director)),
    ("writers", Some(CreditRole::Writer)),
    ("cast", Some(CreditRole::Actor)),
    ("crew", None),
];

/// A review connection's items (through `edges { node }` and `nodes`).
fn items<'a>(look: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [look.field("edges").field("node"), look.field("nodes")]
}

/// What the items of a review connection read of their films: each
/// credit field's role (`None`: every role); and whether they read their
/// own bodies.
pub struct FilmsWanted {
    credit_roles: Vec<Option<CreditRole>>,
    bodies: bool,
}

/// What the review connection being resolved reads of its items' films, or
/// `None` when it does not select `film`. With `Some`, fetch the page with
/// [`service::review::list_with_films`] and hand it to [`FilmsWanted::feed`].
pub fn films_wanted(ctx: &Context<'_>) -> Option<FilmsWanted> {
    let look = ctx.look_ahead();
    let items = items(&look);
    let films: Vec<Lookahead<'_>> = items
        .iter()
        .map(|node| node.field("film"))
        .filter(Lookahead::exists)
        .collect();
    if films.is_empty() {
        return None;
    }
    let bodies = items
        .iter()
        .any(|node| node.field("bodyMarkdown").exists() || node.field("bodyHtml").exists());
    let mut credit_roles = Vec::new();
    // `credits` is read for every role here, whatever its argument.
    for (field, role) in ROLE_FIELDS.into_iter().chain([("credits", None)]) {
        if films.iter().any(|f| f.field(field).exists()) && !credit_roles.contains(&role) {
            credit_roles.push(role);
        }
    }
    Some(FilmsWanted {
        credit_roles,
        bodies,
    })
}

impl FilmsWanted {
    /// Whether the page's reviews must be read with their bodies.
    pub fn bodies(&self) -> bool {
        self.bodies
    }

    /// Feeds the films fetched with a page of reviews to the loader, then
    /// loads the credits (and people) the selection reads. Returns the
    /// page of reviews.
    pub async fn feed(
        &self,
        ctx: &Context<'_>,
        page: Page<(review::Model, Option<film::Model>)>,
    ) -> ApiResult<Page<review::Model>> {
        let mut films = Vec::with_capacity(page.items.len());
        let reviews = page.map(|(review, film)| {
            films.extend(film.map(|f| (FilmById(f.id), f)));
            review
        });
        let mut film_ids: Vec<i32> = films.iter().map(|(key, _)| key.0).collect();
        film_ids.sort_unstable();
        film_ids.dedup();
        data::<AppLoader>(ctx)?.feed_many(films).await;
        self.credits(ctx, &film_ids).await?;
        Ok(reviews)
    }

    /// Loads, in one statement, the credits of `film_ids` in the roles the
    /// selected film fields read, with their people, into the loader's
    /// cache.
    async fn credits(&self, ctx: &Context<'_>, film_ids: &[i32]) -> ApiResult<()> {
        let keys: Vec<CreditsOfFilm> = self
            .credit_roles
            .iter()
            .flat_map(|&role| {
                film_ids
                    .iter()
                    .map(move |&film| CreditsOfFilm { film, role })
            })
            .collect();
        if keys.is_empty() {
            return Ok(());
        }
        let rows =
            service::credit::with_people_of_films(db(ctx)?, film_ids, roles_of(&keys).as_deref())
                .await?;
        let mut people = Vec::new();
        let mut credits = Vec::with_capacity(rows.len());
        for (credit, person) in rows {
            if let Some(person) = person {
                people.push((PersonById(person.id), person));
            }
            credits.push(credit);
        }
        let loader = data::<AppLoader>(ctx)?;
        loader.feed_many(people).await;
        loader
            .feed_many(credits_by_key(&keys, credits.into_iter()))
            .await;
        Ok(())
    }
}
