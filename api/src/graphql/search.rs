//! `search`: full-text search over reviews, films and people, ranked by
//! relevance, each hit with a highlighted snippet.

use std::collections::HashMap;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, Object, Union};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::{Role, SubjectKind};

use super::context::{db, require_role};
use super::film::Film;
use super::person::Person;
use super::review::Review;
use super::tags::{self, Tag};
use crate::domain::SearchQuery;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::service::search::{Hit, MARK_END, MARK_START, Search};

/// What a search costs in the query cost budget beyond its fields. Ranking
/// reads every match: for words common in the benchmark's 50,000 reviews
/// (20,000 matches) that is about 170 ms of database time, so a client's
/// budget (20,000 points, 1,000 a second back) allows about two searches a
/// second, sustained, and a burst of 40.
const SEARCH_COST: usize = 500;
/// Hits a page holds when `first` is not given.
const DEFAULT_FIRST: i32 = 10;
/// Most hits a page holds.
const MAX_FIRST: i32 = 50;
/// How deep into the ranking one may page: relevance past this is noise,
/// and an offset this deep still costs little.
const MAX_OFFSET: u64 = 1_000;

/// What `search` looks through.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SearchKind {
    /// Reviews: headline, excerpt, body and verdict.
    Review,
    /// Films: title and synopsis.
    Film,
    /// People: name.
    Person,
}

impl From<SearchKind> for SubjectKind {
    fn from(kind: SearchKind) -> Self {
        match kind {
            SearchKind::Review => Self::Review,
            SearchKind::Film => Self::Film,
            SearchKind::Person => Self::Person,
        }
    }
}

/// Something `search` found.
#[derive(Union)]
pub enum SearchResult {
    Review(Review),
    Film(Film),
    Person(Person),
}

/// One hit, with where it ranks.
pub struct SearchEdge {
    cursor: String,
    node: SearchResult,
    snippet: String,
    score: f64,
}

/// One hit of a search.
#[Object]
impl SearchEdge {
    /// An opaque cursor: pass it as `after` for the hits after this one.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The review, film or person found.
    async fn node(&self) -> &SearchResult {
        &self.node
    }

    /// A short passage around the words matched, as HTML: the matched
    /// words are in `<mark>`, everything else is escaped text.
    async fn snippet(&self) -> &str {
        &self.snippet
    }

    /// How well it matches; higher is better. Comparable within one search
    /// only.
    async fn score(&self) -> f64 {
        self.score
    }
}

/// A page of search hits, best first.
pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    has_next_page: bool,
    has_previous_page: bool,
}

/// A page of search hits, best first.
#[Object]
impl SearchConnection {
    /// The hits of this page, each with its snippet and cursor.
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }

    /// The things found, without snippets.
    async fn nodes(&self) -> Vec<&SearchResult> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Whether there are hits after this page, and the cursor to fetch them.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
}

fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("search:")?
        .parse()
        .ok()
}

/// The snippet as safe HTML: the text escaped, the marks made `<mark>`.
fn snippet_html(raw: &str) -> String {
    let mut html = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MARK_START => html.push_str("<mark>"),
            MARK_END => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            '\n' => html.push(' '),
            c => html.push(c),
        }
    }
    html
}

#[derive(Default)]
pub struct SearchQueryRoot;

