//! What every resolver can reach: the database, the request's loader, and
//! what is known about the client.

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::{DatabaseConnection, DbErr};

use super::loaders::{AppLoader, Loaders};
use crate::client_ip::ClientInfo;
use crate::error::ApiError;
use crate::service::throttle::Counter;

/// Who is asking.
#[derive(Debug, Clone, Default)]
pub enum Viewer {
    /// A reader: no staff token.
    #[default]
    Anonymous,
    /// A staff member, by their live API token.
    Staff(entity::api_token::Model),
}

impl Viewer {
    /// The staff token's id, for a staff member.
    pub fn token_id(&self) -> Option<i32> {
        match self {
            Self::Staff(token) => Some(token.id),
            Self::Anonymous => None,
        }
    }
}

/// Set once a request gets as far as execution (by the `execute` hook in
/// `graphql::hooks`), so the HTTP layer can tell a request error (refused
/// before it ran: parsing, validation, limits) from a response with field
/// errors.
#[derive(Debug, Clone, Default)]
pub struct Executed(Arc<AtomicBool>);

impl Executed {
    /// Marks the request as run.
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the request ran.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Per-request data, put into the request by the HTTP handler.
pub struct RequestData {
    pub client: ClientInfo,
    pub viewer: Viewer,
}

/// The staff member asking, if their role is at least `role`.
/// `UNAUTHENTICATED` for readers, `FORBIDDEN` for a lesser role.
pub fn require_role<'a>(
    ctx: &Context<'a>,
    role: entity::enums::Role,
) -> Result<&'a entity::api_token::Model, ApiError> {
    match &request(ctx)?.viewer {
        Viewer::Anonymous => Err(ApiError::Unauthenticated),
        Viewer::Staff(token) if token.role >= role => Ok(token),
        Viewer::Staff(_) => Err(ApiError::Forbidden),
    }
}

/// Data the schema or the request carries, or an internal error naming it.
pub fn data<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> Result<&'a T, ApiError> {
    ctx.data::<T>().map_err(|_| {
        ApiError::internal(anyhow::anyhow!(
            "missing context data: {}",
            std::any::type_name::<T>()
        ))
    })
}

pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, ApiError> {
    data(ctx)
}

pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestData, ApiError> {
    data(ctx)
}

pub fn services<'a>(ctx: &Context<'a>) -> Result<&'a super::Services, ApiError> {
    data(ctx)
}

/// The client's per-minute mutation counter (shared by all replicas through
/// the database), if the client has an address to count by.
pub fn mutation_counter(ctx: &Context<'_>) -> Result<Option<Counter>, ApiError> {
    let Some(ip_hash) = &request(ctx)?.client.ip_hash else {
        return Ok(None);
    };
    Ok(Some(Counter::new(
        format!("mutations:ip:{ip_hash}"),
        std::time::Duration::from_secs(60),
        services(ctx)?.mutations_per_minute,
    )))
}

/// Counts a mutation against the client's per-minute limit (shared by all
/// replicas through the database). `RATE_LIMITED` past the limit.
pub async fn count_mutation(ctx: &Context<'_>) -> Result<(), ApiError> {
    match mutation_counter(ctx)? {
        Some(counter) => crate::service::throttle::count_alone(db(ctx)?, &counter).await,
        None => Ok(()),
    }
}

/// Loads one value through the request's DataLoader.
pub async fn load_one<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<Loaders as Loader<K>>::Value>, ApiError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<DbErr>>,
{
    Ok(data::<AppLoader>(ctx)?.load_one(key).await?)
}

/// Loads a list-valued relation; a missing key is an empty list.
pub async fn load_list<K, V>(ctx: &Context<'_>, key: K) -> Result<Vec<V>, ApiError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Loaders: Loader<K, Value = Vec<V>, Error = Arc<DbErr>>,
{
    Ok(load_one(ctx, key).await?.unwrap_or_default())
}

/// Loads many values, in the order of `keys`, skipping missing ones.
pub async fn load_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> Result<Vec<<Loaders as Loader<K>>::Value>, ApiError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<DbErr>>,
{
    let mut found = data::<AppLoader>(ctx)?
        .load_many(keys.iter().cloned())
        .await?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}
