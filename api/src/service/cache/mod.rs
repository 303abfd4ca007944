//! Caching public reads: the tags that name what a response holds
//! ([`Tag`]), the response cache each replica keeps ([`ResponseCache`]),
//! and the purges that keep it, and the CDN in front, true to the database
//! ([`Purger`], [`webhook`]).
//!
//! A response is cached with the tags of everything it shows. A change
//! purges the tags it affects: on this replica at once, on the others
//! through PostgreSQL's `NOTIFY` (comments ride their own events), and at
//! the CDN through the purge webhook. A cached answer so outlives the
//! commit that changed it by one `NOTIFY` delivery at most.

mod purge;
mod store;
mod tags;
pub mod webhook;

pub use purge::{Purger, purge_everywhere};
pub use store::{CacheConfig, CacheKey, Entry, Fresh, ResponseCache, Stats, Ticket};
pub use tags::Tag;
