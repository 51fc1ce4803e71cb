//! The payload-digest scheme (Sumsub style): `X-Payload-Digest`, an HMAC of the raw body under the
//! algorithm `X-Payload-Digest-Alg` names ([`DigestAlg`]); nothing time related is signed.

use hmac::Hmac;
use sha2::{Sha256, Sha512};

use super::mac::{decode_hex, hmac_parts, matches_any, usable};
use super::{SignatureError, Verified, malformed};

/// The HMAC hash of a [`Scheme::PayloadDigest`] signature.
///
/// [`Scheme::PayloadDigest`]: super::Scheme::PayloadDigest
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DigestAlg {
    /// `HMAC_SHA256_HEX` (the default when the algorithm header is absent).
    #[default]
    Sha256,
    /// `HMAC_SHA512_HEX`.
    Sha512,
}

impl DigestAlg {
    /// The value of the `X-Payload-Digest-Alg` header for this algorithm.
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Sha256 => "HMAC_SHA256_HEX",
            Self::Sha512 => "HMAC_SHA512_HEX",
        }
    }

    /// Parses the `X-Payload-Digest-Alg` header; absent (or blank) means SHA-256.
    pub fn parse(header: Option<&str>) -> Result<Self, SignatureError> {
        let Some(raw) = header.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Self::default());
        };
        if raw.eq_ignore_ascii_case("HMAC_SHA256_HEX") {
            Ok(Self::Sha256)
        } else if raw.eq_ignore_ascii_case("HMAC_SHA512_HEX") {
            Ok(Self::Sha512)
        } else {
            Err(SignatureError::Malformed("unknown digest algorithm (expected HMAC_SHA256_HEX or HMAC_SHA512_HEX)".into()))
        }
    }

    /// Length of the MAC in bytes.
    pub(super) fn mac_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    pub(super) fn mac(self, secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Self::Sha256 => hmac_parts::<Hmac<Sha256>>(secret, parts),
            Self::Sha512 => hmac_parts::<Hmac<Sha512>>(secret, parts),
        }
    }
}

/// The `X-Payload-Digest` header value for `body` (send `alg.header_value()` as
/// `X-Payload-Digest-Alg`).
pub fn sign_payload_digest(secret: &[u8], alg: DigestAlg, body: &[u8]) -> String {
    hex::encode(alg.mac(secret, &[body]))
}

/// Verifies a [`Scheme::PayloadDigest`] signature over the raw `body`. `alg_header` is the
/// `X-Payload-Digest-Alg` header (absent = SHA-256). No time is signed: check the event's
/// `createdAtMs` with [`check_freshness`].
///
/// [`Scheme::PayloadDigest`]: super::Scheme::PayloadDigest
/// [`check_freshness`]: super::check_freshness
pub fn verify_payload_digest(
    digest_header: &str,
    alg_header: Option<&str>,
    body: &[u8],
    secrets: &[&[u8]],
) -> Result<Verified, SignatureError> {
    let digest = digest_header.trim();
    if digest.is_empty() {
        return Err(SignatureError::Missing);
    }
    let alg = DigestAlg::parse(alg_header)?;
    let candidate = decode_hex(digest, "the payload digest")?;
    if candidate.len() != alg.mac_len() {
        return Err(malformed("the payload digest length does not match its algorithm"));
    }
    let candidates = [candidate];
    let mut ok = false;
    for secret in usable(secrets) {
        ok |= matches_any(&alg.mac(secret, &[body]), &candidates);
    }
    if ok { Ok(Verified { timestamp: None }) } else { Err(SignatureError::Mismatch) }
}
