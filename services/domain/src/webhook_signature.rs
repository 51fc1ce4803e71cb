//! Webhook signatures for KYC and onramp providers (DESIGN §4 "KYC").
//!
//! A webhook is verified over the **raw body exactly as received** — never over a re-serialised
//! JSON value, whose key order, spacing and escapes differ from what the sender signed. MACs are
//! compared in constant time (`subtle`), never with `==`. Several signatures in one header and
//! several active secrets are accepted, so a provider and the platform can rotate keys without a
//! window in which webhooks fail.
//!
//! Two schemes are in use:
//! - [`Scheme::Timestamped`] (Stripe / Persona style): the header is
//!   `t=<unix secs>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=…]`. The timestamp is part of the
//!   signed message, so [`verify_timestamped`] also enforces the tolerance window.
//! - [`Scheme::PayloadDigest`] (Sumsub style): `X-Payload-Digest: <hex HMAC of the raw body>` with
//!   `X-Payload-Digest-Alg: HMAC_SHA256_HEX | HMAC_SHA512_HEX` (SHA-256 when absent). Nothing time
//!   related is signed, so the caller checks the event's own `createdAtMs` with [`check_freshness`].
//!
//! Replay protection by event id needs storage and therefore lives with the caller (a unique
//! constraint on `(provider, event_id)`); this module is pure.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

/// How a provider signs its webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `t=<unix secs>,v1=<hex hmac-sha256 of "<t>.<raw body>">[,v1=…]` — any `v1` matching any
    /// active key passes.
    Timestamped,
    /// `X-Payload-Digest: <hex hmac of raw body>` with `X-Payload-Digest-Alg`; no timestamp in the
    /// signature.
    PayloadDigest,
}

/// The HMAC hash of a [`Scheme::PayloadDigest`] signature.
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
    fn mac_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    fn mac(self, secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Self::Sha256 => hmac_parts::<Hmac<Sha256>>(secret, parts),
            Self::Sha512 => hmac_parts::<Hmac<Sha512>>(secret, parts),
        }
    }
}

/// A webhook whose signature checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The signed timestamp (unix seconds) for [`Scheme::Timestamped`]; `None` for
    /// [`Scheme::PayloadDigest`], whose caller checks the event's own time.
    pub timestamp: Option<i64>,
}

/// Why a webhook was rejected. None of the messages echo the header or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is malformed: {0}")]
    Malformed(String),
    #[error("the signature timestamp is {age_secs} s old, outside the tolerance window")]
    Stale { age_secs: i64 },
    #[error("the signature timestamp is in the future, beyond the tolerance window")]
    FromTheFuture,
    #[error("no signature matches any active secret")]
    Mismatch,
}

fn malformed(reason: &str) -> SignatureError {
    SignatureError::Malformed(reason.to_owned())
}

