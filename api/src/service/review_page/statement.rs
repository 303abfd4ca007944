//! The second statement of a review page: one `UNION ALL` of a sub-select
//! per relation the selection reads.

use super::*;

/// The pages of `wanted`, parents before the replies that hang from them.
pub(super) fn flatten(wanted: &[CommentsWanted]) -> Vec<PagePlan> {
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
pub(super) fn page_table(i: usize) -> Alias {
    Alias::new(format!("page_{i}"))
}

/// `SELECT id FROM page_i WHERE row_num <= size`: the comments page `i`
/// shows (not the extra row that only tells whether there is a next page).
pub(super) fn shown(i: usize, plan: &PagePlan) -> SelectStatement {
    Query::select()
        .column((page_table(i), comment::Column::Id))
        .from(page_table(i))
        .and_where(Expr::col((page_table(i), Alias::new(ROW_NUM))).lte(plan.request.size() as i64))
        .take()
}

/// The condition "`column` names a parent of `parents`".
pub(super) fn parent_condition(
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
pub(super) fn json_object(backend: DbBackend, fields: Vec<(&'static str, Expr)>) -> Expr {
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
pub(super) fn all_columns<E: EntityTrait>(table: impl IntoIden + Clone) -> Vec<(&'static str, Expr)>
where
    E::Column: IdenStatic,
{
    E::Column::iter()
        .map(|c| (c.as_str(), Expr::col((table.clone(), c))))
        .collect()
}

/// `SELECT kind, key, payload` for one part of the union.
pub(super) fn member(kind: usize, key: Expr, payload: Expr) -> SelectStatement {
    Query::select()
        .expr_as(Expr::Constant((kind as i32).into()), Alias::new(KIND))
        .expr_as(key, Alias::new(KEY))
        .expr_as(payload, Alias::new(PAYLOAD))
        .take()
}

/// The statement, and what each `kind` stands for; `None` when nothing is
/// wanted.
pub(super) fn build(
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
            Expr::col((
                table.clone(),
                Alias::new(crate::service::page::PARTITION_KEY),
            )),
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
pub(super) fn union_all(selects: Vec<SelectStatement>) -> Option<SelectStatement> {
    let mut selects = selects.into_iter();
    let mut first = selects.next()?;
    first.unions(selects.map(|s| (UnionType::All, s)));
    Some(first)
}

/// Adds a count of `thread`'s approved comments under `parents`.
pub(super) fn push_count(
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
