//! A review page in two statements, whatever its page sizes: the review
//! joined with its film ([`with_film`]), then everything else the page
//! reads in one round trip ([`load`]).
//!
//! The second statement is a `UNION ALL` of one sub-select per relation,
//! each row `(kind, key, payload)`: `kind` says which relation the row
//! belongs to, `key` which parent it hangs from, and `payload` is the row
//! itself as a JSON object (`json_object` on SQLite, `json_build_object` on
//! PostgreSQL), so relations of different shapes share one result. Comment
//! pages are common table expressions built by the same windowed builders
//! as the comment loaders ([`thread::approved`], [`thread::window`],
//! [`page::numbered`]), so ordering, cursors, page flags and moderation
//! (approved comments only) are exactly theirs; replies are windowed over
//! the comments their page shows, read from that page's expression.
//!
//! The payload of a comment holds only its public columns: an author's
//! email, client address, user agent and secrets never leave the database
//! on this path, and decode as `None`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use entity::enums::CreditRole;
use entity::{comment, comparison, credit, film, film_location, person, review};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Func, IntoColumnRef, IntoIden, Query,
    SelectStatement, UnionType, WithClause,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic,
    Iterable, QueryFilter, QueryTrait,
};
use serde_json::{Map, Value as Json};

use super::comment::{Thread, approved, window};
use super::page::{Direction, Page, PageRequest, ROW_NUM, numbered, scanned_rows};
use super::review::public;

/// How `review(…)` names the review.
#[derive(Debug, Clone)]
pub enum ReviewKey {
    Slug(String),
    Id(i32),
}

/// The first statement: a public review, with its film.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn with_film(
    db: &impl ConnectionTrait,
    key: &ReviewKey,
) -> Result<Option<(review::Model, Option<film::Model>)>, DbErr> {
    let select = match key {
        ReviewKey::Slug(slug) => public().filter(review::Column::Slug.eq(slug.as_str())),
        ReviewKey::Id(id) => public().filter(review::Column::Id.eq(*id)),
    };
    select.find_also_related(film::Entity).one(db).await
}

/// What a review page reads beyond the review and its film.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub review_id: i32,
    pub film: Option<FilmWanted>,
    /// The review's comparisons.
    pub comparisons: Option<ComparisonsWanted>,
    /// The review's "N thoughts on" figure (`Thread::Flat`).
    pub comment_count: bool,
    /// Pages of the review's comments.
    pub comments: Vec<CommentsWanted>,
}

/// What the page reads of the reviewed film.
#[derive(Debug, Clone, Default)]
pub struct FilmWanted {
    pub film_id: i32,
    /// The credits to load: `None` for none, `Some(None)` for every role,
    /// `Some(Some(roles))` for these roles. Their people come with them.
    pub credits: Option<Option<Vec<CreditRole>>>,
    pub locations: bool,
}

/// What the page reads of a list of comparisons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ComparisonsWanted {
    pub film: bool,
    pub person: bool,
}

impl ComparisonsWanted {
    pub fn merge(self, other: Self) -> Self {
        Self {
            film: self.film || other.film,
            person: self.person || other.person,
        }
    }
}

/// A page of comments (of the review, or replies to each comment of the
/// page above), with what its items read.
#[derive(Debug, Clone)]
pub struct CommentsWanted {
    pub thread: Thread,
    pub order: Direction,
    pub request: PageRequest,
    /// The list's `totalCount`.
    pub total_count: bool,
    pub comparisons: Option<ComparisonsWanted>,
    /// Pages of replies to each comment of this page. Replies of replies
    /// are left to the loaders.
    pub replies: Vec<CommentsWanted>,
}

/// What [`load`] found, as the loaders would have: each list in its order.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The film's credits of the wanted roles, in billing order.
    pub credits: Vec<credit::Model>,
    pub people: Vec<person::Model>,
    /// The film's filming locations, in order (empty when not wanted).
    pub locations: Vec<film_location::Model>,
    /// Films that comparisons point at.
    pub films: Vec<film::Model>,
    /// The review's comparisons, in order.
    pub review_comparisons: Vec<comparison::Model>,
    /// The comparisons of every comment whose comparisons were wanted, in
    /// order; an empty list for a comment without any.
    pub comment_comparisons: HashMap<i32, Vec<comparison::Model>>,
    /// Each page: its thread, order, request, parent, and the page.
    pub pages: Vec<(Thread, Direction, PageRequest, i32, Page<comment::Model>)>,
    /// Counts: thread, parent, how many approved comments.
    pub counts: Vec<(Thread, i32, u64)>,
}