/// Full-text search.
#[Object]
impl SearchQueryRoot {
    /// Reviews, films and people matching `query`, best first: every word
    /// must match, ignoring case and accents, with stemming ("loves" finds
    /// "love"). Quotes, `-`, `*`, `:` and parentheses are read as plain
    /// text. A query with no words finds nothing. `kinds` narrows what is
    /// searched (all three by default). Reviews not yet public are found
    /// only with an EDITOR or ADMIN token. `first` is 10 unless given, at
    /// most 50; pages reach the first 1,000 hits. A search costs 500 points
    /// of the query cost budget beyond its fields.
    #[graphql(
        complexity = "SEARCH_COST + super::pagination::page_complexity(child_complexity, first, None)"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        kinds: Option<Vec<SearchKind>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<SearchConnection> {
        let query = SearchQuery::parse(&query).map_err(|message| ApiError::InvalidArgument {
            argument: "query",
            message,
        })?;
        let first = first.unwrap_or(DEFAULT_FIRST);
        if !(0..=MAX_FIRST).contains(&first) {
            return Err(ApiError::InvalidArgument {
                argument: "first",
                message: format!("`first` must be between 0 and {MAX_FIRST}"),
            });
        }
        let offset = match after.as_deref() {
            Some(cursor) => decode_cursor(cursor)
                .map(|o| o + 1)
                .ok_or(ApiError::InvalidCursor { argument: "after" })?,
            None => 0,
        };
        let mut kinds: Vec<SubjectKind> = kinds
            .unwrap_or_else(|| vec![SearchKind::Review, SearchKind::Film, SearchKind::Person])
            .into_iter()
            .map(Into::into)
            .collect();
        kinds.dedup();
        let first = first as u64;
        let limit = first.min(MAX_OFFSET.saturating_sub(offset));
        let drafts = require_role(ctx, Role::Editor).is_ok();
        let db = db(ctx)?;
        // One hit more than the page, to tell whether another page follows.
        let hits = service::search::search(
            db,
            &Search {
                query: &query,
                kinds: &kinds,
                drafts,
                offset,
                limit: limit + 1,
            },
        )
        .await?;
        let has_next_page = hits.len() as u64 > limit && offset + limit < MAX_OFFSET;
        let hits: Vec<Hit> = hits.into_iter().take(limit as usize).collect();
        let nodes = load_nodes(ctx, &hits, drafts).await?;
        // Any change to what is indexed may change the hits and snippets.
        tags::tag(ctx, [Tag::Search]);
        tags::tag(ctx, nodes.reviews.keys().map(|&id| Tag::Review(id)));
        tags::tag(ctx, nodes.films.keys().map(|&id| Tag::Film(id)));
        tags::tag(ctx, nodes.people.keys().map(|&id| Tag::Person(id)));
        let edges = hits
            .into_iter()
            .enumerate()
            .filter_map(|(i, hit)| {
                let node = match hit.kind {
                    SubjectKind::Review => nodes
                        .reviews
                        .get(&hit.id)
                        .cloned()
                        .map(SearchResult::Review),
                    SubjectKind::Film => nodes.films.get(&hit.id).cloned().map(SearchResult::Film),
                    SubjectKind::Person => {
                        nodes.people.get(&hit.id).cloned().map(SearchResult::Person)
                    }
                }?;
                Some(SearchEdge {
                    cursor: encode_cursor(offset + i as u64),
                    node,
                    snippet: snippet_html(&hit.snippet),
                    score: hit.score,
                })
            })
            .collect();
        Ok(SearchConnection {
            edges,
            has_next_page,
            has_previous_page: offset > 0,
        })
    }
}

struct Nodes {
    reviews: HashMap<i32, Review>,
    films: HashMap<i32, Film>,
    people: HashMap<i32, Person>,
}

/// The page's objects: one statement per kind it holds.
async fn load_nodes(ctx: &Context<'_>, hits: &[Hit], drafts: bool) -> ApiResult<Nodes> {
    let ids = |kind: SubjectKind| -> Vec<i32> {
        hits.iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.id)
            .collect()
    };
    let db = db(ctx)?;
    let (review_ids, film_ids, person_ids) = (
        ids(SubjectKind::Review),
        ids(SubjectKind::Film),
        ids(SubjectKind::Person),
    );
    let reviews = if review_ids.is_empty() {
        HashMap::new()
    } else if drafts {
        service::editorial::review::any_by_ids(db, &review_ids).await?
    } else {
        service::review::by_ids(db, &review_ids).await?
    };
    let films = if film_ids.is_empty() {
        HashMap::new()
    } else {
        service::film::by_ids(db, &film_ids).await?
    };
    let people = if person_ids.is_empty() {
        HashMap::new()
    } else {
        service::person::by_ids(db, &person_ids).await?
    };
    Ok(Nodes {
        reviews: reviews.into_iter().map(|(k, v)| (k, Review(v))).collect(),
        films: films.into_iter().map(|(k, v)| (k, Film(v))).collect(),
        people: people.into_iter().map(|(k, v)| (k, Person(v))).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_escape_everything_but_the_marks() {
        let raw = format!("a <b>&\"x\" {MARK_START}love{MARK_END}'s");
        assert_eq!(
            snippet_html(&raw),
            "a &lt;b&gt;&amp;&quot;x&quot; <mark>love</mark>&#39;s"
        );
    }

    #[test]
    fn cursors_round_trip_and_others_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("bm9wZQ"), None);
        assert_eq!(decode_cursor("!!"), None);
    }
}
