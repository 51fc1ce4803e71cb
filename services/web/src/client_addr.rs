//! The client's address behind trusted reverse proxies. `Forwarded` / `X-Forwarded-For` are read
//! only when the TCP peer is one of the configured proxies (`ATTUNE_TRUSTED_PROXIES`); otherwise a
//! client could name any address it likes and escape the per-address limits.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed (addresses or CIDR ranges).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list such as `10.0.0.0/8, 192.0.2.7, ::1`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match IpNet::from_str(item) {
                Ok(net) => net,
                Err(_) => IpAddr::from_str(item).map(IpNet::from).map_err(|_| format!("{item:?} is not an IP address or CIDR range"))?,
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client: the peer, or — while the hop in hand is a trusted proxy — the address that hop
    /// says it forwarded for, walking the forwarding chain from the right.
    pub fn client_ip(&self, peer: IpAddr, forwarded_chain: &[Option<IpAddr>]) -> IpAddr {
        let mut client = canonical(peer);
        for hop in forwarded_chain.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match hop {
                Some(ip) => client = canonical(*ip),
                // An unreadable entry (`unknown`, an obfuscated name): stop at the proxy that sent it.
                None => break,
            }
        }
        client
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The forwarded-for addresses of a request, leftmost (the original client) first: from
/// `Forwarded` if present, else from `X-Forwarded-For`. Every header line counts.
pub fn forwarded_chain(req: &HttpRequest) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = req.headers().get_all(header::FORWARDED).filter_map(|v| v.to_str().ok()).collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim().eq_ignore_ascii_case("for").then(|| parse_node(value.trim().trim_matches('"')))
                })?
            })
            .collect();
    }
    req.headers()
        .get_all(HeaderName::from_static("x-forwarded-for"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(|s| parse_node(s.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or a bare IPv6 address.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| IpAddr::from_str(ip).ok());
    }
    IpAddr::from_str(node).ok().or_else(|| node.rsplit_once(':').and_then(|(ip, _)| ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn headers_count_only_from_a_trusted_peer() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap_or_default();
        let chain = [Some(ip("198.51.100.9")), Some(ip("10.1.1.1"))];
        assert_eq!(proxies.client_ip(ip("192.0.2.7"), &chain), ip("198.51.100.9"));
        assert_eq!(proxies.client_ip(ip("203.0.113.5"), &chain), ip("203.0.113.5"), "an untrusted peer's header is ignored");
        // A client-supplied entry left of the first untrusted hop is never believed.
        let spoofed = [Some(ip("1.2.3.4")), Some(ip("198.51.100.9"))];
        assert_eq!(proxies.client_ip(ip("10.2.2.2"), &spoofed), ip("198.51.100.9"));
        assert_eq!(proxies.client_ip(ip("10.2.2.2"), &[None]), ip("10.2.2.2"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err() && TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(parse_node("[2001:db8::1]:4711"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("192.0.2.1:80"), Some(ip("192.0.2.1")));
    }
}