/// HMAC of the concatenation of `parts` under `secret`.
fn hmac_parts<M: Mac + KeyInit>(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length (long keys are hashed, short ones padded), so this never fails.
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(secret) else { unreachable!("HMAC accepts keys of any length") };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Decodes one hex MAC from a header, with a reason for the caller's log when it is not hex.
fn decode_hex(value: &str, what: &str) -> Result<Vec<u8>, SignatureError> {
    hex::decode(value).map_err(|e| match e {
        hex::FromHexError::OddLength => SignatureError::Malformed(format!("{what} has an odd number of hex digits")),
        hex::FromHexError::InvalidHexCharacter { .. } | hex::FromHexError::InvalidStringLength => {
            SignatureError::Malformed(format!("{what} is not hex"))
        }
    })
}

/// True when `computed` equals any of `candidates`, each compared in constant time. Every
/// candidate is compared (no early exit), so timing reveals neither the match nor its position.
fn matches_any(computed: &[u8], candidates: &[Vec<u8>]) -> bool {
    candidates.iter().fold(subtle::Choice::from(0u8), |acc, c| acc | computed.ct_eq(c)).into()
}

/// Secrets that may be used: an empty secret is a misconfiguration (anyone can compute an HMAC
/// under the empty key), so it never verifies anything.
fn usable<'a>(secrets: &'a [&'a [u8]]) -> impl Iterator<Item = &'a [u8]> {
    secrets.iter().copied().filter(|s| !s.is_empty())
}

/// Checks a timestamp (unix seconds) against `now` and a tolerance window: older than
/// `now - tolerance_secs` is [`SignatureError::Stale`], later than `now + tolerance_secs` is
/// [`SignatureError::FromTheFuture`]; the bounds themselves pass. A negative tolerance counts as 0.
///
/// [`verify_timestamped`] calls this itself; for [`Scheme::PayloadDigest`] the caller passes the
/// event's `createdAtMs / 1000`.
pub fn check_freshness(timestamp: i64, now: i64, tolerance_secs: i64) -> Result<(), SignatureError> {
    let tolerance = tolerance_secs.max(0);
    let age = now.saturating_sub(timestamp);
    if age > tolerance {
        Err(SignatureError::Stale { age_secs: age })
    } else if age < tolerance.saturating_neg() {
        Err(SignatureError::FromTheFuture)
    } else {
        Ok(())
    }
}

/// The `t=…,v1=…` header value a sender (e.g. the sandbox provider) attaches to `body`.
pub fn sign_timestamped(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mac = hmac_parts::<Hmac<Sha256>>(secret, &[t.as_bytes(), b".", body]);
    format!("t={t},v1={}", hex::encode(mac))
}

/// Verifies a [`Scheme::Timestamped`] header over the raw `body`.
///
/// Items are separated by `,` and may be surrounded by whitespace (`t=1, v1=…`). Exactly one `t`
/// is required; every `v1` is a candidate; other schemes (`v0`, …) are ignored. The MAC is taken
/// over the `t` value exactly as it appears in the header, as the sender signed it. The signature
/// is checked before the timestamp, so an unauthenticated request never learns about the window.
pub fn verify_timestamped(header: &str, body: &[u8], secrets: &[&[u8]], now: i64, tolerance_secs: i64) -> Result<Verified, SignatureError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let mut t: Option<(&str, i64)> = None;
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for item in header.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(malformed("an item has no '='"));
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "t" => {
                if t.is_some() {
                    return Err(malformed("more than one t="));
                }
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(malformed("t is not a number of seconds"));
                }
                let secs: i64 = value.parse().map_err(|_| malformed("t is out of range"))?;
                t = Some((value, secs));
            }
            "v1" => {
                let mac = decode_hex(value, "a v1 signature")?;
                if mac.len() != DigestAlg::Sha256.mac_len() {
                    return Err(malformed("a v1 signature is not 32 bytes (HMAC-SHA256)"));
                }
                candidates.push(mac);
            }
            _ => {}
        }
    }
    let Some((t_raw, timestamp)) = t else {
        return Err(malformed("no t= timestamp"));
    };
    if candidates.is_empty() {
        return Err(malformed("no v1= signature"));
    }
    let mut ok = false;
    for secret in usable(secrets) {
        let computed = DigestAlg::Sha256.mac(secret, &[t_raw.as_bytes(), b".", body]);
        ok |= matches_any(&computed, &candidates);
    }
    if !ok {
        return Err(SignatureError::Mismatch);
    }
    check_freshness(timestamp, now, tolerance_secs)?;
    Ok(Verified { timestamp: Some(timestamp) })
}

/// The `X-Payload-Digest` header value for `body` (send `alg.header_value()` as
/// `X-Payload-Digest-Alg`).
pub fn sign_payload_digest(secret: &[u8], alg: DigestAlg, body: &[u8]) -> String {
    hex::encode(alg.mac(secret, &[body]))
}