/// Which parents a page (or count) of comments is for.
#[derive(Debug, Clone, Copy)]
enum Parents {
    /// The review.
    Review,
    /// Each comment that page number `.0` shows.
    ItemsOf(usize),
}

/// A page to window, flattened from the tree of [`CommentsWanted`].
struct PagePlan {
    thread: Thread,
    order: Direction,
    request: PageRequest,
    parents: Parents,
    total_count: bool,
    comparisons: Option<ComparisonsWanted>,
}

/// What a row's `kind` stands for.
#[derive(Debug, Clone, Copy)]
enum Part {
    Credits,
    People,
    Locations,
    Films,
    ReviewComparisons,
    CommentComparisons,
    Page(usize),
    Count(Thread, Parents),
}

const KIND: &str = "kind";
const KEY: &str = "key";
const PAYLOAD: &str = "payload";

/// Comment columns a payload carries: the public ones only.
const PUBLIC_COMMENT_COLUMNS: [comment::Column; 10] = [
    comment::Column::Id,
    comment::Column::ReviewId,
    comment::Column::ParentId,
    comment::Column::AuthorName,
    comment::Column::AuthorUrl,
    comment::Column::Body,
    comment::Column::Status,
    comment::Column::Depth,
    comment::Column::CreatedAt,
    comment::Column::UpdatedAt,
];

/// The second statement: everything `wanted` names, in one round trip.
/// Nothing runs when nothing is wanted.
#[tracing::instrument(level = "debug", skip_all, fields(review_id = wanted.review_id))]
pub async fn load(db: &impl ConnectionTrait, wanted: &Wanted) -> Result<Loaded, DbErr> {
    let backend = db.get_database_backend();
    let plans = flatten(&wanted.comments);
    let Some(statement) = build(backend, wanted, &plans) else {
        return Ok(Loaded::default());
    };
    let (statement, parts) = statement;
    let rows = db.query_all_raw(backend.build(&statement)).await?;
    let mut found: Vec<Vec<(i32, Map<String, Json>)>> = vec![Vec::new(); parts.len()];
    for row in rows {
        let kind: i32 = row.try_get("", KIND)?;
        let key: i32 = row.try_get("", KEY)?;
        let payload: String = row.try_get("", PAYLOAD)?;
        let slot = usize::try_from(kind)
            .ok()
            .and_then(|k| found.get_mut(k))
            .ok_or_else(|| DbErr::Type(format!("review page: unknown kind {kind}")))?;
        slot.push((key, parse_object(&payload)?));
    }
    assemble(wanted, &plans, &parts, found)
}

/// The pages of `wanted`, parents before the replies that hang from them.
fn flatten(wanted: &[CommentsWanted]) -> Vec<PagePlan> {
    let mut plans = Vec::new();
    for page in wanted {
        let index = plans.len();
        plans.push(PagePlan {
            thread: page.thread,
            order: page.order,
            request: page.request.clone(),
            parents: Parents::Review,
            total_count: page.total_count,
            comparisons: page.comparisons,
        });
        for replies in &page.replies {
            plans.push(PagePlan {
                thread: Thread::Replies,
                order: replies.order,
                request: replies.request.clone(),
                parents: Parents::ItemsOf(index),
                total_count: replies.total_count,
                comparisons: replies.comparisons,
            });
        }
    }
    plans
}

/// The name of page `i`'s common table expression.
fn page_table(i: usize) -> Alias {
    Alias::new(format!("page_{i}"))
}

/// `SELECT id FROM page_i WHERE row_num <= size`: the comments page `i`
/// shows (not the extra row that only tells whether there is a next page).
fn shown(i: usize, plan: &PagePlan) -> SelectStatement {
    Query::select()
        .column((page_table(i), comment::Column::Id))
        .from(page_table(i))
        .and_where(Expr::col((page_table(i), Alias::new(ROW_NUM))).lte(plan.request.size() as i64))
        .take()
}

/// The condition "`column` names a parent of `parents`".
fn parent_condition(
    column: comment::Column,
    parents: Parents,
    review_id: i32,
    plans: &[PagePlan],
) -> Condition {
    match parents {
        Parents::Review => Condition::all().add(column.eq(review_id)),
        Parents::ItemsOf(i) => Condition::all().add(column.in_subquery(shown(i, &plans[i]))),
    }
}

