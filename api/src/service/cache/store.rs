//! The response cache of one replica: public answers by their request,
//! bounded in bytes, each valid while none of its tags has been purged.
//!
//! A purge does not search the cache. Each tag has a version, which a purge
//! moves on; an entry keeps the versions its tags had when it was stored,
//! and a lookup that finds one of them moved treats the entry as gone. A
//! purge is therefore a few map updates, however much is cached.
//!
//! **Stale writes.** A request that read the database before a change, and
//! finishes after the change's purge, must not store its answer. So every
//! purge also moves a sequence number; a request notes it before it runs
//! ([`ResponseCache::ticket`]), and [`ResponseCache::insert`] stores nothing
//! if it has moved since.
//!
//! **Expiry.** An entry lives at most the configured time, and never past
//! the next scheduled publication that this replica knows of: a review that
//! goes public at its time changes lists with no commit to purge them.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::Tag;

/// The longest `Surrogate-Key` written, in bytes.
const MAX_TAG_HEADER: usize = 2_000;

/// How the cache is bounded.
#[derive(Debug, Clone, Copy)]
pub struct CacheConfig {
    /// The most bytes of responses held; 0 switches the cache off.
    pub max_bytes: usize,
    /// The longest an entry is kept.
    pub ttl: Duration,
}

/// A request's identity in the cache: a SHA-256 over everything its answer
/// depends on (see `routes::graphql::cache`).
pub type CacheKey = [u8; 32];

/// A cached answer.
#[derive(Debug)]
pub struct Entry {
    /// The `data` member, serialized.
    pub data: Bytes,
    /// The whole body served to a GET: `{"data":…}`.
    pub body: Bytes,
    /// `body`, gzipped.
    pub gzip: Bytes,
    /// The strong validator of `body` (quoted); the gzipped body's is this
    /// with `-gzip` before the closing quote.
    pub etag: String,
    /// The tags, space-separated (`Surrogate-Key`).
    pub surrogate_key: String,
    /// The tags, comma-separated (`Cache-Tag`).
    pub cache_tag: String,
    /// When it stops being served.
    pub expires: DateTime<Utc>,
    /// The tags and the versions they had when it was stored.
    versions: Vec<(Tag, u64)>,
    /// The cost it was charged (and each hit is charged again).
    pub requested: u64,
    pub actual: u64,
    /// When what it shows changes by itself (see [`Fresh::until`]).
    pub until: Option<DateTime<Utc>>,
    /// The purge-everything generation it was stored in.
    generation: u64,
    /// Where it stands in the eviction queue.
    serial: u64,
}

impl Entry {
    /// Bytes it holds, for the bound.
    fn weight(&self) -> usize {
        self.data.len()
            + self.body.len()
            + self.gzip.len()
            + self.surrogate_key.len() * 2
            + self.versions.len() * 16
            + 200
    }
}

/// What a fresh response brings to [`ResponseCache::entry`].
pub struct Fresh {
    pub data: Bytes,
    pub body: Bytes,
    pub gzip: Bytes,
    pub etag: String,
    pub tags: Vec<Tag>,
    /// The cost it was charged (and each hit is charged again).
    pub requested: u64,
    pub actual: u64,
    /// When what it shows changes by itself, with no commit (comments
    /// closing on a review), if that is to come.
    pub until: Option<DateTime<Utc>>,
}

/// Lookups, for the hit ratio.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub stored: u64,
    pub purges: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<CacheKey, Arc<Entry>>,
    /// Keys in the order they were stored, oldest first, with the serial
    /// of the entry they were stored with.
    queue: VecDeque<(CacheKey, u64)>,
    bytes: usize,
    serial: u64,
}

#[derive(Default)]
struct Versions {
    tags: HashMap<Tag, u64>,
    /// Moves on every purge (stale writes).
    sequence: u64,
    /// Moves on a purge of everything.
    generation: u64,
}

/// The response cache of this replica.
pub struct ResponseCache {
    config: CacheConfig,
    entries: RwLock<Entries>,
    versions: RwLock<Versions>,
    /// The next scheduled publication this replica knows of.
    next_publication: Mutex<Option<DateTime<Utc>>>,
    /// Off while purges from other replicas may be missed (the `LISTEN`
    /// connection is down).
    suspended: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    stored: AtomicU64,
    purges: AtomicU64,
}