/// Verifies a [`Scheme::PayloadDigest`] signature over the raw `body`. `alg_header` is the
/// `X-Payload-Digest-Alg` header (absent = SHA-256). No time is signed: check the event's
/// `createdAtMs` with [`check_freshness`].
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const OLD: &[u8] = b"whsec_old_0123456789";
    const NEW: &[u8] = b"whsec_new_9876543210";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"inquiry.approved","data":{"amount":1000}}"#;
    const NOW: i64 = 1_700_000_000;
    const TOL: i64 = 300;

    fn malformed_reason(r: Result<Verified, SignatureError>) -> String {
        match r {
            Err(SignatureError::Malformed(reason)) => reason,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn timestamped_round_trip() {
        let header = sign_timestamped(NEW, NOW, BODY);
        assert!(header.starts_with(&format!("t={NOW},v1=")));
        assert_eq!(header.len(), format!("t={NOW},v1=").len() + 64);
        let v = verify_timestamped(&header, BODY, &[NEW], NOW + 10, TOL).unwrap();
        assert_eq!(v, Verified { timestamp: Some(NOW) });
    }

    #[test]
    fn timestamped_known_answer() {
        // HMAC-SHA256("secret", "1.{}"), computed independently (`openssl dgst -sha256 -hmac`).
        let header = sign_timestamped(b"secret", 1, b"{}");
        assert_eq!(header, "t=1,v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908");
    }

    #[test]
    fn rotation_old_key_verifies_against_new_and_old() {
        let header = sign_timestamped(OLD, NOW, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
        let v = verify_timestamped(&header, BODY, &[NEW, OLD], NOW, TOL).unwrap();
        assert_eq!(v.timestamp, Some(NOW));
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        let header = sign_timestamped(NEW, NOW, BODY);
        let tampered = br#"{"id":"evt_1","type":"inquiry.approved","data":{"amount":9000}}"#;
        assert_eq!(verify_timestamped(&header, tampered, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
    }

    #[test]
    fn reserialised_json_fails() {
        let header = sign_timestamped(NEW, NOW, BODY);
        let value: serde_json::Value = serde_json::from_slice(BODY).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert_ne!(pretty, BODY);
        assert_eq!(verify_timestamped(&header, &pretty, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
        // Same for the digest scheme.
        let digest = sign_payload_digest(NEW, DigestAlg::Sha256, BODY);
        assert_eq!(verify_payload_digest(&digest, None, &pretty, &[NEW]), Err(SignatureError::Mismatch));
    }

    #[test]
    fn wrong_key_is_a_mismatch() {
        let header = sign_timestamped(b"someone else", NOW, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[NEW, OLD], NOW, TOL), Err(SignatureError::Mismatch));
    }

    #[test]
    fn no_secrets_or_empty_secret_never_verify() {
        let header = sign_timestamped(b"", NOW, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[], NOW, TOL), Err(SignatureError::Mismatch));
        assert_eq!(verify_timestamped(&header, BODY, &[b""], NOW, TOL), Err(SignatureError::Mismatch));
        let digest = sign_payload_digest(b"", DigestAlg::Sha256, BODY);
        assert_eq!(verify_payload_digest(&digest, None, BODY, &[b""]), Err(SignatureError::Mismatch));
    }

    #[test]
    fn stale_timestamp() {
        let header = sign_timestamped(NEW, NOW - TOL - 1, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL), Err(SignatureError::Stale { age_secs: TOL + 1 }));
        // The bound itself passes.
        let header = sign_timestamped(NEW, NOW - TOL, BODY);
        assert!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL).is_ok());
    }

    #[test]
    fn future_timestamp() {
        let header = sign_timestamped(NEW, NOW + TOL + 1, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL), Err(SignatureError::FromTheFuture));
        // Clock skew within the window passes.
        let header = sign_timestamped(NEW, NOW + TOL, BODY);
        assert!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL).is_ok());
    }

    #[test]
    fn a_forged_signature_is_a_mismatch_even_when_stale() {
        // The signature is checked first: an unauthenticated sender does not learn about the window.
        let header = sign_timestamped(b"forger", NOW - 10 * TOL, BODY);
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
    }

    #[test]
    fn missing_header() {
        assert_eq!(verify_timestamped("", BODY, &[NEW], NOW, TOL), Err(SignatureError::Missing));
        assert_eq!(verify_timestamped("  \t ", BODY, &[NEW], NOW, TOL), Err(SignatureError::Missing));
        assert_eq!(verify_payload_digest(" ", None, BODY, &[NEW]), Err(SignatureError::Missing));
    }

    #[test]
    fn garbled_headers_are_malformed_with_a_reason() {
        let v1 = "ab".repeat(32);
        let check = |h: &str, needle: &str| {
            let reason = malformed_reason(verify_timestamped(h, BODY, &[NEW], NOW, TOL));
            assert!(reason.contains(needle), "{h:?}: {reason:?} lacks {needle:?}");
        };
        check("garbage", "no '='");
        check(&format!("v1={v1}"), "no t=");
        check(&format!("t=abc,v1={v1}"), "not a number");
        check(&format!("t=-5,v1={v1}"), "not a number");
        check(&format!("t=,v1={v1}"), "not a number");
        check(&format!("t=99999999999999999999,v1={v1}"), "out of range");
        check(&format!("t={NOW},t={NOW},v1={v1}"), "more than one t=");
        check(&format!("t={NOW}"), "no v1=");
        check(&format!("t={NOW},v1=abc"), "odd number");
        check(&format!("t={NOW},v1={}", "zz".repeat(32)), "not hex");
        check(&format!("t={NOW},v1=abcd"), "not 32 bytes");
    }

    #[test]
    fn second_of_two_v1_matches() {
        let good = sign_timestamped(NEW, NOW, BODY);
        let good_mac = good.split_once(",v1=").unwrap().1;
        let bogus = "00".repeat(32);
        let header = format!("t={NOW},v1={bogus},v1={good_mac}");
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL).unwrap().timestamp, Some(NOW));
        // Neither matches → mismatch.
        let header = format!("t={NOW},v1={bogus},v1={}", "11".repeat(32));
        assert_eq!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
    }

    #[test]
    fn whitespace_and_other_schemes_are_tolerated() {
        let good = sign_timestamped(NEW, NOW, BODY);
        let mac = good.split_once(",v1=").unwrap().1;
        for header in [
            format!("t={NOW}, v1={mac}"),
            format!(" t = {NOW} ,\tv1 = {mac} "),
            format!("t={NOW},v0={},v1={mac},", "ff".repeat(32)),
            format!("v1={mac},t={NOW}"),
            format!("t={NOW},v1={}", mac.to_ascii_uppercase()),
        ] {
            assert!(verify_timestamped(&header, BODY, &[NEW], NOW, TOL).is_ok(), "{header:?}");
        }
    }

    #[test]
    fn timestamp_is_signed_as_written() {
        // Moving the timestamp invalidates the signature (no replay with a fresh `t`).
        let good = sign_timestamped(NEW, NOW - 10 * TOL, BODY);
        let mac = good.split_once(",v1=").unwrap().1;
        let replay = format!("t={NOW},v1={mac}");
        assert_eq!(verify_timestamped(&replay, BODY, &[NEW], NOW, TOL), Err(SignatureError::Mismatch));
    }

    #[test]
    fn payload_digest_sha256() {
        let digest = sign_payload_digest(NEW, DigestAlg::Sha256, BODY);
        assert_eq!(digest.len(), 64);
        assert_eq!(verify_payload_digest(&digest, None, BODY, &[NEW]).unwrap(), Verified { timestamp: None });
        assert!(verify_payload_digest(&digest, Some("HMAC_SHA256_HEX"), BODY, &[NEW]).is_ok());
        assert_eq!(DigestAlg::Sha256.header_value(), "HMAC_SHA256_HEX");
    }

    #[test]
    fn payload_digest_sha512() {
        let digest = sign_payload_digest(NEW, DigestAlg::Sha512, BODY);
        assert_eq!(digest.len(), 128);
        let alg = DigestAlg::Sha512.header_value();
        assert!(verify_payload_digest(&digest, Some(alg), BODY, &[OLD, NEW]).is_ok());
        // Without the algorithm header it is read as SHA-256, whose length it does not have.
        assert!(malformed_reason(verify_payload_digest(&digest, None, BODY, &[NEW])).contains("length"));
        assert_eq!(verify_payload_digest(&digest, Some(alg), b"{}", &[NEW]), Err(SignatureError::Mismatch));
    }

    #[test]
    fn payload_digest_known_answers() {
        // RFC 4231 test case 2.
        let (key, data) = (b"Jefe".as_slice(), b"what do ya want for nothing?".as_slice());
        assert_eq!(sign_payload_digest(key, DigestAlg::Sha256, data), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(
            sign_payload_digest(key, DigestAlg::Sha512, data),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn payload_digest_rotation_wrong_key_and_garbage() {
        let digest = sign_payload_digest(OLD, DigestAlg::Sha256, BODY);
        assert!(verify_payload_digest(&digest, None, BODY, &[NEW, OLD]).is_ok());
        assert_eq!(verify_payload_digest(&digest, None, BODY, &[NEW]), Err(SignatureError::Mismatch));
        assert!(malformed_reason(verify_payload_digest(&digest, Some("HMAC_SHA1_HEX"), BODY, &[OLD])).contains("unknown digest algorithm"));
        assert!(malformed_reason(verify_payload_digest("abc", None, BODY, &[OLD])).contains("odd number"));
        assert!(malformed_reason(verify_payload_digest(&"g".repeat(64), None, BODY, &[OLD])).contains("not hex"));
    }

    #[test]
    fn digest_alg_parse() {
        assert_eq!(DigestAlg::parse(None), Ok(DigestAlg::Sha256));
        assert_eq!(DigestAlg::parse(Some(" ")), Ok(DigestAlg::Sha256));
        assert_eq!(DigestAlg::parse(Some(" hmac_sha512_hex ")), Ok(DigestAlg::Sha512));
        assert!(DigestAlg::parse(Some("SHA256")).is_err());
    }

    #[test]
    fn freshness_for_digest_events() {
        let created_at_ms: i64 = (NOW - 30) * 1000;
        assert_eq!(check_freshness(created_at_ms / 1000, NOW, TOL), Ok(()));
        assert_eq!(check_freshness(NOW - 301, NOW, TOL), Err(SignatureError::Stale { age_secs: 301 }));
        assert_eq!(check_freshness(NOW + 301, NOW, TOL), Err(SignatureError::FromTheFuture));
        assert_eq!(check_freshness(i64::MIN, i64::MAX, TOL), Err(SignatureError::Stale { age_secs: i64::MAX }));
        assert_eq!(check_freshness(NOW + 1, NOW, -5), Err(SignatureError::FromTheFuture));
    }
}
