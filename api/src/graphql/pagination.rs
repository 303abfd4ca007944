//! Relay pagination arguments and opaque keyset cursors.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::{Object, ObjectType, OutputType, TypeName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::service::page::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest, Position, SortKey,
};

/// An opaque cursor: a row's position in its list, base64url-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub Position);

impl Cursor {
    pub fn decode_cursor(s: &str) -> Result<Self, &'static str> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| "not base64")?;
        let text = String::from_utf8(bytes).map_err(|_| "not text")?;
        let mut parts = text.splitn(3, '|');
        let (Some(kind), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("malformed");
        };
        let id: i32 = id.parse().map_err(|_| "bad id")?;
        let key = match kind {
            "t" => SortKey::Time(
                DateTime::parse_from_rfc3339(key)
                    .map_err(|_| "bad time")?
                    .with_timezone(&Utc),
            ),
            "s" => SortKey::Text(key.to_owned()),
            _ => return Err("unknown kind"),
        };
        Ok(Self(Position { key, id }))
    }

    pub fn encode_cursor(&self) -> String {
        let Position { key, id } = &self.0;
        let text = match key {
            SortKey::Time(t) => format!(
                "t|{id}|{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ),
            SortKey::Text(s) => format!("s|{id}|{s}"),
        };
        URL_SAFE_NO_PAD.encode(text)
    }
}

/// The four Relay arguments, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Checks the arguments against the limits and decodes the cursors.
    pub fn into_request(self) -> Result<PageRequest, ApiError> {
        let size = |argument: &'static str, n: i32| -> Result<u64, ApiError> {
            if n < 0 {
                return Err(ApiError::InvalidArgument {
                    argument,
                    message: format!("`{argument}` must not be negative"),
                });
            }
            if n as u64 > MAX_PAGE_SIZE {
                return Err(ApiError::InvalidArgument {
                    argument,
                    message: format!(
                        "`{argument}` must be at most {MAX_PAGE_SIZE}; page through larger lists"
                    ),
                });
            }
            Ok(n as u64)
        };
        let cursor =
            |argument: &'static str, s: Option<String>| -> Result<Option<Position>, ApiError> {
                s.map(|s| {
                    Cursor::decode_cursor(&s)
                        .map(|c| c.0)
                        .map_err(|_| ApiError::InvalidCursor { argument })
                })
                .transpose()
            };
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(ApiError::InvalidArgument {
                argument: "last",
                message: "Pass `first` (with `after`) or `last` (with `before`), not both".into(),
            }),
            (None, Some(last)) => Ok(PageRequest::Backward {
                last: size("last", last)?,
                before: cursor("before", self.before)?,
            }),
            (first, None) => {
                if self.before.is_some() && self.after.is_none() && first.is_none() {
                    // `before` alone: the page that ends just before it.
                    return Ok(PageRequest::Backward {
                        last: DEFAULT_PAGE_SIZE,
                        before: cursor("before", self.before)?,
                    });
                }
                Ok(PageRequest::Forward {
                    first: first
                        .map(|n| size("first", n))
                        .transpose()?
                        .unwrap_or(DEFAULT_PAGE_SIZE),
                    after: cursor("after", self.after)?,
                })
            }
        }
    }
}

/// The complexity of a paged field: its page size times its children.
pub fn page_complexity(child: usize, first: Option<i32>, last: Option<i32>) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE as i32)
        .clamp(0, MAX_PAGE_SIZE as i32) as usize;
    1 + size.max(1) * child
}

/// A page of a list in the Relay connection shape. `I` adds the list's own
/// fields, such as a lazily counted `totalCount`.
pub struct Connection<N, I> {
    edges: Vec<Edge<N>>,
    info: I,
    has_previous_page: bool,
    has_next_page: bool,
}

impl<N, I> Connection<N, I> {
    /// The page's nodes, in order.
    pub fn page_nodes(&self) -> impl Iterator<Item = &N> {
        self.edges.iter().map(|edge| &edge.node)
    }
}

/// A page of a list, with the cursors to fetch the pages around it.
#[Object(name_type)]
impl<N: OutputType, I: ObjectType> Connection<N, I> {
    /// Whether there are pages before and after this one, and the cursors
    /// to fetch them.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }

    /// The items of this page, each with its cursor.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }

    /// The items of this page, without cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    #[graphql(flatten)]
    async fn info(&self) -> &I {
        &self.info
    }
}

impl<N: OutputType, I: Send + Sync> TypeName for Connection<N, I> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One item of a page, and the cursor that marks its place in the list.
pub struct Edge<N> {
    cursor: String,
    node: N,
}

/// An item of a list, and its cursor.
#[Object(name_type)]
impl<N: OutputType> Edge<N> {
    /// An opaque cursor: pass it as `after` or `before` to page from here.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item.
    async fn node(&self) -> &N {
        &self.node
    }
}

impl<N: OutputType> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// Builds a connection from a page of rows.
pub fn connection<M, N, I>(
    page: Page<M>,
    info: I,
    position: impl Fn(&M) -> Position,
    node: impl Fn(M) -> N,
) -> Connection<N, I>
where
    N: OutputType,
    I: ObjectType,
{
    Connection {
        edges: page
            .items
            .into_iter()
            .map(|m| Edge {
                cursor: Cursor(position(&m)).encode_cursor(),
                node: node(m),
            })
            .collect(),
        info,
        has_previous_page: page.has_previous_page,
        has_next_page: page.has_next_page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_cursor_round_trips_at_microsecond_precision() {
        let t = DateTime::parse_from_rfc3339("2014-01-10T12:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = Cursor(Position {
            key: SortKey::Time(t),
            id: 7,
        });
        assert_eq!(Cursor::decode_cursor(&c.encode_cursor()).unwrap(), c);
    }

    #[test]
    fn a_text_cursor_with_a_bar_round_trips() {
        let c = Cursor(Position {
            key: SortKey::Text("a|b".into()),
            id: 3,
        });
        assert_eq!(Cursor::decode_cursor(&c.encode_cursor()).unwrap(), c);
    }

    #[test]
    fn first_above_the_limit_is_refused() {
        let err = PageArgs::new(Some(101), None, None, None)
            .into_request()
            .unwrap_err();
        assert!(matches!(
            err,
            ApiError::InvalidArgument {
                argument: "first",
                ..
            }
        ));
    }

    #[test]
    fn first_and_last_together_are_refused() {
        assert!(
            PageArgs::new(Some(1), None, Some(1), None)
                .into_request()
                .is_err()
        );
    }

    #[test]
    fn a_forged_cursor_is_refused() {
        let err = PageArgs::new(None, Some("bm9wZQ".into()), None, None)
            .into_request()
            .unwrap_err();
        assert!(matches!(err, ApiError::InvalidCursor { argument: "after" }));
    }
}
