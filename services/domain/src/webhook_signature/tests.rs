//! The schemes' tests: round trips, known answers, key rotation, tampering, the window and malformed
//! headers.

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
