//! HTTP caching of public reads, and the response cache behind it.
//!
//! An anonymous query that runs without an error is public: the same for
//! every reader. Its answer is kept in the replica's response cache (see
//! `service::cache`), keyed by the document's hash, the operation name, the
//! variables, the profile and the response format. Over GET it is also
//! cacheable by browsers and CDNs:
//! - `Cache-Control: public, max-age=…, stale-while-revalidate=…`, never
//!   reaching past the next scheduled publication;
//! - a strong `ETag` (one per content coding), with `304 Not Modified` for
//!   a matching `If-None-Match`;
//! - `Vary: Accept, Accept-Encoding, Authorization`;
//! - the cache tags of everything it holds, in `Surrogate-Key` (Fastly,
//!   Varnish) and `Cache-Tag` (Cloudflare), for purging by tag.
//!
//! Its body carries no `extensions.cost`, which is about the client, not
//! the answer; the cost is charged all the same, on every hit too. Every
//! other answer (staff, an owner token, an error, a mutation, anything
//! over POST) is `private, no-store`.

use std::io::Write;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use async_graphql::{Request, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::answer::Format;
use crate::config::Profile;
use crate::service::cache::{CacheKey, Entry, Fresh, ResponseCache, Tag};
use crate::service::secret::hex;

/// The `Vary` of every cacheable answer: the format, the coding, and
/// whether a staff token was sent (a staff member never gets the public
/// answer from a shared cache).
const VARY: &str = "Accept, Accept-Encoding, Authorization";

/// How cacheable GET answers are to be kept by HTTP caches.
#[derive(Debug, Clone, Copy)]
pub struct HttpCaching {
    /// `max-age`, in seconds.
    pub max_age: u64,
    /// `stale-while-revalidate`, in seconds.
    pub stale_while_revalidate: u64,
}

/// A request's key in the response cache: its document's text (sent, or
/// found by its persisted id), operation name and variables, with the
/// profile and the format.
pub(super) fn key(profile: Profile, format: Format, request: &Request) -> CacheKey {
    let mut hasher = Sha256::new();
    hasher.update([
        match profile {
            Profile::Dev => b'd',
            Profile::Public => b'p',
        },
        match format {
            Format::Json => b'j',
            Format::GraphqlResponse => b'g',
        },
    ]);
    hasher.update(request.query.as_bytes());
    hasher.update([0]);
    hasher.update(request.operation_name.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    // Variables in the order sent: the same request sent twice hashes the
    // same; the same variables in another order only miss.
    if let Ok(variables) = serde_json::to_vec(&request.variables) {
        hasher.update(&variables);
    }
    hasher.finalize().into()
}

/// An answer to keep: the public `data` of a query that ran without an
/// error, with what it holds. None when it holds nothing to cache.
pub(super) fn fresh(
    response: &Response,
    format: Format,
    tags: Vec<Tag>,
    until: Option<DateTime<Utc>>,
) -> Option<Fresh> {
    let data = serde_json::to_vec(&response.data).ok()?;
    let mut body = Vec::with_capacity(data.len() + 9);
    body.extend_from_slice(b"{\"data\":");
    body.extend_from_slice(&data);
    body.push(b'}');
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    gz.write_all(&body).ok()?;
    let gzip = gz.finish().ok()?;
    // The media type is part of the representation, so of its validator.
    let digest = Sha256::new()
        .chain_update(format.content_type())
        .chain_update(&body)
        .finalize();
    let etag = format!("\"{}\"", hex(&digest[..16]));
    let (requested, actual) = cost_of(response);
    Some(Fresh {
        data: data.into(),
        body: body.into(),
        gzip: gzip.into(),
        etag,
        tags,
        requested,
        actual,
        until,
    })
}

/// The cost the response reports (`extensions.cost`).
fn cost_of(response: &Response) -> (u64, u64) {
    let number = |name: &str| match response.extensions.get("cost") {
        Some(async_graphql::Value::Object(cost)) => match cost.get(name) {
            Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    };
    (number("requested"), number("actual"))
}

/// The answer to a GET from `entry`: 304 if the client has it, else the
/// body in the coding it accepts, with the headers that let HTTP caches
/// keep it.
pub(super) fn serve_get(
    entry: &Entry,
    headers: &HeaderMap,
    format: Format,
    http: HttpCaching,
    cache: &ResponseCache,
    hit: bool,
    now: DateTime<Utc>,
) -> HttpResponse {
    let gzip = accepts_gzip(headers);
    let etag = if gzip {
        gzip_etag(&entry.etag)
    } else {
        entry.etag.clone()
    };
    let status = if matches(headers, &entry.etag) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((
            header::CACHE_CONTROL,
            cache_control(http, changes_at(entry, cache), now),
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, VARY))
        .insert_header(("x-marquee-cache", if hit { "hit" } else { "miss" }));
    if !entry.surrogate_key.is_empty() {
        builder
            .insert_header(("surrogate-key", entry.surrogate_key.as_str()))
            .insert_header(("cache-tag", entry.cache_tag.as_str()));
    }
    if status == StatusCode::NOT_MODIFIED {
        return builder.finish();
    }
    builder.content_type(format.content_type());
    if gzip {
        builder
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(entry.gzip.clone())
    } else {
        // Set, so the compression middleware leaves the body (and its
        // ETag) as it is.
        builder
            .insert_header((header::CONTENT_ENCODING, "identity"))
            .body(entry.body.clone())
    }
}

/// The answer to a POST from `entry`: its data with the client's cost, not
/// to be kept by HTTP caches.
pub(super) fn serve_post(
    entry: &Entry,
    format: Format,
    cost: async_graphql::Value,
    hit: bool,
) -> HttpResponse {
    let cost = serde_json::to_vec(&cost).unwrap_or_else(|_| b"null".to_vec());
    let mut body = Vec::with_capacity(entry.data.len() + cost.len() + 40);
    body.extend_from_slice(b"{\"data\":");
    body.extend_from_slice(&entry.data);
    body.extend_from_slice(b",\"extensions\":{\"cost\":");
    body.extend_from_slice(&cost);
    body.extend_from_slice(b"}}");
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("x-marquee-cache", if hit { "hit" } else { "miss" }))
        .body(body)
}

/// The next instant `entry` may change with no commit to purge it: the
/// next scheduled publication, or its own (comments closing).
fn changes_at(entry: &Entry, cache: &ResponseCache) -> Option<DateTime<Utc>> {
    match (cache.next_publication(), entry.until) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `Cache-Control` for a public answer served at `now`: neither `max-age`
/// nor `stale-while-revalidate` reaches past the next scheduled
/// publication, when the lists it may change go stale.
fn cache_control(http: HttpCaching, next: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let (mut max_age, mut stale) = (http.max_age, http.stale_while_revalidate);
    if let Some(next) = next {
        let until = (next - now).num_seconds().max(0) as u64;
        max_age = max_age.min(until);
        stale = stale.min(until - max_age);
    }
    if max_age == 0 {
        return "public, no-cache".to_owned();
    }
    if stale == 0 {
        format!("public, max-age={max_age}")
    } else {
        format!("public, max-age={max_age}, stale-while-revalidate={stale}")
    }
}

/// The gzipped body's ETag: the same with `-gzip` inside the quotes.
fn gzip_etag(etag: &str) -> String {
    format!("{}-gzip\"", etag.trim_end_matches('"'))
}

/// Whether `If-None-Match` names the answer (weakly, as RFC 9110 compares
/// it: either coding of the same body matches).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*" || {
                let tag = candidate
                    .strip_prefix("W/")
                    .unwrap_or(candidate)
                    .trim_matches('"');
                tag == bare || tag.strip_suffix("-gzip") == Some(bare)
            }
        })
}

