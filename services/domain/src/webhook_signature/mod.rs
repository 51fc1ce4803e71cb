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
//!
//! This file holds what both schemes share: the [`Scheme`]s, the outcome ([`Verified`],
//! [`SignatureError`]) and the freshness check; each scheme signs and verifies in its own file, over
//! the MAC machinery in `mac`.

mod mac;
mod payload_digest;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
mod timestamped;

pub use payload_digest::{DigestAlg, sign_payload_digest, verify_payload_digest};
pub use timestamped::{sign_timestamped, verify_timestamped};

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
