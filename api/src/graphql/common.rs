//! Small types shared by several object types.

use async_graphql::{Enum, SimpleObject};
use entity::enums::CreditRole as DbCreditRole;

use crate::error::ApiError;

/// An image, with the text that stands in for it.
#[derive(SimpleObject, Clone)]
pub struct Image {
    /// Where the image is served. May be relative to the site.
    pub url: String,
    /// Alternative text for readers who cannot see the image.
    pub alt: String,
}

impl Image {
    pub fn from_parts(url: Option<&str>, alt: Option<&str>) -> Option<Self> {
        url.map(|url| Self {
            url: url.to_owned(),
            alt: alt.unwrap_or_default().to_owned(),
        })
    }
}

/// What a person did on a film.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DbCreditRole")]
pub enum CreditRole {
    /// Directed the film.
    Director,
    /// Wrote the screenplay.
    Writer,
    /// Played a part (on screen or by voice).
    Actor,
    /// Produced the film.
    Producer,
    /// Director of photography.
    Cinematographer,
    /// Edited the film.
    Editor,
    /// Wrote the score.
    Composer,
    /// Another crew role; `Credit.job` names it.
    OtherCrew,
}

/// Which way a list is sorted.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest (or oldest) first.
    Asc,
    /// Largest (or newest) first.
    #[default]
    Desc,
}

/// One of two lookups, e.g. `film(slug:)` or `film(id:)`.
pub enum Lookup<A, B> {
    First(A),
    Second(B),
}

impl From<OrderDirection> for crate::service::page::Direction {
    fn from(d: OrderDirection) -> Self {
        match d {
            OrderDirection::Asc => Self::Asc,
            OrderDirection::Desc => Self::Desc,
        }
    }
}

/// Exactly one of two optional lookup arguments must be given; `names`
/// (e.g. "`slug` or `id`") goes into the error.
pub fn exactly_one<A, B>(
    a: Option<A>,
    b: Option<B>,
    names: &'static str,
) -> Result<Lookup<A, B>, ApiError> {
    match (a, b) {
        (Some(a), None) => Ok(Lookup::First(a)),
        (None, Some(b)) => Ok(Lookup::Second(b)),
        _ => Err(ApiError::InvalidArgument {
            argument: names,
            message: format!("Pass exactly one of {names}"),
        }),
    }
}

/// A `search` argument, validated (see `domain::SearchTerm`).
pub fn search_term(
    search: Option<String>,
) -> Result<Option<crate::domain::SearchTerm>, crate::error::ApiError> {
    search
        .map(crate::domain::SearchTerm::parse)
        .transpose()
        .map_err(|message| crate::error::ApiError::InvalidArgument {
            argument: "search",
            message,
        })
}
