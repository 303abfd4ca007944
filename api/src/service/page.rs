//! Keyset pagination, independent of GraphQL.
//!
//! Every paged list is ordered by a sort key and then by id, so each row has a
//! unique position. A page is the rows strictly after (or before) a known
//! position; no offsets, so pages stay stable while rows are added.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, ColumnRef, Expr, ExprTrait, Query, SelectStatement, SimpleExpr,
    WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Iterable,
    JoinType, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationDef, Select, Value,
};

use super::row::{Joined, Positional};

/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Rows in a page when the client names no size.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The sort key of a row's position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortKey {
    Time(DateTime<Utc>),
    Text(String),
}

impl From<SortKey> for Value {
    fn from(key: SortKey) -> Value {
        match key {
            SortKey::Time(t) => t.into(),
            SortKey::Text(s) => s.into(),
        }
    }
}

/// A row's position in an ordered list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub key: SortKey,
    pub id: i32,
}

/// Which way a list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    Asc,
    #[default]
    Desc,
}

impl Direction {
    fn reversed(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }

    fn order(self) -> Order {
        match self {
            Self::Asc => Order::Asc,
            Self::Desc => Order::Desc,
        }
    }
}

/// What page a client asked for, already checked against the limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageRequest {
    /// The first `first` rows after `after` (or from the start).
    Forward { first: u64, after: Option<Position> },
    /// The last `last` rows before `before` (or up to the end).
    Backward { last: u64, before: Option<Position> },
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::Forward {
            first: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

impl PageRequest {
    pub fn size(&self) -> u64 {
        match self {
            Self::Forward { first, .. } => *first,
            Self::Backward { last, .. } => *last,
        }
    }

    /// The direction rows are scanned in to build this page, and the bound.
    pub fn scan(&self, order: Direction) -> (Direction, Option<&Position>) {
        match self {
            Self::Forward { after, .. } => (order, after.as_ref()),
            Self::Backward { before, .. } => (order.reversed(), before.as_ref()),
        }
    }

    /// Turns `size + 1` scanned rows into a page, in display order.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Page<T> {
        let size = self.size() as usize;
        let more = rows.len() > size;
        rows.truncate(size);
        match self {
            Self::Forward { after, .. } => Page {
                items: rows,
                has_next_page: more,
                has_previous_page: after.is_some(),
            },
            Self::Backward { before, .. } => {
                rows.reverse();
                Page {
                    items: rows,
                    has_next_page: before.is_some(),
                    has_previous_page: more,
                }
            }
        }
    }
}

/// One page of rows, in display order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// The condition "strictly past `bound` when scanning `scan`-wards" on
/// `(sort, id)`, written without row values so every backend plans it well.
pub fn past(sort: SimpleExpr, id: SimpleExpr, bound: &Position, scan: Direction) -> Condition {
    let key: Value = bound.key.clone().into();
    let (sort_past, id_past) = match scan {
        Direction::Asc => (
            Expr::expr(sort.clone()).gt(key.clone()),
            Expr::expr(id).gt(bound.id),
        ),
        Direction::Desc => (
            Expr::expr(sort.clone()).lt(key.clone()),
            Expr::expr(id).lt(bound.id),
        ),
    };
    Condition::any()
        .add(sort_past)
        .add(Condition::all().add(Expr::expr(sort).eq(key)).add(id_past))
}

/// Runs a keyset-paged select on one entity, ordered by `(sort, id)`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn paginate<E, C>(
    db: &impl sea_orm::ConnectionTrait,
    select: Select<E>,
    sort: C,
    id: C,
    order: Direction,
    request: &PageRequest,
) -> Result<Page<E::Model>, sea_orm::DbErr>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let rows = keyset(select, sort, id, order, request).all(db).await?;
    Ok(request.finish(rows))
}

