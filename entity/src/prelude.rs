//! Entity aliases, for `use entity::prelude::*`.

pub use super::api_token::Entity as ApiToken;
pub use super::comment::Entity as Comment;
pub use super::comparison::Entity as Comparison;
pub use super::credit::Entity as Credit;
pub use super::editorial_event::Entity as EditorialEvent;
pub use super::film::Entity as Film;
pub use super::film_location::Entity as FilmLocation;
pub use super::moderation_event::Entity as ModerationEvent;
pub use super::person::Entity as Person;
pub use super::review::Entity as Review;
pub use super::review_revision::Entity as ReviewRevision;
pub use super::slug_alias::Entity as SlugAlias;
pub use super::throttle::Entity as Throttle;
