//! `Comparison`: a comparison a review or a reader comment draws to a film.

use async_graphql::{Context, ID, Object};
use entity::comparison;

use super::comment::Comment;
use super::context::load_one;
use super::film::Film;
use super::ids::{self, Kind};
use super::loaders::{CommentById, FilmById, PersonById, ReviewById};
use super::person::Person;
use super::review::Review;
use super::tags;
use crate::error::{ApiError, ApiResult};

/// A comparison to another film, e.g. "like Sandra Bullock in *Gravity*".
/// Drawn by a review or by a reader's comment.
#[derive(Clone)]
pub struct Comparison(pub comparison::Model);

/// A comparison to another film, e.g. "like Sandra Bullock in *Gravity*".
/// Drawn by a review or by a reader's comment.
#[Object]
impl Comparison {
    /// The comparison's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Comparison, self.0.id)
    }

    /// The film compared to.
    async fn film(&self, ctx: &Context<'_>) -> ApiResult<Film> {
        load_one(ctx, FilmById(self.0.film_id))
            .await?
            .map(|m| tags::one(ctx, Film(m)))
            .ok_or(ApiError::NotFound { what: "Film" })
    }

    /// The person whose performance in that film is the point, if one is
    /// singled out.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        match self.0.person_id {
            Some(id) => Ok(load_one(ctx, PersonById(id))
                .await?
                .map(|m| tags::one(ctx, Person(m)))),
            None => Ok(None),
        }
    }

    /// Why the comparison is drawn.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// Whether the source recommends the film compared to.
    async fn recommended(&self) -> bool {
        self.0.recommended
    }

    /// Position among its source's comparisons, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The review that draws the comparison; null when a comment draws it.
    async fn review(&self, ctx: &Context<'_>) -> ApiResult<Option<Review>> {
        match self.0.review_id {
            Some(id) => Ok(load_one(ctx, ReviewById(id))
                .await?
                .map(|m| tags::one(ctx, Review(m)))),
            None => Ok(None),
        }
    }

    /// The reader comment that draws the comparison; null when a review draws it.
    async fn comment(&self, ctx: &Context<'_>) -> ApiResult<Option<Comment>> {
        match self.0.comment_id {
            Some(id) => Ok(load_one(ctx, CommentById(id))
                .await?
                .map(|m| tags::one(ctx, Comment(m)))),
            None => Ok(None),
        }
    }
}
