//! End-to-end tests of Marquee over HTTP. Each test runs on SQLite, and on
//! PostgreSQL with `TEST_DATABASE_URL` and `-- --include-ignored`.

mod budget;
mod caching;
mod comments;
mod editorial;
mod export;
mod facts;
mod graphiql;
mod http;
mod import;
mod live;
mod live_reviews;
mod metrics;
mod moderation;
mod moderators;
mod names;
mod outage;
mod owner;
mod pagination;
mod persisted;
mod privacy;
mod public;
mod queries;
mod review_page;
mod schema;
mod search;
mod spec;
mod ws;
