//! Idempotency keys for creating requests (API.md conventions): the first response to a key is
//! stored with the fingerprint of its request body, in the creating transaction; the same key and
//! body get that response again, another body is a 422 on `Idempotency-Key`.

use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::AppError;

/// A request's `Idempotency-Key` and the fingerprint of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    key: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// 1 to 255 visible ASCII characters (surrounding spaces are not part of the key); the body's
    /// fingerprint is the sha256 of its canonical JSON (RFC 8785), so key order and spacing do not
    /// make two requests differ.
    pub fn new(key: &str, body: &serde_json::Value) -> Result<Self, AppError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::field("Idempotency-Key", "must be 1 to 255 visible ASCII characters"));
        }
        let canonical = serde_jcs::to_string(body).unwrap_or_else(|_| body.to_string());
        Ok(Self { key: key.to_owned(), fingerprint: hex::encode(Sha256::digest(canonical.as_bytes())) })
    }
}

/// A response to a creating request: its HTTP status and JSON body.
pub type Answer = (u16, serde_json::Value);

/// Inside the creating transaction, before any work: holds the key until the transaction ends (a
/// concurrent request with the same key waits) and returns the stored answer if there is one.
pub async fn replay(
    conn: &mut PgConnection,
    organization_id: Uuid,
    scope: &str,
    key: Option<&IdempotencyKey>,
) -> Result<Option<Answer>, AppError> {
    let Some(k) = key else { return Ok(None) };
    attune_db::idempotency::lock(conn, organization_id, scope, &k.key).await?;
    let Some(stored) = attune_db::idempotency::find(conn, organization_id, scope, &k.key).await? else { return Ok(None) };
    if stored.request_sha256 != k.fingerprint {
        return Err(AppError::field("Idempotency-Key", "was already used with a different request body"));
    }
    Ok(Some((u16::try_from(stored.status_code).unwrap_or(201), stored.response)))
}

/// In the same transaction, after the work: stores the answer under the key.
pub async fn remember(
    conn: &mut PgConnection,
    organization_id: Uuid,
    scope: &str,
    key: Option<&IdempotencyKey>,
    answer: &Answer,
) -> Result<(), AppError> {
    if let Some(k) = key {
        attune_db::idempotency::store(conn, organization_id, scope, &k.key, &k.fingerprint, i32::from(answer.0), &answer.1).await?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_fingerprint_ignores_key_order_but_not_values() {
        let a = IdempotencyKey::new("k-1", &json!({"a": 1, "b": [1, 2]})).unwrap();
        let b = IdempotencyKey::new(" k-1 ", &json!({"b": [1, 2], "a": 1})).unwrap();
        let c = IdempotencyKey::new("k-1", &json!({"a": 2, "b": [1, 2]})).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn a_key_is_visible_ascii_up_to_255_characters() {
        let body = json!({});
        assert!(IdempotencyKey::new("", &body).is_err());
        assert!(IdempotencyKey::new("with space", &body).is_err());
        assert!(IdempotencyKey::new("é", &body).is_err());
        assert!(IdempotencyKey::new(&"k".repeat(256), &body).is_err());
        assert!(IdempotencyKey::new(&"k".repeat(255), &body).is_ok());
    }
}