/// A JSON object of `fields`, as text on both backends.
fn json_object(backend: DbBackend, fields: Vec<(&'static str, Expr)>) -> Expr {
    let name = match backend {
        DbBackend::Postgres => "json_build_object",
        _ => "json_object",
    };
    let mut args = Vec::with_capacity(fields.len() * 2);
    for (key, value) in fields {
        args.push(Expr::Constant(key.into()));
        args.push(value);
    }
    let object: Expr = Func::cust(Alias::new(name)).args(args).into();
    match backend {
        DbBackend::Postgres => Func::cast_as(object, Alias::new("text")).into(),
        _ => object,
    }
}

/// Every column of `E` as a payload field, read from `table`.
fn all_columns<E: EntityTrait>(table: impl IntoIden + Clone) -> Vec<(&'static str, Expr)>
where
    E::Column: IdenStatic,
{
    E::Column::iter()
        .map(|c| (c.as_str(), Expr::col((table.clone(), c))))
        .collect()
}

/// `SELECT kind, key, payload` for one part of the union.
fn member(kind: usize, key: Expr, payload: Expr) -> SelectStatement {
    Query::select()
        .expr_as(Expr::Constant((kind as i32).into()), Alias::new(KIND))
        .expr_as(key, Alias::new(KEY))
        .expr_as(payload, Alias::new(PAYLOAD))
        .take()
}

/// The statement, and what each `kind` stands for; `None` when nothing is
/// wanted.
fn build(
    backend: DbBackend,
    wanted: &Wanted,
    plans: &[PagePlan],
) -> Option<(SelectStatement, Vec<Part>)> {
    let review_id = wanted.review_id;
    let mut parts: Vec<Part> = Vec::new();
    let mut members: Vec<SelectStatement> = Vec::new();
    let mut with = WithClause::new();

    // The film's credits, their people, and its filming locations.
    // Ids of the people and films to load, each source a select; they are
    // read as one `IN (… UNION ALL …)`, which PostgreSQL plans as index
    // lookups (an `OR` of `IN`s would scan the whole table).
    let mut people: Vec<SelectStatement> = Vec::new();
    if let Some(film) = &wanted.film {
        if let Some(roles) = &film.credits {
            let mut of_film = Condition::all().add(credit::Column::FilmId.eq(film.film_id));
            if let Some(roles) = roles {
                of_film = of_film.add(credit::Column::Role.is_in(roles.iter().copied()));
            }
            let kind = parts.len();
            let mut select = member(
                kind,
                Expr::col((credit::Entity, credit::Column::FilmId)),
                json_object(backend, all_columns::<credit::Entity>(credit::Entity)),
            );
            select.from(credit::Entity).cond_where(of_film.clone());
            parts.push(Part::Credits);
            members.push(select);
            let person_ids = Query::select()
                .column((credit::Entity, credit::Column::PersonId))
                .from(credit::Entity)
                .cond_where(of_film)
                .take();
            people.push(person_ids);
        }
        if film.locations {
            let kind = parts.len();
            let mut select = member(
                kind,
                Expr::col((film_location::Entity, film_location::Column::FilmId)),
                json_object(
                    backend,
                    all_columns::<film_location::Entity>(film_location::Entity),
                ),
            );
            select
                .from(film_location::Entity)
                .and_where(film_location::Column::FilmId.eq(film.film_id));
            parts.push(Part::Locations);
            members.push(select);
        }
    }

    // Comment pages, as common table expressions, and their counts.
    for (i, plan) in plans.iter().enumerate() {
        let column = plan.thread.parent_column();
        let mut select = approved(plan.thread)
            .filter(parent_condition(column, plan.parents, review_id, plans))
            .into_query();
        select.clear_selects();
        for c in PUBLIC_COMMENT_COLUMNS {
            select.column((comment::Entity, c));
        }
        let numbered = numbered(select, window(plan.thread, plan.order), &plan.request);
        // Named by the select's own column names (`id`, …, `row_num`).
        with.cte(
            CommonTableExpression::new()
                .query(numbered)
                .table_name(page_table(i))
                .to_owned(),
        );

        let table = page_table(i);
        let mut fields: Vec<(&'static str, Expr)> = PUBLIC_COMMENT_COLUMNS
            .iter()
            .map(|c| (c.as_str(), Expr::col((table.clone(), *c))))
            .collect();
        fields.push((ROW_NUM, Expr::col((table.clone(), Alias::new(ROW_NUM)))));
        let kind = parts.len();
        let mut select = member(
            kind,
            Expr::col((table.clone(), Alias::new(super::page::PARTITION_KEY))),
            json_object(backend, fields),
        );
        select
            .from(table.clone())
            .and_where(Expr::col((table, Alias::new(ROW_NUM))).lte(scanned_rows(&plan.request)));
        parts.push(Part::Page(i));
        members.push(select);

        if plan.total_count {
            push_count(
                backend,
                &mut parts,
                &mut members,
                plan.thread,
                plan.parents,
                review_id,
                plans,
            );
        }
    }
    if wanted.comment_count {
        push_count(
            backend,
            &mut parts,
            &mut members,
            Thread::Flat,
            Parents::Review,
            review_id,
            plans,
        );
    }

    // Comparisons: the review's, and those of the comments shown.
    let mut films: Vec<SelectStatement> = Vec::new();
    let mut comparison_sources = Vec::new();
    if let Some(c) = wanted.comparisons {
        comparison_sources.push((
            c,
            Condition::all().add(comparison::Column::ReviewId.eq(review_id)),
        ));
        let kind = parts.len();
        let mut select = member(
            kind,
            Expr::col((comparison::Entity, comparison::Column::ReviewId)),
            json_object(
                backend,
                all_columns::<comparison::Entity>(comparison::Entity),
            ),
        );
        select
            .from(comparison::Entity)
            .and_where(comparison::Column::ReviewId.eq(review_id));
        parts.push(Part::ReviewComparisons);
        members.push(select);
    }
    let mut of_comments = Condition::any();
    for (i, plan) in plans.iter().enumerate() {
        if let Some(c) = plan.comparisons {
            let shown =
                Condition::all().add(comparison::Column::CommentId.in_subquery(shown(i, plan)));
            comparison_sources.push((c, shown.clone()));
            of_comments = of_comments.add(shown);
        }
    }
    if !of_comments.is_empty() {
        let kind = parts.len();
        let mut select = member(
            kind,
            Expr::col((comparison::Entity, comparison::Column::CommentId)),
            json_object(
                backend,
                all_columns::<comparison::Entity>(comparison::Entity),
            ),
        );
        select.from(comparison::Entity).cond_where(of_comments);
        parts.push(Part::CommentComparisons);
        members.push(select);
    }
    for (wanted, source) in comparison_sources {
        let of = |column: comparison::Column| {
            Query::select()
                .column((comparison::Entity, column))
                .from(comparison::Entity)
                .cond_where(source.clone())
                .take()
        };
        if wanted.film {
            films.push(of(comparison::Column::FilmId));
        }
        if wanted.person {
            people.push(of(comparison::Column::PersonId));
        }
    }
    if let Some(films) = union_all(films) {
        let kind = parts.len();
        let mut select = member(
            kind,
            Expr::col((film::Entity, film::Column::Id)),
            json_object(backend, all_columns::<film::Entity>(film::Entity)),
        );
        select
            .from(film::Entity)
            .and_where(film::Column::Id.in_subquery(films));
        parts.push(Part::Films);
        members.push(select);
    }
    if let Some(people) = union_all(people) {
        let kind = parts.len();
        let mut select = member(
            kind,
            Expr::col((person::Entity, person::Column::Id)),
            json_object(backend, all_columns::<person::Entity>(person::Entity)),
        );
        select
            .from(person::Entity)
            .and_where(person::Column::Id.in_subquery(people));
        parts.push(Part::People);
        members.push(select);
    }

    let mut statement = union_all(members)?;
    if !plans.is_empty() {
        statement.with_cte(with);
    }
    Some((statement, parts))
}

/// The selects as one `UNION ALL`; `None` when there are none.
fn union_all(selects: Vec<SelectStatement>) -> Option<SelectStatement> {
    let mut selects = selects.into_iter();
    let mut first = selects.next()?;
    first.unions(selects.map(|s| (UnionType::All, s)));
    Some(first)
}

/// Adds a count of `thread`'s approved comments under `parents`.
fn push_count(
    backend: DbBackend,
    parts: &mut Vec<Part>,
    members: &mut Vec<SelectStatement>,
    thread: Thread,
    parents: Parents,
    review_id: i32,
    plans: &[PagePlan],
) {
    let column = thread.parent_column();
    let kind = parts.len();
    let mut select = approved(thread)
        .filter(parent_condition(column, parents, review_id, plans))
        .into_query();
    select.clear_selects();
    select
        .expr_as(Expr::Constant((kind as i32).into()), Alias::new(KIND))
        .expr_as(Expr::col((comment::Entity, column)), Alias::new(KEY))
        .expr_as(
            json_object(
                backend,
                vec![(
                    "n",
                    Expr::col((comment::Entity, comment::Column::Id)).count(),
                )],
            ),
            Alias::new(PAYLOAD),
        )
        .group_by_col((comment::Entity, column).into_column_ref());
    parts.push(Part::Count(thread, parents));
    members.push(select);
}

/// Turns the rows of each part into what the loaders would have returned.
fn assemble(
    wanted: &Wanted,
    plans: &[PagePlan],
    parts: &[Part],
    found: Vec<Vec<(i32, Map<String, Json>)>>,
) -> Result<Loaded, DbErr> {
    let mut loaded = Loaded::default();
    // Each page's rows by parent, numbered in scan order.
    let mut scanned: Vec<HashMap<i32, Vec<(i64, comment::Model)>>> =
        plans.iter().map(|_| HashMap::new()).collect();
    let mut counts: Vec<(Thread, Parents, HashMap<i32, u64>)> = Vec::new();
    for (part, rows) in parts.iter().zip(found) {
        match *part {
            Part::Credits => {
                for (_, o) in rows {
                    loaded.credits.push(decode::credit(&o)?);
                }
                loaded
                    .credits
                    .sort_by_key(|c| (c.film_id, c.billing_order, c.id));
            }
            Part::People => {
                for (_, o) in rows {
                    loaded.people.push(decode::person(&o)?);
                }
            }
            Part::Locations => {
                for (_, o) in rows {
                    loaded.locations.push(decode::film_location(&o)?);
                }
                loaded.locations.sort_by_key(|l| (l.position, l.id));
            }
            Part::Films => {
                for (_, o) in rows {
                    loaded.films.push(decode::film(&o)?);
                }
            }
            Part::ReviewComparisons => {
                for (_, o) in rows {
                    loaded.review_comparisons.push(decode::comparison(&o)?);
                }
                loaded
                    .review_comparisons
                    .sort_by_key(|c| (c.position, c.id));
            }
            Part::CommentComparisons => {
                for (key, o) in rows {
                    loaded
                        .comment_comparisons
                        .entry(key)
                        .or_default()
                        .push(decode::comparison(&o)?);
                }
                for list in loaded.comment_comparisons.values_mut() {
                    list.sort_by_key(|c| (c.position, c.id));
                }
            }
            Part::Page(i) => {
                for (key, o) in rows {
                    let row_num = decode::int(&o, ROW_NUM)?;
                    scanned[i]
                        .entry(key)
                        .or_default()
                        .push((row_num, decode::comment(&o)?));
                }
            }
            Part::Count(thread, parents) => {
                let mut by_parent = HashMap::new();
                for (key, o) in rows {
                    by_parent.insert(key, decode::int(&o, "n")? as u64);
                }
                counts.push((thread, parents, by_parent));
            }
        }
    }

    // Pages, parents first: a page of replies is one per comment shown
    // above it, empty when that comment has none.
    let mut shown: Vec<Vec<i32>> = Vec::with_capacity(plans.len());
    for (plan, mut rows_by_parent) in plans.iter().zip(scanned) {
        let parents = match plan.parents {
            Parents::Review => vec![wanted.review_id],
            Parents::ItemsOf(i) => shown[i].clone(),
        };
        let mut ids = Vec::new();
        for parent in parents {
            let mut rows = rows_by_parent.remove(&parent).unwrap_or_default();
            rows.sort_by_key(|(n, _)| *n);
            let page = plan
                .request
                .finish(rows.into_iter().map(|(_, c)| c).collect());
            ids.extend(page.items.iter().map(|c| c.id));
            if plan.comparisons.is_some() {
                for c in &page.items {
                    loaded.comment_comparisons.entry(c.id).or_default();
                }
            }
            loaded
                .pages
                .push((plan.thread, plan.order, plan.request.clone(), parent, page));
        }
        shown.push(ids);
    }
    for (thread, parents, by_parent) in counts {
        let parents = match parents {
            Parents::Review => vec![wanted.review_id],
            Parents::ItemsOf(i) => shown[i].clone(),
        };
        for parent in parents {
            loaded
                .counts
                .push((thread, parent, by_parent.get(&parent).copied().unwrap_or(0)));
        }
    }
    Ok(loaded)
}

fn parse_object(payload: &str) -> Result<Map<String, Json>, DbErr> {
    match serde_json::from_str(payload) {
        Ok(Json::Object(o)) => Ok(o),
        _ => Err(DbErr::Type(format!(
            "review page: a payload is not a JSON object: {payload:.80}"
        ))),
    }
}

/// Decoding payloads into models. Both backends' JSON decode to the same
/// values: SQLite writes booleans as 0/1 and timestamps as the text it
/// stores; PostgreSQL writes `true`/`false` and ISO 8601 in the session's
/// time zone.
mod decode {
    use super::*;

    fn field<'a>(o: &'a Map<String, Json>, name: &str) -> Result<&'a Json, DbErr> {
        o.get(name)
            .ok_or_else(|| DbErr::Type(format!("review page: no `{name}` in a payload")))
    }

    fn wrong(name: &str, v: &Json) -> DbErr {
        DbErr::Type(format!("review page: `{name}` has an unexpected value {v}"))
    }

    pub fn int(o: &Map<String, Json>, name: &str) -> Result<i64, DbErr> {
        let v = field(o, name)?;
        v.as_i64().ok_or_else(|| wrong(name, v))
    }

    fn i32_(o: &Map<String, Json>, name: &str) -> Result<i32, DbErr> {
        let v = field(o, name)?;
        v.as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| wrong(name, v))
    }

    fn opt_i32(o: &Map<String, Json>, name: &str) -> Result<Option<i32>, DbErr> {
        match field(o, name)? {
            Json::Null => Ok(None),
            _ => i32_(o, name).map(Some),
        }
    }

    fn text(o: &Map<String, Json>, name: &str) -> Result<String, DbErr> {
        let v = field(o, name)?;
        v.as_str().map(str::to_owned).ok_or_else(|| wrong(name, v))
    }

    fn opt_text(o: &Map<String, Json>, name: &str) -> Result<Option<String>, DbErr> {
        match field(o, name)? {
            Json::Null => Ok(None),
            _ => text(o, name).map(Some),
        }
    }

    pub fn boolean(o: &Map<String, Json>, name: &str) -> Result<bool, DbErr> {
        match field(o, name)? {
            Json::Bool(b) => Ok(*b),
            Json::Number(n) if n.as_i64() == Some(0) => Ok(false),
            Json::Number(n) if n.as_i64() == Some(1) => Ok(true),
            v => Err(wrong(name, v)),
        }
    }

    /// An instant, from RFC 3339 (either separator, any offset) or from
    /// SQLite's `YYYY-MM-DD HH:MM:SS[.f]` in UTC.
    pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
            if let Ok(t) = DateTime::parse_from_str(s, format) {
                return Some(t.with_timezone(&Utc));
            }
        }
        for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
                return Some(t.and_utc());
            }
        }
        None
    }

    pub fn time(o: &Map<String, Json>, name: &str) -> Result<DateTime<Utc>, DbErr> {
        let v = field(o, name)?;
        v.as_str()
            .and_then(parse_time)
            .ok_or_else(|| wrong(name, v))
    }

    pub fn enumeration<E: ActiveEnum<Value = String>>(
        o: &Map<String, Json>,
        name: &str,
    ) -> Result<E, DbErr> {
        E::try_from_value(&text(o, name)?)
            .map_err(|_| wrong(name, field(o, name).unwrap_or(&Json::Null)))
    }

    pub fn credit(o: &Map<String, Json>) -> Result<credit::Model, DbErr> {
        use credit::Column as C;
        Ok(credit::Model {
            id: i32_(o, C::Id.as_str())?,
            film_id: i32_(o, C::FilmId.as_str())?,
            person_id: i32_(o, C::PersonId.as_str())?,
            role: enumeration::<CreditRole>(o, C::Role.as_str())?,
            job: opt_text(o, C::Job.as_str())?,
            character: opt_text(o, C::Character.as_str())?,
            character_note: opt_text(o, C::CharacterNote.as_str())?,
            voice: boolean(o, C::Voice.as_str())?,
            billing_order: i32_(o, C::BillingOrder.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
            updated_at: time(o, C::UpdatedAt.as_str())?,
        })
    }

    pub fn person(o: &Map<String, Json>) -> Result<person::Model, DbErr> {
        use person::Column as C;
        Ok(person::Model {
            id: i32_(o, C::Id.as_str())?,
            slug: text(o, C::Slug.as_str())?,
            name: text(o, C::Name.as_str())?,
            name_normalized: text(o, C::NameNormalized.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
            updated_at: time(o, C::UpdatedAt.as_str())?,
        })
    }

    pub fn film(o: &Map<String, Json>) -> Result<film::Model, DbErr> {
        use film::Column as C;
        Ok(film::Model {
            id: i32_(o, C::Id.as_str())?,
            slug: text(o, C::Slug.as_str())?,
            title: text(o, C::Title.as_str())?,
            title_normalized: text(o, C::TitleNormalized.as_str())?,
            release_year: opt_i32(o, C::ReleaseYear.as_str())?,
            synopsis: opt_text(o, C::Synopsis.as_str())?,
            poster_url: opt_text(o, C::PosterUrl.as_str())?,
            poster_alt: opt_text(o, C::PosterAlt.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
            updated_at: time(o, C::UpdatedAt.as_str())?,
        })
    }

    pub fn film_location(o: &Map<String, Json>) -> Result<film_location::Model, DbErr> {
        use film_location::Column as C;
        Ok(film_location::Model {
            id: i32_(o, C::Id.as_str())?,
            film_id: i32_(o, C::FilmId.as_str())?,
            place: text(o, C::Place.as_str())?,
            area: opt_text(o, C::Area.as_str())?,
            stands_in_for: opt_text(o, C::StandsInFor.as_str())?,
            position: i32_(o, C::Position.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
        })
    }

    pub fn comparison(o: &Map<String, Json>) -> Result<comparison::Model, DbErr> {
        use comparison::Column as C;
        Ok(comparison::Model {
            id: i32_(o, C::Id.as_str())?,
            review_id: opt_i32(o, C::ReviewId.as_str())?,
            comment_id: opt_i32(o, C::CommentId.as_str())?,
            film_id: i32_(o, C::FilmId.as_str())?,
            person_id: opt_i32(o, C::PersonId.as_str())?,
            note: text(o, C::Note.as_str())?,
            recommended: boolean(o, C::Recommended.as_str())?,
            position: i32_(o, C::Position.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
        })
    }

    /// A comment from its public columns; the private ones are `None`.
    pub fn comment(o: &Map<String, Json>) -> Result<comment::Model, DbErr> {
        use comment::Column as C;
        Ok(comment::Model {
            id: i32_(o, C::Id.as_str())?,
            review_id: i32_(o, C::ReviewId.as_str())?,
            parent_id: opt_i32(o, C::ParentId.as_str())?,
            author_name: text(o, C::AuthorName.as_str())?,
            author_email: None,
            author_url: opt_text(o, C::AuthorUrl.as_str())?,
            body: text(o, C::Body.as_str())?,
            status: enumeration(o, C::Status.as_str())?,
            idempotency_key: None,
            request_hash: None,
            client_ip_hash: None,
            user_agent: None,
            owner_token_hash: None,
            depth: i32_(o, C::Depth.as_str())?,
            created_at: time(o, C::CreatedAt.as_str())?,
            updated_at: time(o, C::UpdatedAt.as_str())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::decode;
    use super::*;

    fn object(text: &str) -> Map<String, Json> {
        parse_object(text).unwrap()
    }

    #[test]
    fn timestamps_decode_to_the_same_instant_from_either_backend() {
        let expected = DateTime::parse_from_rfc3339("2024-03-05T06:07:08.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        for text in [
            // SQLite, as sqlx stores it, and as SQLite's own functions write it.
            "2024-03-05T06:07:08.123456+00:00",
            "2024-03-05 06:07:08.123456",
            "2024-03-05 06:07:08.123456+00:00",
            // PostgreSQL's JSON, in UTC and in another session time zone.
            "2024-03-05T06:07:08.123456Z",
            "2024-03-05T07:07:08.123456+01:00",
        ] {
            assert_eq!(decode::parse_time(text), Some(expected), "{text}");
        }
        assert_eq!(decode::parse_time("yesterday"), None);
    }

    #[test]
    fn booleans_decode_from_sqlite_integers_and_postgres_booleans() {
        let o = object(r#"{"a": 1, "b": 0, "c": true, "d": false, "e": 2}"#);
        assert!(decode::boolean(&o, "a").unwrap());
        assert!(!decode::boolean(&o, "b").unwrap());
        assert!(decode::boolean(&o, "c").unwrap());
        assert!(!decode::boolean(&o, "d").unwrap());
        assert!(decode::boolean(&o, "e").is_err());
    }

    #[test]
    fn a_credit_decodes_identically_from_both_backends_json() {
        let sqlite = object(
            r#"{"id":7,"film_id":1,"person_id":3,"role":"ACTOR","job":null,"character":"Samantha","character_note":"Theodore's operating system","voice":1,"billing_order":1,"created_at":"2013-12-18T00:00:00+00:00","updated_at":"2013-12-18T00:00:00.5+00:00"}"#,
        );
        let postgres = object(
            r#"{"id" : 7, "film_id" : 1, "person_id" : 3, "role" : "ACTOR", "job" : null, "character" : "Samantha", "character_note" : "Theodore's operating system", "voice" : true, "billing_order" : 1, "created_at" : "2013-12-18T00:00:00+00:00", "updated_at" : "2013-12-18T00:00:00.5+00:00"}"#,
        );
        let a = decode::credit(&sqlite).unwrap();
        assert_eq!(a, decode::credit(&postgres).unwrap());
        assert_eq!(a.role, CreditRole::Actor);
        assert!(a.voice);
        assert_eq!(a.job, None);
    }

    #[test]
    fn an_unknown_enum_value_is_an_error_not_a_default() {
        let o = object(
            r#"{"id":1,"film_id":1,"person_id":1,"role":"GAFFER","job":null,"character":null,"character_note":null,"voice":0,"billing_order":0,"created_at":"2013-12-18T00:00:00+00:00","updated_at":"2013-12-18T00:00:00+00:00"}"#,
        );
        assert!(decode::credit(&o).is_err());
    }

    #[test]
    fn a_comment_decodes_without_its_private_columns() {
        let o = object(
            r#"{"id":2,"review_id":1,"parent_id":null,"author_name":"Ada","author_url":null,"body":"Hi","status":"APPROVED","depth":0,"created_at":"2024-01-01T00:00:00+00:00","updated_at":"2024-01-02T00:00:00+00:00","row_num":1}"#,
        );
        let c = decode::comment(&o).unwrap();
        assert_eq!(c.status, entity::enums::CommentStatus::Approved);
        assert_eq!(c.author_email, None);
        assert_eq!(c.client_ip_hash, None);
        assert_eq!(c.owner_token_hash, None);
        assert!(c.updated_at > c.created_at);
        assert_eq!(decode::int(&o, ROW_NUM).unwrap(), 1);
    }

    #[test]
    fn the_payload_of_a_comment_names_no_private_column() {
        for c in PUBLIC_COMMENT_COLUMNS {
            assert!(
                !matches!(
                    c,
                    comment::Column::AuthorEmail
                        | comment::Column::ClientIpHash
                        | comment::Column::UserAgent
                        | comment::Column::OwnerTokenHash
                        | comment::Column::IdempotencyKey
                        | comment::Column::RequestHash
                ),
                "{c:?}"
            );
        }
    }

    #[test]
    fn nothing_wanted_builds_no_statement() {
        let wanted = Wanted {
            review_id: 1,
            ..Default::default()
        };
        assert!(build(DbBackend::Sqlite, &wanted, &[]).is_none());
    }

    #[test]
    fn the_statement_is_one_union_on_both_backends() {
        let wanted = Wanted {
            review_id: 1,
            film: Some(FilmWanted {
                film_id: 2,
                credits: Some(Some(vec![CreditRole::Director, CreditRole::Actor])),
                locations: true,
            }),
            comparisons: Some(ComparisonsWanted {
                film: true,
                person: true,
            }),
            comment_count: true,
            comments: vec![CommentsWanted {
                thread: Thread::TopLevel,
                order: Direction::Asc,
                request: PageRequest::default(),
                total_count: true,
                comparisons: Some(ComparisonsWanted {
                    film: true,
                    person: false,
                }),
                replies: vec![CommentsWanted {
                    thread: Thread::Replies,
                    order: Direction::Asc,
                    request: PageRequest::default(),
                    total_count: false,
                    comparisons: None,
                    replies: Vec::new(),
                }],
            }],
        };
        let plans = flatten(&wanted.comments);
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let (statement, parts) = build(backend, &wanted, &plans).unwrap();
            let sql = backend.build(&statement).sql;
            assert!(sql.starts_with("WITH "), "{sql}");
            // One member per part, and one per extra source of ids.
            assert_eq!(
                sql.matches("UNION ALL").count(),
                parts.len() - 1 + 2,
                "{sql}"
            );
            assert!(!sql.contains("author_email"), "{sql}");
        }
    }
}
