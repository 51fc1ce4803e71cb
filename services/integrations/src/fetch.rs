//! Fetching outside content (model weights now; opt-out signals later) with an SSRF guard:
//! loopback, private, link-local and other non-public addresses are refused unless the operator
//! allows them (`ATTUNE_ALLOW_PRIVATE_NETWORKS=true`, which the tests set). The guard runs on the
//! *resolved* addresses of every connection, so a public name that resolves to 127.0.0.1, or a
//! redirect to one, is refused too; literal IPs in URLs and redirects are checked before connecting.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("the content is larger than the declared {declared} bytes")]
    TooLarge { declared: u64 },
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("{0}")]
    Transport(String),
}

/// Whether an address is on the public internet (not loopback, private, link-local, CGNAT,
/// documentation, multicast, unspecified or otherwise reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let first = s[0];
    // 6to4 (2002::/16) carries an IPv4 address in bits 16..48: it is as public as that address.
    if first == 0x2002 {
        return is_public_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // ::/96, the deprecated IPv4-compatible addresses (::a.b.c.d), some stacks route as IPv4.
        || s[..6].iter().all(|x| *x == 0)
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // fec0::/10, the deprecated site-local range.
        || (first & 0xffc0) == 0xfec0
        // Teredo (2001::/32) hides an IPv4 client behind a relay.
        || first == 0x2001 && s[1] == 0
        || first == 0x2001 && s[1] == 0x0db8
        || (first == 0x0064 && s[1] == 0xff9b))
}

/// A DNS resolver that drops non-public addresses.
pub(crate) struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                // The resolved addresses stay out of the message: they would map the internal network.
                return Err(format!("{host} does not resolve to a public address; private networks are not allowed").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug, Clone)]
pub struct FetchedDigest {
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone)]
pub struct SafeFetcher {
    client: reqwest::Client,
    allow_private: bool,
    /// The file root as configured and as resolved (symlinks followed).
    file_root: Option<(PathBuf, PathBuf)>,
}

impl SafeFetcher {
    pub fn new(allow_private: bool, file_root: Option<PathBuf>, user_agent: &str) -> anyhow::Result<Self> {
        // reqwest's rustls needs one crypto provider; ring is the one the rest of the stack uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(600))
            // A system proxy (HTTP_PROXY…) would make the connection, and the guard would check
            // the proxy's address instead of the target's.
            .no_proxy()
            .redirect(redirect_policy(allow_private));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        let client = builder.build().map_err(|e| anyhow::anyhow!("failed to build the HTTP client: {e}"))?;
        let file_root = match file_root {
            Some(root) => {
                let resolved = root.canonicalize().map_err(|e| anyhow::anyhow!("the file root {} is not usable: {e}", root.display()))?;
                Some((std::path::absolute(&root).unwrap_or_else(|_| resolved.clone()), resolved))
            }
            None => None,
        };
        Ok(Self { client, allow_private, file_root })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Streams `uri` through SHA-256, stopping as soon as it exceeds `declared_size`.
    pub async fn digest(&self, uri: &str, declared_size: u64) -> Result<FetchedDigest, FetchError> {
        let url = url::Url::parse(uri).map_err(|e| FetchError::Refused(format!("not a URL: {e}")))?;
        match url.scheme() {
            "http" | "https" => self.digest_http(url, declared_size).await,
            "file" => self.digest_file(&url, declared_size).await,
            other => Err(FetchError::Refused(format!("the {other}: scheme is not supported (use http, https or file)"))),
        }
    }

    async fn digest_http(&self, url: url::Url, declared_size: u64) -> Result<FetchedDigest, FetchError> {
        check_literal_host(&url, self.allow_private)?;
        let mut response = self.client.get(url).send().await.map_err(|e| FetchError::Transport(describe_for_user(&e)))?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|len| len > declared_size) {
            return Err(FetchError::TooLarge { declared: declared_size });
        }
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Transport(describe_for_user(&e)))? {
            size += chunk.len() as u64;
            if size > declared_size {
                return Err(FetchError::TooLarge { declared: declared_size });
            }
            hasher.update(&chunk);
        }
        Ok(FetchedDigest { size, sha256: hex::encode(hasher.finalize()) })
    }

    async fn digest_file(&self, url: &url::Url, declared_size: u64) -> Result<FetchedDigest, FetchError> {
        let Some((given_root, root)) = &self.file_root else {
            return Err(FetchError::Refused("file:// URIs are not allowed on this server (no file root is configured)".into()));
        };
        let path = url.to_file_path().map_err(|_| FetchError::Refused("not a local file path".into()))?;
        // Checked against the root before the file system is touched (so nothing outside it is
        // even probed for existence), then again after symlinks are resolved.
        let outside = || FetchError::Refused(format!("{} is outside the allowed file root", path.display()));
        if !path.is_absolute() || path.components().any(|c| !matches!(c, Component::RootDir | Component::Normal(_))) {
            return Err(outside());
        }
        if !path.starts_with(given_root) && !path.starts_with(root) {
            return Err(outside());
        }
        let resolved = path.canonicalize().map_err(|_| FetchError::Transport(format!("cannot open {}", path.display())))?;
        if !resolved.starts_with(root) {
            return Err(outside());
        }
        hash_file(&resolved, declared_size).await
    }
}

