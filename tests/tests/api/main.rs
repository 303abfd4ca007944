//! End-to-end tests of Marquee over HTTP. Each test runs on SQLite, and on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

mod comments;
mod facts;
mod http;
mod import;
mod live;
mod moderation;
mod moderators;
mod names;
mod owner;
mod pagination;
mod privacy;
mod queries;
mod schema;
mod ws;
