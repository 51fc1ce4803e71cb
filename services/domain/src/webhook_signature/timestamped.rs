//! The timestamped scheme (Stripe / Persona style): `t=<unix secs>,v1=<hex HMAC-SHA256 of
//! "<t>.<raw body>">[,v1=…]`, the timestamp signed with the body and checked against the window.

use hmac::Hmac;
use sha2::Sha256;

use super::mac::{decode_hex, hmac_parts, matches_any, usable};
use super::{DigestAlg, SignatureError, Verified, check_freshness, malformed};

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
///
/// [`Scheme::Timestamped`]: super::Scheme::Timestamped
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
