//! DataLoaders: every relation resolves through one, so a request runs one
//! statement per relation it touches, whatever the page sizes.
//!
//! One `Loaders` value implements `Loader<K>` for a key type per relation; a
//! fresh `DataLoader<Loaders>` (with its cache) is made for every request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::enums::CreditRole;
use entity::{comment, comparison, credit, film, film_location, person, review};
use sea_orm::{DatabaseConnection, DbErr};

use crate::service::comment::Thread;
use crate::service::page::{Direction, Page, PageRequest};
use crate::service::{self};

/// The per-request loader.
pub type AppLoader = DataLoader<Loaders, HashMapCache>;

/// Makes the loader for one request.
pub fn for_request(db: DatabaseConnection) -> AppLoader {
    DataLoader::with_cache(Loaders { db }, tokio::spawn, HashMapCache::default())
}

pub struct Loaders {
    db: DatabaseConnection,
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// A loader keyed by one id, over a service function that takes many ids.
macro_rules! by_id_loader {
    ($(#[$doc:meta])* $key:ident => $value:ty, $fetch:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
                let mut found = $fetch(&self.db, &ids).await.map_err(Arc::new)?;
                Ok(keys
                    .iter()
                    .filter_map(|k| found.remove(&k.0).map(|v| (*k, v)))
                    .collect())
            }
        }
    };
}

by_id_loader!(
    /// A film by id.
    FilmById => film::Model, service::film::by_ids
);
by_id_loader!(
    /// A person by id.
    PersonById => person::Model, service::person::by_ids
);
by_id_loader!(
    /// A public review by id.
    ReviewById => review::Model, service::review::by_ids
);
by_id_loader!(
    /// An approved comment by id.
    CommentById => comment::Model, service::comment::approved_by_ids
);
by_id_loader!(
    /// A credit by id.
    CreditById => credit::Model, service::credit::by_ids
);
by_id_loader!(
    /// A public comparison by id.
    ComparisonById => comparison::Model, service::comparison::by_ids
);
by_id_loader!(
    /// A person's credits.
    CreditsOfPerson => Vec<credit::Model>, service::credit::by_people
);
by_id_loader!(
    /// A film's public reviews.
    ReviewsOfFilm => Vec<review::Model>, service::review::by_films
);
by_id_loader!(
    /// The comparisons a review draws.
    ComparisonsOfReview => Vec<comparison::Model>, service::comparison::by_reviews
);
by_id_loader!(
    /// The comparisons a comment draws.
    ComparisonsOfComment => Vec<comparison::Model>, service::comparison::by_comments
);
by_id_loader!(
    /// The public comparisons that point at a film.
    ComparisonsToFilm => Vec<comparison::Model>, service::comparison::to_films
);
by_id_loader!(
    /// A comment's moderation history, oldest first.
    HistoryOfComment => Vec<entity::moderation_event::Model>, service::moderation::history
);
by_id_loader!(
    /// A review's saved revisions, newest first (editors only).
    RevisionsOfReview => Vec<service::editorial::review::Revision>,
    service::editorial::review::revisions
);
by_id_loader!(
    /// A film's filming locations.
    LocationsOfFilm => Vec<film_location::Model>, service::film::locations_by_films
);

/// Groups keys that share everything but their parent id, so each group is
/// one statement.
fn groups<K: Clone, G: Eq + std::hash::Hash>(
    keys: &[K],
    group: impl Fn(&K) -> (G, i32),
) -> HashMap<G, Vec<i32>> {
    let mut map: HashMap<G, Vec<i32>> = HashMap::new();
    for key in keys {
        let (g, id) = group(key);
        map.entry(g).or_default().push(id);
    }
    map
}

/// A film's credits with one role (every credit when `role` is `None`), by
/// billing order. Keyed by role so that a page asking for directors and
/// cast never reads the writers and crew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreditsOfFilm {
    pub film: i32,
    pub role: Option<CreditRole>,
}

impl Loader<CreditsOfFilm> for Loaders {
    type Value = Vec<credit::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[CreditsOfFilm]) -> LoadResult<CreditsOfFilm, Self::Value> {
        let credits =
            service::credit::by_films(&self.db, &films_of(keys), roles_of(keys).as_deref())
                .await
                .map_err(Arc::new)?;
        Ok(credits_by_key(keys, credits.into_iter()))
    }
}

