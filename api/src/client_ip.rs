//! The client's address, found correctly behind reverse proxies: only
//! proxies on the trusted list may say, in `X-Forwarded-For`, whom they are
//! forwarding for. Anyone else's header is ignored, so a client cannot
//! choose its own address to dodge flood control.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

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

/// One trusted address or network, e.g. `10.0.0.0/8` or `::1`: a bare
/// address is a network of one (/32 or /128). An IPv4-mapped network
/// (`::ffff:10.0.0.0/104`) is read as the IPv4 network it maps, since
/// addresses are compared in their [`canonical`] form.
fn parse_network(s: &str) -> Result<IpNet, String> {
    let not_an_address = || format!("`{s}` is not an IP address or network");
    let net = match s.split_once('/') {
        None => IpNet::from(s.parse::<IpAddr>().map_err(|_| not_an_address())?),
        Some((addr, prefix)) => {
            let addr = addr.trim().parse().map_err(|_| not_an_address())?;
            prefix
                .trim()
                .parse()
                .ok()
                .and_then(|prefix| IpNet::new(addr, prefix).ok())
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?
        }
    };
    Ok(match net {
        IpNet::V6(v6) => match (v6.addr().to_ipv4_mapped(), v6.prefix_len().checked_sub(96)) {
            (Some(v4), Some(prefix)) => Ipv4Net::new(v4, prefix).map_or(net, IpNet::V4),
            _ => net,
        },
        v4 => v4,
    })
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
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_network)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
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
    fn mapped_ipv6_networks_match_ipv4_addresses() {
        let t = TrustedProxies::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(t.trusts(ip("10.1.2.3")));
        assert!(!t.trusts(ip("11.0.0.1")));
    }

    #[test]
    fn a_bare_mapped_address_trusts_that_address_only() {
        let t = TrustedProxies::parse("::ffff:10.0.0.1").unwrap();
        assert!(t.trusts(ip("10.0.0.1")));
        assert!(!t.trusts(ip("10.0.0.2")));
        assert!(!t.trusts(ip("198.51.100.7")));
    }

    #[test]
    fn bare_addresses_and_networks_are_read_with_spaces_around_them() {
        let t = TrustedProxies::parse(" 192.0.2.1 , 10.0.0.0 / 8,, 2001:db8::/32 ").unwrap();
        assert!(t.trusts(ip("192.0.2.1")));
        assert!(!t.trusts(ip("192.0.2.2")));
        assert!(t.trusts(ip("10.255.0.1")));
        assert!(t.trusts(ip("2001:db8::7")));
        assert!(!t.trusts(ip("2001:db9::7")));
    }

    #[test]
    fn a_network_with_host_bits_set_is_the_whole_network() {
        let t = TrustedProxies::parse("10.1.2.3/8").unwrap();
        assert!(t.trusts(ip("10.200.0.1")));
    }

    #[test]
    fn a_bad_list_is_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("not-an-ip").is_err());
    }

    #[test]
    fn a_bad_entry_is_named_in_the_error() {
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8, 10.0.0.0/33").unwrap_err(),
            "`10.0.0.0/33` has a bad prefix length"
        );
        assert_eq!(
            TrustedProxies::parse("::1/129").unwrap_err(),
            "`::1/129` has a bad prefix length"
        );
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/x").unwrap_err(),
            "`10.0.0.0/x` has a bad prefix length"
        );
        assert_eq!(
            TrustedProxies::parse("proxy.internal").unwrap_err(),
            "`proxy.internal` is not an IP address or network"
        );
        assert_eq!(
            TrustedProxies::parse("10.0.0/8").unwrap_err(),
            "`10.0.0/8` is not an IP address or network"
        );
    }
}
