//! The Relay `Node` interface and `node(id:)`, `nodes(ids:)`.

use async_graphql::{Context, ID, Interface, Object};

use super::comment::Comment;
use super::comparison::Comparison;
use super::context::load_one;
use super::credit::Credit;
use super::film::Film;
use super::ids::{self, Kind};
use super::loaders::{CommentById, ComparisonById, CreditById, FilmById, PersonById, ReviewById};
use super::person::Person;
use super::review::Review;
use super::tags;
use crate::error::{ApiError, ApiResult};

/// An object with a global ID, refetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global ID."))]
pub enum Node {
    Film(Film),
    Person(Person),
    Review(Review),
    Comment(Comment),
    Credit(Credit),
    Comparison(Comparison),
}

/// Most IDs one `nodes` call takes.
const MAX_NODES: usize = 100;

async fn fetch(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let Some((kind, n)) = ids::decode_any(id) else {
        return Err(ApiError::InvalidId { argument: "id" });
    };
    Ok(match kind {
        Kind::Film => load_one(ctx, FilmById(n))
            .await?
            .map(|m| Node::Film(Film(m))),
        Kind::Person => load_one(ctx, PersonById(n))
            .await?
            .map(|m| Node::Person(Person(m))),
        Kind::Review => load_one(ctx, ReviewById(n))
            .await?
            .map(|m| Node::Review(Review(m))),
        Kind::Comment => load_one(ctx, CommentById(n))
            .await?
            .map(|m| Node::Comment(Comment(m))),
        Kind::Credit => load_one(ctx, CreditById(n))
            .await?
            .map(|m| Node::Credit(Credit(m))),
        Kind::Comparison => load_one(ctx, ComparisonById(n))
            .await?
            .map(|m| Node::Comparison(Comparison(m))),
    })
}

/// Tags the response with a node; a null one (it may go public later,
/// and nothing names it yet) keeps the response out of the caches.
fn tag(ctx: &Context<'_>, node: Option<&Node>) {
    match node {
        Some(Node::Film(o)) => tags::each(ctx, std::slice::from_ref(o), None),
        Some(Node::Person(o)) => tags::each(ctx, std::slice::from_ref(o), None),
        Some(Node::Review(o)) => tags::each(ctx, std::slice::from_ref(o), None),
        Some(Node::Comment(o)) => tags::each(ctx, std::slice::from_ref(o), None),
        // A merge of people moves or removes credits.
        Some(Node::Credit(o)) => tags::each(ctx, std::slice::from_ref(o), Some(tags::Tag::Credits)),
        Some(Node::Comparison(o)) => tags::each(ctx, std::slice::from_ref(o), None),
        None => tags::private(ctx),
    }
}

#[derive(Default)]
pub struct NodeQuery;

/// Global object lookups.
#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist or is not public.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node>> {
        let found = fetch(ctx, &id).await?;
        tag(ctx, found.as_ref());
        Ok(found)
    }

    /// Objects by global ID, in the order given (at most 100); null where one
    /// does not exist or is not public.
    #[graphql(complexity = "1 + ids.len().min(MAX_NODES) * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::InvalidArgument {
                argument: "ids",
                message: format!("`ids` may hold at most {MAX_NODES} IDs"),
            });
        }
        let lookups = ids.iter().map(|id| fetch(ctx, id));
        let found = futures_util::future::try_join_all(lookups).await?;
        for node in &found {
            tag(ctx, node.as_ref());
        }
        Ok(found)
    }
}