/// [`paginate`] over an entity joined with a related one (each review with
/// its film, say): the page and its relation in one statement, each row
/// read by position (see [`Positional`]). `relation` joins `B` to `A`'s
/// entity; the columns in `blank` read as empty strings (long texts the
/// caller does not need).
///
/// The page is cut first, on ids alone, and only its rows are joined and
/// read in full: otherwise the database joins and sorts every matching
/// row (625 reviews of a busy director's films, say) to keep 21.
#[tracing::instrument(level = "debug", skip_all)]
// `paginate`'s arguments, and the join's two.
#[allow(clippy::too_many_arguments)]
pub async fn paginate_also<A, B, C>(
    db: &impl sea_orm::ConnectionTrait,
    select: Select<A::Entity>,
    relation: RelationDef,
    blank: &[<A::Entity as EntityTrait>::Column],
    sort: C,
    id: C,
    order: Direction,
    request: &PageRequest,
) -> Result<Page<(A, Option<B>)>, sea_orm::DbErr>
where
    A: Positional,
    B: Positional,
    C: ColumnTrait,
{
    let (scan, _) = request.scan(order);
    let page_ids = keyset(select.select_only().column(id), sort, id, order, request).into_query();
    let mut rows = A::Entity::find().select_only();
    Joined::<A, B>::select_into(QueryTrait::query(&mut rows), blank);
    let rows = rows
        .join(JoinType::LeftJoin, relation)
        .filter(id.in_subquery(page_ids))
        .order_by(sort, scan.order())
        .order_by(id, scan.order())
        .into_model::<Joined<A, B>>()
        .all(db)
        .await?;
    Ok(request.finish(rows.into_iter().map(|Joined(a, b)| (a, b)).collect()))
}

/// `select` cut to the rows of `request`'s page plus one (which tells
/// whether there is a next page), in scan order. Columns are named with
/// their table, so the select may join others.
fn keyset<Q, C>(select: Q, sort: C, id: C, order: Direction, request: &PageRequest) -> Q
where
    Q: QueryFilter + QueryOrder + QuerySelect,
    C: ColumnTrait,
{
    let (scan, bound) = request.scan(order);
    let mut select = select;
    if let Some(bound) = bound {
        select = select.filter(past(
            Expr::col(sort.as_column_ref()),
            Expr::col(id.as_column_ref()),
            bound,
            scan,
        ));
    }
    select
        .order_by(sort, scan.order())
        .order_by(id, scan.order())
        .limit(request.size() + 1)
}

/// How a windowed page query groups and orders its rows.
pub struct Window {
    /// The column that groups rows into pages, e.g. `comment.review_id`.
    pub partition: ColumnRef,
    /// The sort column, e.g. `review.published_at`.
    pub sort: ColumnRef,
    /// The row's id column, the tie-breaker.
    pub id: ColumnRef,
    pub order: Direction,
}

/// Pages of many parents in one statement: the rows `select` finds are
/// numbered within each partition with `ROW_NUMBER()` and cut at the page
/// size, so a list of N parents costs one query, not N. `select` names the
/// columns `M` reads; the partition comes back as `partition_key`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn windowed<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    select: SelectStatement,
    window: Window,
    request: &PageRequest,
) -> Result<HashMap<i32, Page<M>>, DbErr> {
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(numbered(select, window, request), "windowed")
        .and_where(Expr::col(ROW_NUM).lte(scanned_rows(request)))
        .order_by(PARTITION_KEY, Order::Asc)
        .order_by(ROW_NUM, Order::Asc)
        .take();
    pages_by_partition(db, &outer, request).await
}

/// [`windowed`] for pages of `E`'s rows where a partition may hold many:
/// the rows `select` finds are numbered on their id and sort key alone,
/// and only the rows a page keeps are then read in full, by `id`. Numbering
/// whole rows read every one of them (all of a busy actor's film reviews,
/// bodies included) to keep 21. `select`'s own columns are replaced.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn windowed_by_id<E>(
    db: &impl ConnectionTrait,
    mut select: SelectStatement,
    id: E::Column,
    window: Window,
    request: &PageRequest,
) -> Result<HashMap<i32, Page<E::Model>>, DbErr>
where
    E: EntityTrait + Default,
{
    const ROW_ID: &str = "row_id";
    let kept = Alias::new("kept");
    select
        .clear_selects()
        .expr_as(Expr::col(window.id.clone()), ROW_ID);
    let mut outer = Query::select();
    for column in E::Column::iter() {
        outer.column((E::default(), column));
    }
    outer
        .expr_as(Expr::col((kept.clone(), PARTITION_KEY)), PARTITION_KEY)
        .from(E::default())
        .join_subquery(
            JoinType::InnerJoin,
            numbered(select, window, request),
            kept.clone(),
            Expr::col((kept.clone(), ROW_ID)).equals((E::default(), id)),
        )
        .and_where(Expr::col((kept.clone(), ROW_NUM)).lte(scanned_rows(request)))
        .order_by((kept.clone(), PARTITION_KEY), Order::Asc)
        .order_by((kept, ROW_NUM), Order::Asc);
    pages_by_partition(db, &outer, request).await
}

