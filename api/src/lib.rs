//! Marquee: the GraphQL API of a movie-review publication.
//!
//! A guided tour:
//! - [`config`]: settings from flags and environment variables.
//! - [`startup`]: builds the server ([`startup::Application`]).
//! - [`routes`]: the HTTP endpoints, `/graphql`, `/health` and `/metrics`.
//! - [`metrics`]: what `/metrics` reports, one recorder per server.
//! - [`graphql`]: the schema, one module per type, and the DataLoaders.
//! - [`service`]: database logic, knowing nothing of GraphQL.
//! - [`domain`]: validated input types (`Email`, `CommentBody`, …).
//! - [`error`]: the one error type.
//! - [`code`]: every error code a client can see, written once.

pub mod cli;
pub mod client_ip;
pub mod code;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod metrics;
pub mod routes;
pub mod service;
pub mod startup;
pub mod telemetry;