/// The distinct films of `keys`.
pub fn films_of(keys: &[CreditsOfFilm]) -> Vec<i32> {
    let mut films: Vec<i32> = keys.iter().map(|k| k.film).collect();
    films.sort_unstable();
    films.dedup();
    films
}

/// The roles `keys` need between them; `None` when one needs every role.
pub fn roles_of(keys: &[CreditsOfFilm]) -> Option<Vec<CreditRole>> {
    let mut roles = Vec::new();
    for key in keys {
        let role = key.role?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Some(roles)
}

/// Each key's credits, from credits (in billing order) that cover them all.
pub fn credits_by_key(
    keys: &[CreditsOfFilm],
    credits: impl Iterator<Item = credit::Model>,
) -> HashMap<CreditsOfFilm, Vec<credit::Model>> {
    let mut out: HashMap<CreditsOfFilm, Vec<credit::Model>> =
        keys.iter().map(|k| (*k, Vec::new())).collect();
    for credit in credits {
        for role in [None, Some(credit.role)] {
            let key = CreditsOfFilm {
                film: credit.film_id,
                role,
            };
            if let Some(list) = out.get_mut(&key) {
                list.push(credit.clone());
            }
        }
    }
    out
}

/// A page of a review's top-level comments, or of a comment's replies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentPage {
    pub thread: Thread,
    pub order: Direction,
    pub parent: i32,
    pub request: PageRequest,
}

impl Loader<CommentPage> for Loaders {
    type Value = Page<comment::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[CommentPage]) -> LoadResult<CommentPage, Self::Value> {
        let mut out = HashMap::new();
        for ((thread, order, request), parents) in
            groups(keys, |k| ((k.thread, k.order, k.request.clone()), k.parent))
        {
            let mut pages = service::comment::pages(&self.db, thread, order, &parents, &request)
                .await
                .map_err(Arc::new)?;
            for parent in parents {
                let page = pages
                    .remove(&parent)
                    .unwrap_or_else(|| request.finish(Vec::new()));
                out.insert(
                    CommentPage {
                        thread,
                        order,
                        parent,
                        request: request.clone(),
                    },
                    page,
                );
            }
        }
        Ok(out)
    }
}

/// How many approved comments a review (or replies a comment) has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentCount {
    pub thread: Thread,
    pub parent: i32,
}

impl Loader<CommentCount> for Loaders {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[CommentCount]) -> LoadResult<CommentCount, u64> {
        let mut out = HashMap::new();
        for (thread, parents) in groups(keys, |k| (k.thread, k.parent)) {
            let counts = service::comment::counts(&self.db, thread, &parents)
                .await
                .map_err(Arc::new)?;
            for parent in parents {
                out.insert(
                    CommentCount { thread, parent },
                    counts.get(&parent).copied().unwrap_or(0),
                );
            }
        }
        Ok(out)
    }
}

/// A page of the public reviews of films a person is credited on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonReviewPage {
    pub person: i32,
    pub role: Option<CreditRole>,
    pub request: PageRequest,
}

impl Loader<PersonReviewPage> for Loaders {
    type Value = Page<review::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PersonReviewPage]) -> LoadResult<PersonReviewPage, Self::Value> {
        let mut out = HashMap::new();
        for ((role, request), people) in groups(keys, |k| ((k.role, k.request.clone()), k.person)) {
            let mut pages = service::review::pages_for_people(&self.db, &people, role, &request)
                .await
                .map_err(Arc::new)?;
            for person in people {
                let page = pages
                    .remove(&person)
                    .unwrap_or_else(|| request.finish(Vec::new()));
                out.insert(
                    PersonReviewPage {
                        person,
                        role,
                        request: request.clone(),
                    },
                    page,
                );
            }
        }
        Ok(out)
    }
}

/// How many public reviews `PersonReviewPage` pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonReviewCount {
    pub person: i32,
    pub role: Option<CreditRole>,
}

impl Loader<PersonReviewCount> for Loaders {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PersonReviewCount]) -> LoadResult<PersonReviewCount, u64> {
        let mut out = HashMap::new();
        for (role, people) in groups(keys, |k| (k.role, k.person)) {
            let counts = service::review::counts_for_people(&self.db, &people, role)
                .await
                .map_err(Arc::new)?;
            for person in people {
                out.insert(
                    PersonReviewCount { person, role },
                    counts.get(&person).copied().unwrap_or(0),
                );
            }
        }
        Ok(out)
    }
}