/// Runs a windowed `select` (rows numbered within partitions, in
/// partition then scan order) and makes each partition's rows its page.
async fn pages_by_partition<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    select: &SelectStatement,
    request: &PageRequest,
) -> Result<HashMap<i32, Page<M>>, DbErr> {
    let rows = db
        .query_all_raw(db.get_database_backend().build(select))
        .await?;
    let mut scanned: HashMap<i32, Vec<M>> = HashMap::new();
    for row in rows {
        let key: i32 = row.try_get("", PARTITION_KEY)?;
        scanned
            .entry(key)
            .or_default()
            .push(M::from_query_result(&row, "")?);
    }
    Ok(scanned
        .into_iter()
        .map(|(key, rows)| (key, request.finish(rows)))
        .collect())
}

/// The rows of `select` past `request`'s bound, each with its partition
/// (as `partition_key`) and its number in scan order within it (as
/// `row_num`, from 1). [`windowed`] keeps the rows numbered up to
/// [`scanned_rows`]; the review page uses it as a common table expression.
pub fn numbered(
    mut select: SelectStatement,
    window: Window,
    request: &PageRequest,
) -> SelectStatement {
    let (scan, bound) = request.scan(window.order);
    let Window {
        partition,
        sort,
        id,
        ..
    } = window;
    if let Some(bound) = bound {
        select.cond_where(past(
            Expr::col(sort.clone()),
            Expr::col(id.clone()),
            bound,
            scan,
        ));
    }
    let numbering = WindowStatement::partition_by(partition.clone())
        .order_by(sort, scan.order())
        .order_by(id, scan.order())
        .take();
    select
        .expr_as(Expr::col(partition), PARTITION_KEY)
        .expr_window_as(Expr::cust("ROW_NUMBER()"), numbering, ROW_NUM);
    select
}

/// How many rows of a partition [`numbered`] must keep for `request`: the
/// page and one more, which tells whether there is a next page.
pub fn scanned_rows(request: &PageRequest) -> i64 {
    request.size() as i64 + 1
}

/// The column a windowed query names each row's partition by.
pub const PARTITION_KEY: &str = "partition_key";
/// The column a windowed query numbers rows within a partition by.
pub const ROW_NUM: &str = "row_num";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_page_with_an_extra_row_has_a_next_page() {
        let req = PageRequest::Forward {
            first: 2,
            after: None,
        };
        let page = req.finish(vec![1, 2, 3]);
        assert_eq!(page.items, vec![1, 2]);
        assert!(page.has_next_page);
        assert!(!page.has_previous_page);
    }

    #[test]
    fn a_backward_page_is_returned_in_display_order() {
        let bound = Position {
            key: SortKey::Text("m".into()),
            id: 9,
        };
        let req = PageRequest::Backward {
            last: 2,
            before: Some(bound),
        };
        let page = req.finish(vec![5, 4, 3]);
        assert_eq!(page.items, vec![4, 5]);
        assert!(page.has_previous_page);
        assert!(page.has_next_page);
    }

    #[test]
    fn a_backward_scan_runs_against_the_order() {
        let req = PageRequest::Backward {
            last: 2,
            before: None,
        };
        assert_eq!(req.scan(Direction::Desc).0, Direction::Asc);
        assert_eq!(req.scan(Direction::Asc).0, Direction::Desc);
    }
}
