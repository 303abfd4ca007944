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

/// `Film` fields that read credits, and the role each reads (`None`: all).
const CREDIT_FIELDS: [(&str, Option<CreditRole>); 5] = [
    ("directors", Some(CreditRole::Director)),
    ("writers", Some(CreditRole::Writer)),
    ("cast", Some(CreditRole::Actor)),
    ("crew", None),
    ("credits", None),
];

/// The `film` selections under a review connection's items (through
/// `edges { node }` and `nodes`).
fn selected_films<'a>(look: &Lookahead<'a>) -> Vec<Lookahead<'a>> {
    [look.field("edges").field("node"), look.field("nodes")]
        .iter()
        .map(|node| node.field("film"))
        .filter(Lookahead::exists)
        .collect()
}

/// Whether the items of the review connection being resolved read their
/// film: then the page is fetched with [`service::review::list_with_films`].
pub fn wants_films(ctx: &Context<'_>) -> bool {
    !selected_films(&ctx.look_ahead()).is_empty()
}

/// Feeds the films fetched with a page of reviews to the loader, then loads
/// the credits (and people) their selection reads. Returns the reviews.
pub async fn reviews_with_films(
    ctx: &Context<'_>,
    rows: Vec<(review::Model, Option<film::Model>)>,
) -> ApiResult<Vec<review::Model>> {
    let loader = data::<AppLoader>(ctx)?;
    let mut reviews = Vec::with_capacity(rows.len());
    let mut films = Vec::with_capacity(rows.len());
    for (review, film) in rows {
        if let Some(film) = film {
            films.push((FilmById(film.id), film));
        }
        reviews.push(review);
    }
    let mut film_ids: Vec<i32> = films.iter().map(|(key, _)| key.0).collect();
    film_ids.sort_unstable();
    film_ids.dedup();
    loader.feed_many(films).await;
    credits(ctx, &film_ids).await?;
    Ok(reviews)
}

/// Loads, in one statement, the credits of `film_ids` in the roles the
/// selected film fields read, with their people, into the loader's cache.
async fn credits(ctx: &Context<'_>, film_ids: &[i32]) -> ApiResult<()> {
    let look = ctx.look_ahead();
    let selected = selected_films(&look);
    let mut keys = Vec::new();
    for (field, role) in CREDIT_FIELDS {
        if selected.iter().any(|f| f.field(field).exists()) {
            keys.extend(film_ids.iter().map(|&film| CreditsOfFilm { film, role }));
        }
    }
    if keys.is_empty() || film_ids.is_empty() {
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
