//! The GraphQL schema: one module per type (the wrapper, its queries and
//! mutations, its inputs), merged into the roots here.

pub mod comment;
pub mod common;
pub mod comparison;
pub mod context;
pub mod credit;
pub mod film;
pub mod ids;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod moderation;
pub mod node;
pub mod pagination;
pub mod person;
pub mod prefetch;
pub mod review;

use async_graphql::{MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    film::FilmQuery,
    person::PersonQuery,
    review::ReviewQuery,
    comment::CommentQuery,
    moderation::ModerationQuery,
    node::NodeQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(comment::CommentMutation, moderation::ModerationMutation);

pub type AppSchema = Schema<Query, Mutation, live::Subscription>;

/// Limits every request is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting.
    pub max_depth: usize,
    /// Highest cost (see `pagination::page_complexity`).
    pub max_complexity: usize,
}

fn builder(limits: Limits) -> SchemaBuilder<Query, Mutation, live::Subscription> {
    Schema::build(Query::default(), Mutation::default(), live::Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // Guards the parser and validator against hostile nesting.
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(limits::ErrorCodes)
        .extension(async_graphql::extensions::Tracing)
}

/// What mutations need besides the database.
pub struct Services {
    pub policy: crate::service::moderation::Policy,
    pub secret: crate::service::secret::Secret,
    /// Mutations one client address may send per minute.
    pub mutations_per_minute: u32,
    /// Comment events, shared by every replica.
    pub events: crate::service::events::CommentEvents,
}

/// The schema, with the database and services for resolvers that need them.
pub fn build_schema(db: DatabaseConnection, limits: Limits, services: Services) -> AppSchema {
    builder(limits).data(db).data(services).finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let limits = Limits {
        max_depth: usize::MAX,
        max_complexity: usize::MAX,
    };
    builder(limits).finish().sdl()
}