/// Proof of when a request started, for [`ResponseCache::insert`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl ResponseCache {
    pub fn new(config: CacheConfig) -> Self {
        Self {
            config,
            entries: RwLock::default(),
            versions: RwLock::default(),
            next_publication: Mutex::new(None),
            suspended: AtomicBool::new(false),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            purges: AtomicU64::new(0),
        }
    }

    /// Whether answers are cached at all.
    pub fn enabled(&self) -> bool {
        self.config.max_bytes > 0 && !self.suspended.load(Ordering::Relaxed)
    }

    /// The entry for `key`, if it is still good at `now`.
    pub fn get(&self, key: &CacheKey, now: DateTime<Utc>) -> Option<Arc<Entry>> {
        if !self.enabled() {
            return None;
        }
        let entry = read(&self.entries).map.get(key).cloned();
        let good = entry.filter(|entry| entry.expires > now && self.current(entry));
        let counter = if good.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        good
    }

    /// Whether no tag of `entry` was purged since it was stored.
    fn current(&self, entry: &Entry) -> bool {
        let versions = read(&self.versions);
        entry.generation == versions.generation
            && entry
                .versions
                .iter()
                .all(|(tag, v)| versions.tags.get(tag).copied().unwrap_or(0) == *v)
    }

    /// Notes when a request starts, before it reads anything.
    pub fn ticket(&self) -> Ticket {
        Ticket(read(&self.versions).sequence)
    }

    /// Whether nothing was purged since `ticket`: an answer computed since
    /// may be served as public.
    pub fn is_current(&self, ticket: Ticket) -> bool {
        read(&self.versions).sequence == ticket.0
    }

    /// When an answer stored now would stop being served: the configured
    /// time, or the next scheduled publication if that is sooner.
    pub fn expiry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let ttl = chrono::TimeDelta::from_std(self.config.ttl).unwrap_or(chrono::TimeDelta::MAX);
        let by_ttl = now
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        match self.next_publication() {
            Some(at) if at > now => by_ttl.min(at),
            _ => by_ttl,
        }
    }

    /// An answer ready to serve, and to store with [`Self::insert`].
    pub fn entry(&self, fresh: Fresh, now: DateTime<Utc>) -> Entry {
        let mut tags = fresh.tags;
        tags.sort_unstable();
        tags.dedup();
        let mut names: Vec<String> = tags.iter().map(Tag::to_string).collect();
        // Proxies and CDNs cap header sizes (nginx buffers 4 KiB; Fastly
        // and Cloudflare keep 16 KiB of tags): past that, the kinds of
        // what it holds, which every purge of one of them purges too.
        if names.iter().map(|n| n.len() + 1).sum::<usize>() > MAX_TAG_HEADER {
            let mut kinds: Vec<Tag> = tags.iter().map(|tag| tag.kind()).collect();
            kinds.sort_unstable();
            kinds.dedup();
            names = kinds.iter().map(Tag::to_string).collect();
        }
        Entry {
            data: fresh.data,
            body: fresh.body,
            gzip: fresh.gzip,
            etag: fresh.etag,
            surrogate_key: names.join(" "),
            cache_tag: names.join(","),
            expires: fresh
                .until
                .map_or(self.expiry(now), |until| self.expiry(now).min(until)),
            requested: fresh.requested,
            actual: fresh.actual,
            until: fresh.until,
            versions: tags.into_iter().map(|tag| (tag, 0)).collect(),
            generation: 0,
            serial: 0,
        }
    }

    /// Stores an answer, unless something was purged since `ticket`, or it
    /// is larger than an eighth of the cache. Returns it, to serve, and
    /// whether it was stored.
    pub fn insert(&self, key: CacheKey, ticket: Ticket, entry: Entry) -> (Arc<Entry>, bool) {
        let mut entry = entry;
        let stored = self.store(ticket, &mut entry);
        match stored {
            Some((entries, serial)) => {
                let entry = Arc::new(entry);
                self.admit(entries, key, serial, entry.clone());
                (entry, true)
            }
            None => (Arc::new(entry), false),
        }
    }

    /// Readies `entry` to be stored: its tags' versions and its serial,
    /// under the lock that [`Self::admit`] then uses. None when it is not
    /// to be stored.
    fn store(
        &self,
        ticket: Ticket,
        entry: &mut Entry,
    ) -> Option<(std::sync::RwLockWriteGuard<'_, Entries>, u64)> {
        if !self.enabled() {
            return None;
        }
        let weight = entry.weight();
        if weight > self.config.max_bytes / 8 {
            return None;
        }
        {
            let versions = read(&self.versions);
            if versions.sequence != ticket.0 {
                return None;
            }
            for (tag, version) in &mut entry.versions {
                *version = versions.tags.get(tag).copied().unwrap_or(0);
            }
            entry.generation = versions.generation;
        }
        let mut entries = write(&self.entries);
        entries.serial += 1;
        entry.serial = entries.serial;
        let serial = entry.serial;
        Some((entries, serial))
    }

    /// Puts a readied entry in, and evicts the oldest until all fit.
    fn admit(
        &self,
        mut entries: std::sync::RwLockWriteGuard<'_, Entries>,
        key: CacheKey,
        serial: u64,
        entry: Arc<Entry>,
    ) {
        let weight = entry.weight();
        if let Some(old) = entries.map.insert(key, entry) {
            entries.bytes -= old.weight();
        }
        entries.bytes += weight;
        entries.queue.push_back((key, serial));
        // Oldest first, until it fits.
        while entries.bytes > self.config.max_bytes {
            let Some((old_key, old_serial)) = entries.queue.pop_front() else {
                break;
            };
            if entries
                .map
                .get(&old_key)
                .is_some_and(|e| e.serial == old_serial)
                && let Some(old) = entries.map.remove(&old_key)
            {
                entries.bytes -= old.weight();
            }
        }
        // Keys replaced since they were queued leave dead queue slots; keep
        // the queue from outgrowing the map.
        if entries.queue.len() > 2 * entries.map.len() + 64 {
            let Entries { map, queue, .. } = &mut *entries;
            queue.retain(|(k, s)| map.get(k).is_some_and(|e| e.serial == *s));
        }
        self.stored.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets every answer that holds one of `tags`.
    pub fn purge(&self, tags: &[Tag]) {
        let mut versions = write(&self.versions);
        for tag in tags {
            *versions.tags.entry(*tag).or_insert(0) += 1;
        }
        versions.sequence += 1;
        self.purges.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets every answer.
    pub fn purge_all(&self) {
        {
            let mut versions = write(&self.versions);
            versions.generation += 1;
            versions.sequence += 1;
        }
        let mut entries = write(&self.entries);
        *entries = Entries::default();
        self.purges.fetch_add(1, Ordering::Relaxed);
    }

    /// Stops (or resumes) serving and storing answers: while purges from
    /// other replicas may be missed. Either way, everything is forgotten.
    pub fn suspend(&self, suspended: bool) {
        self.suspended.store(suspended, Ordering::Relaxed);
        self.purge_all();
    }

    /// The next scheduled publication this replica knows of.
    pub fn next_publication(&self) -> Option<DateTime<Utc>> {
        *self
            .next_publication
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Learns of a publication scheduled at `at` (from the mutation that
    /// schedules it), if it comes before the next one known.
    pub fn note_publication(&self, at: DateTime<Utc>, now: DateTime<Utc>) {
        if at <= now {
            return;
        }
        let mut next = self
            .next_publication
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *next = Some(next.map_or(at, |known| known.min(at)));
    }

    /// Learns the next scheduled publication (from the publication clock).
    pub fn set_next_publication(&self, at: Option<DateTime<Utc>>) {
        *self
            .next_publication
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }

    pub fn stats(&self) -> Stats {
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            purges: self.purges.load(Ordering::Relaxed),
        }
    }

    /// Bytes held and entries, now.
    pub fn size(&self) -> (usize, usize) {
        let entries = read(&self.entries);
        (entries.bytes, entries.map.len())
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(max_bytes: usize) -> ResponseCache {
        ResponseCache::new(CacheConfig {
            max_bytes,
            ttl: Duration::from_secs(60),
        })
    }

    fn fresh(tags: Vec<Tag>, size: usize) -> Fresh {
        Fresh {
            data: vec![b'x'; size].into(),
            body: Bytes::new(),
            gzip: Bytes::new(),
            etag: "\"e\"".into(),
            tags,
            requested: 1,
            actual: 1,
            until: None,
        }
    }

    fn put(
        cache: &ResponseCache,
        key: u8,
        ticket: Ticket,
        fresh: Fresh,
        now: DateTime<Utc>,
    ) -> bool {
        let entry = cache.entry(fresh, now);
        cache.insert([key; 32], ticket, entry).1
    }

    #[test]
    fn a_purge_of_one_of_its_tags_drops_an_entry() {
        let cache = cache(1 << 20);
        let now = Utc::now();
        let t = cache.ticket();
        put(
            &cache,
            1,
            t,
            fresh(vec![Tag::Review(1), Tag::Film(3)], 10),
            now,
        );
        let t = cache.ticket();
        put(&cache, 2, t, fresh(vec![Tag::Review(2)], 10), now);
        assert!(cache.get(&[1; 32], now).is_some());
        cache.purge(&[Tag::Film(3)]);
        assert!(cache.get(&[1; 32], now).is_none(), "purged by film:3");
        assert!(cache.get(&[2; 32], now).is_some(), "review:2 is untouched");
        assert_eq!(cache.stats().hits, 2);
    }

    #[test]
    fn an_answer_read_before_a_purge_is_not_stored() {
        let cache = cache(1 << 20);
        let now = Utc::now();
        let before = cache.ticket();
        cache.purge(&[Tag::Reviews]);
        assert!(!put(&cache, 1, before, fresh(vec![], 10), now));
        assert!(cache.get(&[1; 32], now).is_none());
    }

    #[test]
    fn the_cache_keeps_within_its_bytes() {
        let cache = cache(10_000);
        let now = Utc::now();
        for i in 0..100u8 {
            let t = cache.ticket();
            put(&cache, i, t, fresh(vec![Tag::Review(i.into())], 500), now);
        }
        let (bytes, count) = cache.size();
        assert!(bytes <= 10_000, "{bytes}");
        assert!(count > 0 && count < 100);
        assert!(cache.get(&[99; 32], now).is_some(), "the newest stays");
        assert!(cache.get(&[0; 32], now).is_none(), "the oldest went");
    }

    #[test]
    fn entries_expire_at_the_next_scheduled_publication() {
        let cache = cache(1 << 20);
        let now = Utc::now();
        let at = now + chrono::TimeDelta::seconds(5);
        cache.set_next_publication(Some(at));
        let t = cache.ticket();
        let entry = cache.entry(fresh(vec![], 10), now);
        assert_eq!(entry.expires, at);
        assert!(cache.insert([1; 32], t, entry).1);
        assert!(cache.get(&[1; 32], at).is_none(), "gone at the instant");
    }

    #[test]
    fn an_answer_that_changes_by_itself_expires_then() {
        let cache = cache(1 << 20);
        let now = Utc::now();
        let closes = now + chrono::TimeDelta::seconds(3);
        let entry = cache.entry(
            Fresh {
                until: Some(closes),
                ..fresh(vec![], 10)
            },
            now,
        );
        assert_eq!(entry.expires, closes);
    }

    #[test]
    fn too_many_tags_for_a_header_become_their_kinds() {
        let cache = cache(1 << 20);
        let many: Vec<Tag> = (0..1_000)
            .map(Tag::Person)
            .chain([Tag::Review(1)])
            .collect();
        let entry = cache.entry(fresh(many, 10), Utc::now());
        assert_eq!(entry.surrogate_key, "reviews people");
        assert_eq!(entry.cache_tag, "reviews,people");
        // The cache itself still goes by each object.
        assert_eq!(entry.versions.len(), 1_001);
    }

    #[test]
    fn switched_off_or_suspended_it_holds_nothing() {
        let off = cache(0);
        let now = Utc::now();
        let t = off.ticket();
        assert!(!put(&off, 1, t, fresh(vec![], 1), now));
        let on = cache(1 << 20);
        let t = on.ticket();
        assert!(put(&on, 1, t, fresh(vec![], 1), now));
        on.suspend(true);
        assert!(on.get(&[1; 32], now).is_none());
        on.suspend(false);
        assert!(on.get(&[1; 32], now).is_none(), "forgotten, not resumed");
    }
}
