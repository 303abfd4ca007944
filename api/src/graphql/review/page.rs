//! The review page's look-ahead: `review(slug:)` (or `review(id:)`) reads
//! what the client selected under it, fetches the review with its film in
//! one statement and every relation the selection reads in one more
//! ([`service::review_page`]), and feeds them to the request's DataLoader
//! cache. The resolvers are unchanged: they find what they ask for there,
//! at once, and fall back to their loaders for whatever was not prefetched
//! (a relation this look-ahead does not know, replies of replies).

use async_graphql::{Context, InputType, SelectionField};
use entity::enums::CreditRole as DbCreditRole;
use entity::review;

use crate::error::ApiResult;
use crate::graphql::common::{CreditRole, OrderDirection};
use crate::graphql::context::{data, db};
use crate::graphql::loaders::{
    AppLoader, CommentById, CommentCount, CommentPage, ComparisonsOfComment, ComparisonsOfReview,
    CreditsOfFilm, FilmById, LocationsOfFilm, PersonById, ReviewById, credits_by_key, roles_of,
};
use crate::graphql::pagination::PageArgs;
use crate::graphql::prefetch::ROLE_FIELDS;
use crate::graphql::review::CommentLayout;
use crate::service;
use crate::service::comment::Thread;
use crate::service::review_page::{
    CommentsWanted, ComparisonsWanted, FilmWanted, ReviewKey, Wanted,
};

/// The fields named `name` in the selections of `fields` (through
/// fragments), whatever their aliases.
fn children<'a>(fields: &[SelectionField<'a>], name: &str) -> Vec<SelectionField<'a>> {
    fields
        .iter()
        .flat_map(|f| f.selection_set())
        .filter(|c| c.name() == name)
        .collect()
}

/// The items of connection fields: under `edges { node }` and `nodes`.
fn items<'a>(connections: &[SelectionField<'a>]) -> Vec<SelectionField<'a>> {
    let mut items = children(&children(connections, "edges"), "node");
    items.extend(children(connections, "nodes"));
    items
}

/// Argument `name` of `field`, as the resolver will read it (`None` when
/// absent, or when it does not parse: the resolver then reports it).
fn argument<T: InputType>(field: &SelectionField<'_>, name: &str) -> Option<T> {
    let arguments = field.arguments().ok()?;
    let value = arguments
        .into_iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, v)| v);
    T::parse(value).ok()
}

/// The page a connection field asks for, as the resolver computes it.
fn page_args(field: &SelectionField<'_>) -> Option<crate::service::page::PageRequest> {
    PageArgs::new(
        argument::<Option<i32>>(field, "first")?,
        argument::<Option<String>>(field, "after")?,
        argument::<Option<i32>>(field, "last")?,
        argument::<Option<String>>(field, "before")?,
    )
    .into_request()
    .ok()
}

/// The sort order a comment list asks for (ascending by default).
fn order(field: &SelectionField<'_>) -> Option<OrderDirection> {
    Some(argument::<Option<OrderDirection>>(field, "order")?.unwrap_or(OrderDirection::Asc))
}

