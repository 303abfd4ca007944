//! The client's address, found correctly behind reverse proxies: only
//! proxies on the trusted list may say, in `X-Forwarded-For`, whom they are
//! forwarding for. Anyone else's header is ignored, so a client cannot
//! choose its own address to dodge flood control.

use std::net::IpAddr;

/// Where a request came from, as far as the server can tell: what the
/// HTTP layer hands the services about a client.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client address, hashed with the server's secret (a keyed HMAC);
    /// the address itself is not kept.
    pub ip_hash: Option<String>,
    /// The `User-Agent`, cut to 255 characters.
    pub user_agent: Option<String>,
}

/// One trusted address or network, e.g. `10.0.0.0/8` or `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.addr), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Network::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the
    /// nearest address in `X-Forwarded-For` (read right to left) that is not
    /// itself a trusted proxy.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .rev();
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                // A garbled entry: believe nothing further left.
                Err(_) => return client,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let t = TrustedProxies::default();
        assert_eq!(
            t.client_ip(ip("198.51.100.7"), &["203.0.113.1"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        assert_eq!(
            t.client_ip(ip("10.1.2.3"), &["203.0.113.1"]),
            ip("203.0.113.1")
        );
        assert_eq!(
            t.client_ip(ip("::1"), &["203.0.113.1, 10.0.0.5"]),
            ip("203.0.113.1")
        );
    }

    #[test]
    fn a_client_cannot_forge_its_address_through_a_trusted_proxy() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the
        // client's real address. Reading right to left stops at the real one.
        let t = TrustedProxies::parse("10.0.0.1").unwrap();
        assert_eq!(
            t.client_ip(ip("10.0.0.1"), &["1.2.3.4, 198.51.100.7"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_garbled_header_is_not_believed() {
        let t = TrustedProxies::parse("10.0.0.1").unwrap();
        assert_eq!(
            t.client_ip(ip("10.0.0.1"), &["1.2.3.4, nonsense"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn mapped_ipv4_addresses_match_ipv4_networks() {
        let t = TrustedProxies::parse("127.0.0.0/8").unwrap();
        assert_eq!(
            t.client_ip(ip("::ffff:127.0.0.1"), &["192.0.2.9"]),
            ip("192.0.2.9")
        );
    }

    #[test]
    fn a_bad_list_is_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("not-an-ip").is_err());
    }
}
