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

mod decode;
mod statement;

use super::comment::{Thread, approved, window};
use super::page::{Direction, Page, PageRequest, ROW_NUM, numbered, scanned_rows};
use super::review::public;
use statement::{build, flatten};

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
        ReviewKey::Slug(slug) => public().filter(super::review::slug_condition(slug)),
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
