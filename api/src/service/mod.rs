//! The service layer: database logic over a `&DatabaseConnection`, taking and
//! returning domain types and entity models. It knows nothing about GraphQL,
//! so the CLI, the importer and the tests can call it directly.

pub mod budget;
pub mod cache;
pub mod comment;
pub mod comparison;
pub mod credit;
pub mod editorial;
pub mod events;
pub mod export;
pub mod film;
pub mod import;
pub mod listen;
pub mod moderation;
pub mod page;
pub mod persisted;
pub mod person;
pub mod publication;
pub mod review;
pub mod review_page;
pub mod row;
pub mod search;
pub mod secret;
pub mod throttle;
pub mod token;
mod write;

pub(crate) use write::sqlite_writer;
pub use write::{WriteTxn, begin_write, register_sqlite_writer, writer_turn};

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision both databases keep (microseconds), so
/// a value written and read back compares equal, and keyset cursors hold.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Groups rows by a key, keeping their order within each group.
pub(crate) fn group_by<T, K: Hash + Eq>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}
