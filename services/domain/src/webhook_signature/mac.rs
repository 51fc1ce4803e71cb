//! The MAC machinery both schemes share: HMAC over a message's parts, hex MACs from a header,
//! constant-time comparison against every candidate, and which secrets may be used.

use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

use super::SignatureError;

/// HMAC of the concatenation of `parts` under `secret`.
pub(super) fn hmac_parts<M: Mac + KeyInit>(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length (long keys are hashed, short ones padded), so this never fails.
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(secret) else { unreachable!("HMAC accepts keys of any length") };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Decodes one hex MAC from a header, with a reason for the caller's log when it is not hex.
pub(super) fn decode_hex(value: &str, what: &str) -> Result<Vec<u8>, SignatureError> {
    hex::decode(value).map_err(|e| match e {
        hex::FromHexError::OddLength => SignatureError::Malformed(format!("{what} has an odd number of hex digits")),
        hex::FromHexError::InvalidHexCharacter { .. } | hex::FromHexError::InvalidStringLength => {
            SignatureError::Malformed(format!("{what} is not hex"))
        }
    })
}

/// True when `computed` equals any of `candidates`, each compared in constant time. Every
/// candidate is compared (no early exit), so timing reveals neither the match nor its position.
pub(super) fn matches_any(computed: &[u8], candidates: &[Vec<u8>]) -> bool {
    candidates.iter().fold(subtle::Choice::from(0u8), |acc, c| acc | computed.ct_eq(c)).into()
}

/// Secrets that may be used: an empty secret is a misconfiguration (anyone can compute an HMAC
/// under the empty key), so it never verifies anything.
pub(super) fn usable<'a>(secrets: &'a [&'a [u8]]) -> impl Iterator<Item = &'a [u8]> {
    secrets.iter().copied().filter(|s| !s.is_empty())
}
