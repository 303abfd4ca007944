//! `Credit`: a person's work on a film.

use async_graphql::{Context, ID, Object};
use entity::credit;

use super::common::CreditRole;
use super::context::load_one;
use super::film::Film;
use super::ids::{self, Kind};
use super::loaders::{FilmById, PersonById};
use super::person::Person;
use super::tags;
use crate::error::{ApiError, ApiResult};

/// A person's credit on a film: directing, writing, acting (with the
/// character played) or other crew work.
#[derive(Clone)]
pub struct Credit(pub credit::Model);

/// A person's credit on a film: directing, writing, acting (with the
/// character played) or other crew work.
#[Object]
impl Credit {
    /// The credit's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Credit, self.0.id)
    }

    /// What the person did.
    async fn role(&self) -> CreditRole {
        self.0.role.into()
    }

    /// For `OTHER_CREW` credits, the job's title.
    async fn job(&self) -> Option<&str> {
        self.0.job.as_deref()
    }

    /// For acting credits, the character played, e.g. "Samantha".
    async fn character(&self) -> Option<&str> {
        self.0.character.as_deref()
    }

    /// Who the character is, e.g. "Theodore's ex-wife".
    async fn character_note(&self) -> Option<&str> {
        self.0.character_note.as_deref()
    }

    /// For acting credits, whether the part is voice only.
    async fn voice(&self) -> bool {
        self.0.voice
    }

    /// Position in the billing, from 0 (top billing).
    async fn billing_order(&self) -> i32 {
        self.0.billing_order
    }

    /// The person credited.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Person> {
        load_one(ctx, PersonById(self.0.person_id))
            .await?
            .map(|m| tags::one(ctx, Person(m)))
            .ok_or(ApiError::NotFound { what: "Person" })
    }

    /// The film.
    async fn film(&self, ctx: &Context<'_>) -> ApiResult<Film> {
        load_one(ctx, FilmById(self.0.film_id))
            .await?
            .map(|m| tags::one(ctx, Film(m)))
            .ok_or(ApiError::NotFound { what: "Film" })
    }
}
