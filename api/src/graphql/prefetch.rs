//! Loading a page's relations in one batch each, before its items resolve.
//!
//! The DataLoaders batch the keys requested within a short window. For a
//! page of more than 30 items async-graphql polls the items in rounds, and a
//! round can outlast the window, splitting one batch into two. For the hot
//! path (a page of reviews with their films, credits and people) the parent
//! resolver therefore looks ahead at what the client selected and loads
//! those relations for the whole page at once; the items then find them in
//! the request's loader cache. The statement count stays the same for every
//! page size.

use std::collections::BTreeSet;

use async_graphql::{Context, Lookahead};
use entity::{credit, review};

use super::context::load_many;
use super::loaders::{CreditsOfFilm, FilmById, PersonById};
use crate::error::ApiResult;

/// `Film` fields that read the film's credits.
const CREDIT_FIELDS: [&str; 5] = ["directors", "writers", "cast", "crew", "credits"];
/// Of those, the ones that return people directly.
const PEOPLE_FIELDS: [&str; 2] = ["directors", "writers"];

/// Prefetches what the selected `film` of each review needs.
pub async fn reviews(ctx: &Context<'_>, reviews: &[review::Model]) -> ApiResult<()> {
    let look = ctx.look_ahead();
    let films: Vec<Lookahead> = [look.field("edges").field("node"), look.field("nodes")]
        .iter()
        .map(|node| node.field("film"))
        .filter(Lookahead::exists)
        .collect();
    if films.is_empty() {
        return Ok(());
    }
    let film_ids: BTreeSet<i32> = reviews.iter().map(|r| r.film_id).collect();
    load_many(ctx, film_ids.iter().copied().map(FilmById).collect()).await?;

    let wants_credits = films
        .iter()
        .any(|f| CREDIT_FIELDS.iter().any(|c| f.field(c).exists()));
    if !wants_credits {
        return Ok(());
    }
    let credits: Vec<Vec<credit::Model>> =
        load_many(ctx, film_ids.into_iter().map(CreditsOfFilm).collect()).await?;
    let wants_people = films.iter().any(|f| {
        PEOPLE_FIELDS.iter().any(|c| f.field(c).exists())
            || CREDIT_FIELDS
                .iter()
                .any(|c| f.field(c).field("person").exists())
    });
    if wants_people {
        let people: BTreeSet<i32> = credits.iter().flatten().map(|c| c.person_id).collect();
        load_many(ctx, people.into_iter().map(PersonById).collect()).await?;
    }
    Ok(())
}