/// Whether the client takes gzip (and has not refused it with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;
    use chrono::TimeDelta;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn max_age_never_reaches_past_the_next_publication() {
        let http = HttpCaching {
            max_age: 60,
            stale_while_revalidate: 30,
        };
        let now = Utc::now();
        assert_eq!(
            cache_control(http, None, now),
            "public, max-age=60, stale-while-revalidate=30"
        );
        let soon = now + TimeDelta::seconds(70);
        assert_eq!(
            cache_control(http, Some(soon), now),
            "public, max-age=60, stale-while-revalidate=10"
        );
        let sooner = now + TimeDelta::seconds(20);
        assert_eq!(cache_control(http, Some(sooner), now), "public, max-age=20");
        assert_eq!(cache_control(http, Some(now), now), "public, no-cache");
    }

    #[test]
    fn if_none_match_compares_weakly_across_codings() {
        let etag = "\"abc\"";
        assert!(matches(&headers(&[("if-none-match", "\"abc\"")]), etag));
        assert!(matches(&headers(&[("if-none-match", "W/\"abc\"")]), etag));
        assert!(matches(
            &headers(&[("if-none-match", "\"x\", \"abc-gzip\"")]),
            etag
        ));
        assert!(matches(&headers(&[("if-none-match", "*")]), etag));
        assert!(!matches(&headers(&[("if-none-match", "\"abd\"")]), etag));
        assert!(!matches(&headers(&[]), etag));
        assert_eq!(gzip_etag(etag), "\"abc-gzip\"");
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&headers(&[("accept-encoding", "gzip, br")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "*")])));
        assert!(!accepts_gzip(&headers(&[(
            "accept-encoding",
            "gzip;q=0, br"
        )])));
        assert!(!accepts_gzip(&headers(&[])));
    }
}