async fn hash_file(path: &Path, declared_size: u64) -> Result<FetchedDigest, FetchError> {
    let mut file = tokio::fs::File::open(path).await.map_err(|_| FetchError::Transport(format!("cannot open {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await.map_err(|e| FetchError::Transport(e.to_string()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > declared_size {
            return Err(FetchError::TooLarge { declared: declared_size });
        }
        hasher.update(&buf[..n]);
    }
    Ok(FetchedDigest { size, sha256: hex::encode(hasher.finalize()) })
}

pub(crate) fn check_literal_host(url: &url::Url, allow_private: bool) -> Result<(), FetchError> {
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        _ => return Ok(()),
    };
    if is_public(ip) { Ok(()) } else { Err(FetchError::Refused(format!("{ip} is not a public address; private networks are not allowed"))) }
}

pub(crate) fn redirect_policy(allow_private: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("too many redirects");
        }
        let url = attempt.url().clone();
        if !matches!(url.scheme(), "http" | "https") {
            return attempt.error(format!("redirect to a {} URL refused", url.scheme()));
        }
        match check_literal_host(&url, allow_private) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e.to_string()),
        }
    })
}

/// What went wrong with a fetch, in words a lister may see: the kind of failure and our guard's
/// own refusals, but not the connector's details (resolved addresses, OS errors).
pub(crate) fn describe_for_user(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the request timed out".into();
    }
    let full = describe(e);
    if full.contains("private networks are not allowed") {
        return "the host does not resolve to a public address; private networks are not allowed".into();
    }
    if e.is_redirect() {
        return "a redirect was refused (too many, or to a non-public address or another scheme)".into();
    }
    if e.is_connect() {
        return "the connection failed".into();
    }
    if e.is_body() || e.is_decode() {
        return "the download broke off".into();
    }
    "the request failed".into()
}

pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "fec0::1",
            "2002:7f00:0001::1",
            "2002:0a00:0001::",
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        ] {
            assert!(!is_public(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))), "{ip} must not count as public");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2002:0808:0808::1"] {
            assert!(is_public(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_inside_is_refused_without_naming_its_addresses() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        let Ok(name) = reqwest::dns::Name::from_str("localhost") else { unreachable!() };
        let message = match GuardedResolver.resolve(name).await {
            Ok(_) => String::from("resolved"),
            Err(e) => e.to_string(),
        };
        assert!(message.contains("does not resolve to a public address"), "{message}");
        assert!(!message.contains("127.0.0.1") && !message.contains("::1"), "{message}");
    }

    #[test]
    fn literal_private_hosts_are_refused_unless_allowed() {
        let url = url::Url::parse("http://169.254.169.254/latest/meta-data").unwrap_or_else(|_| unreachable!());
        assert!(check_literal_host(&url, false).is_err());
        assert!(check_literal_host(&url, true).is_ok());
        let local = url::Url::parse("http://localhost:8080/").unwrap_or_else(|_| unreachable!());
        assert!(check_literal_host(&local, false).is_err());
    }
}
