//! The GraphQL schema: one module per type (the wrapper, its queries and
//! mutations, its inputs), merged into the roots here.

pub mod comment;
pub mod common;
pub mod comparison;
pub mod context;
pub mod cost;
pub mod credit;
pub mod editorial;
pub mod film;
mod hooks;
pub mod ids;
pub mod limits;
pub mod live;
pub mod loaders;
mod meter;
pub mod moderation;
pub mod node;
pub mod pagination;
pub mod person;
pub mod prefetch;
pub mod review;
pub mod search;
pub mod shape;
pub mod tags;
mod trace;

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
    editorial::audit::AuditQuery,
    search::SearchQueryRoot,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    comment::CommentMutation,
    moderation::ModerationMutation,
    editorial::film::FilmMutation,
    editorial::person::PersonMutation,
    editorial::review::ReviewMutation,
);

pub type AppSchema = Schema<Query, Mutation, live::Subscription>;

/// Limits every request is held to once parsed (the limits before that
/// are in `shape`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting.
    pub max_depth: usize,
    /// Highest cost (see `pagination::page_complexity`).
    pub max_complexity: usize,
    /// Whether error messages may suggest field names ("Did you mean …?").
    /// Off in the public profile, where they would map the schema for
    /// anyone who cannot introspect it.
    pub suggestions: bool,
}

fn builder(limits: Limits) -> SchemaBuilder<Query, Mutation, live::Subscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), live::Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // Guards the parser and validator against hostile nesting.
        .limit_recursive_depth(64)
        .limit_directives(16)
        .extension(hooks::Hooks);
    if limits.suggestions {
        builder
    } else {
        builder.disable_suggestions()
    }
}

/// What mutations need besides the database.
pub struct Services {
    pub policy: crate::service::moderation::Policy,
    pub secret: crate::service::secret::Secret,
    /// Mutations one client address may send per minute.
    pub mutations_per_minute: u32,
    /// Comment events, shared by every replica.
    pub events: crate::service::events::CommentEvents,
    /// Query cost budgets, shared by every replica.
    pub budgets: crate::service::budget::Budgets,
    /// Reviews going public, announced by every replica's publication
    /// clock (mutations that publish call `live::announce_publication`).
    pub publications: crate::service::publication::Publications,
    /// Purges the response caches and the CDN of what a change touched.
    pub purger: crate::service::cache::Purger,
    /// The server's metrics: each operation is counted by the request
    /// hooks, and `addComment` counts the comments it stores.
    pub metrics: crate::metrics::Metrics,
}

/// The schema, with the database and services for resolvers that need them.
pub fn build_schema(db: DatabaseConnection, limits: Limits, services: Services) -> AppSchema {
    let budgets = services.budgets.clone();
    builder(limits)
        .data(db)
        .data(budgets)
        .data(services)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let limits = Limits {
        max_depth: usize::MAX,
        max_complexity: usize::MAX,
        suggestions: true,
    };
    builder(limits).finish().sdl()
}
