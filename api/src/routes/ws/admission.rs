//! Who may open a WebSocket: an allowed origin, and a client address with
//! sockets to spare on this replica.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::super::http_error;
use crate::code::ErrorCode;

pub(super) fn forbidden_origin() -> HttpResponse {
    http_error(
        StatusCode::FORBIDDEN,
        ErrorCode::ForbiddenOrigin,
        "Pages on this origin may not open a WebSocket to this server.",
    )
}

/// The origins whose pages may open a WebSocket (`MARQUEE_WS_ALLOWED_ORIGINS`).
/// A client that sends no `Origin` is not a browser page, so no page can
/// hijack it, and is always let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// The server's own origin: the `Origin`'s host and port equal the
    /// request's `Host`. (The default, from an empty setting.)
    SameHost,
    /// Any origin (`*`).
    Any,
    /// Exactly these origins, as `scheme://host[:port]`, lower case, without
    /// a default port.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Parses the comma-separated setting: empty for [`Self::SameHost`],
    /// `*` for [`Self::Any`], otherwise origins like `https://example.com`.
    pub fn parse(setting: &str) -> Result<Self, String> {
        let entries: Vec<&str> = setting
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if entries.is_empty() {
            return Ok(Self::SameHost);
        }
        if entries.contains(&"*") {
            return Ok(Self::Any);
        }
        entries
            .into_iter()
            .map(|entry| {
                Origin::parse(entry)
                    .map(|o| o.to_string())
                    .ok_or_else(|| format!("`{entry}` is not an origin like `https://example.com`"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::List)
    }

    /// Whether a request with this `Origin` (and `Host`) may open a socket.
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        match self {
            Self::Any => true,
            Self::List(allowed) => {
                Origin::parse(origin).is_some_and(|o| allowed.contains(&o.to_string()))
            }
            Self::SameHost => match (Origin::parse(origin), host) {
                (Some(origin), Some(host)) => {
                    let host = host.trim().to_ascii_lowercase();
                    origin.authority == without_default_port(&host, origin.https)
                }
                _ => false,
            },
        }
    }
}

/// A parsed `Origin`: `http`/`https`, and the host with a port when it is
/// not the scheme's default.
struct Origin {
    https: bool,
    authority: String,
}

impl Origin {
    fn parse(origin: &str) -> Option<Self> {
        let origin = origin.trim().to_ascii_lowercase();
        let origin = origin.strip_suffix('/').unwrap_or(&origin);
        let (https, rest) = if let Some(rest) = origin.strip_prefix("https://") {
            (true, rest)
        } else {
            (false, origin.strip_prefix("http://")?)
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return None;
        }
        Some(Self {
            https,
            authority: without_default_port(rest, https).to_owned(),
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority)
    }
}

fn without_default_port(authority: &str, https: bool) -> &str {
    let default = if https { ":443" } else { ":80" };
    authority.strip_suffix(default).unwrap_or(authority)
}

/// Open WebSockets per client address (the hashed address of
/// `ClientInfo::ip_hash`), for `MARQUEE_WS_MAX_SOCKETS_PER_CLIENT`.
///
/// The count lives in this process, so the limit is **per replica**: behind a
/// load balancer with N replicas, one address may hold up to N times the
/// limit. That still bounds what one client can pin on any one server.
#[derive(Debug, Clone, Default)]
pub struct SocketCounts(Arc<Mutex<HashMap<String, usize>>>);

impl SocketCounts {
    /// Takes a slot for `client` if it holds fewer than `limit` sockets. The
    /// slot is given back when the returned guard is dropped.
    pub fn acquire(&self, client: &str, limit: usize) -> Option<SocketSlot> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let open = counts.entry(client.to_owned()).or_insert(0);
        if *open >= limit {
            return None;
        }
        *open += 1;
        Some(SocketSlot {
            counts: self.clone(),
            client: client.to_owned(),
        })
    }

    /// How many sockets `client` holds now.
    pub fn open(&self, client: &str) -> usize {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(client).copied().unwrap_or(0)
    }
}

/// One open socket's place in [`SocketCounts`]. Dropping it (when the
/// socket's task ends, by a close, an error or a panic) gives the place back.
#[derive(Debug)]
pub struct SocketSlot {
    counts: SocketCounts,
    client: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = counts.get_mut(&self.client) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_setting_allows_the_servers_own_origin_and_no_origin() {
        let allowed = AllowedOrigins::parse(" ").unwrap();
        assert_eq!(allowed, AllowedOrigins::SameHost);
        assert!(allowed.allows(None, Some("api.example.com")));
        assert!(allowed.allows(Some("https://api.example.com"), Some("api.example.com")));
        assert!(allowed.allows(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")));
        assert!(allowed.allows(Some("https://API.example.com:443"), Some("api.example.com")));
        assert!(!allowed.allows(Some("https://evil.example"), Some("api.example.com")));
        assert!(!allowed.allows(Some("http://127.0.0.1:9999"), Some("127.0.0.1:8080")));
        assert!(!allowed.allows(Some("null"), Some("api.example.com")));
        assert!(!allowed.allows(Some("https://api.example.com"), None));
    }

    #[test]
    fn a_list_allows_exactly_its_origins() {
        let allowed =
            AllowedOrigins::parse("https://app.example.com, http://localhost:3000/").unwrap();
        assert!(allowed.allows(Some("https://app.example.com"), Some("api.example.com")));
        assert!(allowed.allows(Some("http://localhost:3000"), Some("api.example.com")));
        assert!(!allowed.allows(Some("http://app.example.com"), Some("api.example.com")));
        assert!(!allowed.allows(Some("https://api.example.com"), Some("api.example.com")));
        assert!(allowed.allows(None, Some("api.example.com")));
    }

    #[test]
    fn a_star_allows_every_origin_and_nonsense_is_refused() {
        assert_eq!(AllowedOrigins::parse("*").unwrap(), AllowedOrigins::Any);
        assert!(AllowedOrigins::parse("example.com").is_err());
        assert!(AllowedOrigins::parse("https://example.com/path").is_err());
    }

    #[test]
    fn socket_slots_are_given_back_when_dropped() {
        let counts = SocketCounts::default();
        let a = counts.acquire("a", 2).unwrap();
        let _b = counts.acquire("a", 2).unwrap();
        assert!(counts.acquire("a", 2).is_none());
        assert!(counts.acquire("other", 2).is_some());
        drop(a);
        assert_eq!(counts.open("a"), 1);
        assert!(counts.acquire("a", 2).is_some());
    }
}
