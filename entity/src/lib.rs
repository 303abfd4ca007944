//! SeaORM entities for Marquee: one module per table, and the enums stored in
//! them. This crate knows nothing about GraphQL; the api crate wraps these
//! models in its own GraphQL types.

pub mod api_token;
pub mod comment;
pub mod comparison;
pub mod cost_budget;
pub mod credit;
pub mod editorial_event;
pub mod enums;
pub mod film;
pub mod film_location;
pub mod moderation_event;
pub mod persisted_document;
pub mod person;
pub mod prelude;
pub mod review;
pub mod review_revision;
pub mod slug_alias;
pub mod throttle;