/// What a list of comparisons reads of each comparison.
fn comparisons_wanted(fields: &[SelectionField<'_>]) -> Option<ComparisonsWanted> {
    (!fields.is_empty()).then(|| ComparisonsWanted {
        film: !children(fields, "film").is_empty(),
        person: !children(fields, "person").is_empty(),
    })
}

/// What the items of comment connections read, one page per connection
/// field (aliases with other arguments are pages of their own).
fn comments_wanted(
    connections: &[SelectionField<'_>],
    thread_of: &dyn Fn(&SelectionField<'_>) -> Option<Thread>,
    nested: bool,
) -> Vec<CommentsWanted> {
    let mut pages = Vec::new();
    for field in connections {
        let (Some(thread), Some(order), Some(request)) =
            (thread_of(field), order(field), page_args(field))
        else {
            continue;
        };
        let one = std::slice::from_ref(field);
        let items = items(one);
        let replies = if nested {
            comments_wanted(
                &children(&items, "replies"),
                &|_| Some(Thread::Replies),
                false,
            )
        } else {
            Vec::new()
        };
        pages.push(CommentsWanted {
            thread,
            order: order.into(),
            request,
            total_count: !children(one, "totalCount").is_empty(),
            comparisons: comparisons_wanted(&children(&items, "comparisons")),
            replies,
        });
    }
    pages
}

/// The credit keys the film's selected fields read (as `Film`'s
/// resolvers build them).
fn credit_keys(films: &[SelectionField<'_>], film_id: i32) -> Vec<CreditsOfFilm> {
    let mut roles: Vec<Option<DbCreditRole>> = Vec::new();
    let mut add = |role: Option<DbCreditRole>| {
        if !roles.contains(&role) {
            roles.push(role);
        }
    };
    for (field, role) in ROLE_FIELDS {
        if !children(films, field).is_empty() {
            add(role);
        }
    }
    for credits in children(films, "credits") {
        if let Some(role) = argument::<Option<CreditRole>>(&credits, "role") {
            add(role.map(DbCreditRole::from));
        }
    }
    roles
        .into_iter()
        .map(|role| CreditsOfFilm {
            film: film_id,
            role,
        })
        .collect()
}

/// The selection under `review`, before its ids are known.
struct Selection<'a> {
    field: SelectionField<'a>,
    films: Vec<SelectionField<'a>>,
}

impl<'a> Selection<'a> {
    fn read(ctx: &'a Context<'_>) -> Self {
        let field = ctx.field();
        let films = children(std::slice::from_ref(&field), "film");
        Self { field, films }
    }

    /// Whether a comment or reply of the page reads its `parent`: the
    /// replies' parents are the comments shown above them.
    fn reads_parents(&self) -> bool {
        let comments = items(&children(std::slice::from_ref(&self.field), "comments"));
        let replies = items(&children(&comments, "replies"));
        !children(&replies, "parent").is_empty() || !children(&comments, "parent").is_empty()
    }

    /// What the page reads beyond the review and its film.
    fn wanted(&self, review_id: i32, film_id: Option<i32>) -> (Wanted, Vec<CreditsOfFilm>) {
        let me = std::slice::from_ref(&self.field);
        let mut credit_keys_ = Vec::new();
        let film = film_id.filter(|_| !self.films.is_empty()).map(|film_id| {
            credit_keys_ = credit_keys(&self.films, film_id);
            FilmWanted {
                film_id,
                credits: (!credit_keys_.is_empty()).then(|| roles_of(&credit_keys_)),
                locations: !children(&self.films, "filmingLocations").is_empty(),
            }
        });
        let wanted = Wanted {
            review_id,
            film,
            comparisons: comparisons_wanted(&children(me, "comparisons")),
            comment_count: !children(me, "commentCount").is_empty(),
            comments: comments_wanted(
                &children(me, "comments"),
                &|field| {
                    let layout = argument::<Option<CommentLayout>>(field, "layout")?;
                    Some(match layout.unwrap_or_default() {
                        CommentLayout::Threaded => Thread::TopLevel,
                        CommentLayout::Flat => Thread::Flat,
                    })
                },
                true,
            ),
        };
        (wanted, credit_keys_)
    }
}

/// Resolves `review(slug:)` or `review(id:)`: the review (with its film
/// when the selection reads it) in one statement, then the rest of the
/// page in at most one more, fed to the loader.
pub async fn review(ctx: &Context<'_>, key: ReviewKey) -> ApiResult<Option<review::Model>> {
    let selection = Selection::read(ctx);
    let loader = data::<AppLoader>(ctx)?;
    let (review, film) = if selection.films.is_empty() {
        let review = match &key {
            ReviewKey::Slug(slug) => service::review::by_slug(db(ctx)?, slug).await?,
            ReviewKey::Id(id) => crate::graphql::context::load_one(ctx, ReviewById(*id)).await?,
        };
        (review, None)
    } else {
        match service::review_page::with_film(db(ctx)?, &key).await? {
            Some((review, film)) => (Some(review), film),
            None => (None, None),
        }
    };
    let Some(review) = review else {
        return Ok(None);
    };
    let film_id = film.as_ref().map(|f| f.id);
    if let Some(film) = film {
        loader.feed_one(FilmById(film.id), film).await;
    }
    loader.feed_one(ReviewById(review.id), review.clone()).await;

    let (wanted, credit_keys) = selection.wanted(review.id, film_id);
    let loaded = service::review_page::load(db(ctx)?, &wanted).await?;
    if wanted.film.as_ref().is_some_and(|f| f.credits.is_some()) {
        loader
            .feed_many(credits_by_key(&credit_keys, loaded.credits.into_iter()))
            .await;
    }
    if let Some(film) = wanted.film.as_ref().filter(|f| f.locations) {
        loader
            .feed_one(LocationsOfFilm(film.film_id), loaded.locations)
            .await;
    }
    loader
        .feed_many(loaded.people.into_iter().map(|p| (PersonById(p.id), p)))
        .await;
    loader
        .feed_many(loaded.films.into_iter().map(|f| (FilmById(f.id), f)))
        .await;
    if wanted.comparisons.is_some() {
        loader
            .feed_one(ComparisonsOfReview(review.id), loaded.review_comparisons)
            .await;
    }
    loader
        .feed_many(
            loaded
                .comment_comparisons
                .into_iter()
                .map(|(id, list)| (ComparisonsOfComment(id), list)),
        )
        .await;
    if selection.reads_parents() {
        let shown = loaded.pages.iter().flat_map(|(.., page)| &page.items);
        loader
            .feed_many(shown.map(|c| (CommentById(c.id), c.clone())))
            .await;
    }
    loader
        .feed_many(
            loaded
                .pages
                .into_iter()
                .map(|(thread, order, request, parent, page)| {
                    (
                        CommentPage {
                            thread,
                            order,
                            parent,
                            request,
                        },
                        page,
                    )
                }),
        )
        .await;
    loader
        .feed_many(
            loaded
                .counts
                .into_iter()
                .map(|(thread, parent, n)| (CommentCount { thread, parent }, n)),
        )
        .await;
    Ok(Some(review))
}
