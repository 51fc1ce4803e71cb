//! What the adapters share: verifying the sandbox's `t=…,v1=…` signature against several keys (key
//! rotation), reading a JSON body, and the sandbox delivering a signed webhook over HTTP.

use anyhow::Context;
use attune_domain::providers::{Headers, WEBHOOK_TOLERANCE_SECS, WebhookRejection};
use attune_domain::webhook_signature::{SignatureError, sign_timestamped, verify_timestamped};

/// The sandbox's signature header (`t=…,v1=…`).
pub const SANDBOX_SIGNATURE_HEADER: &str = "attune-sandbox-signature";

/// Every key in force, as the verifiers take them.
pub(crate) fn keys(secrets: &[Vec<u8>]) -> Vec<&[u8]> {
    secrets.iter().map(Vec::as_slice).collect()
}

/// A `t=…,v1=…` signature over `t.body` by any of `secrets`, fresh within the tolerance.
pub(crate) fn verify(header: Option<String>, raw_body: &[u8], secrets: &[Vec<u8>], now: i64) -> Result<(), WebhookRejection> {
    verify_timestamped(&header.ok_or(SignatureError::Missing)?, raw_body, &keys(secrets), now, WEBHOOK_TOLERANCE_SECS)?;
    Ok(())
}

pub(crate) fn verify_sandbox(headers: Headers<'_>, raw_body: &[u8], secrets: &[Vec<u8>], now: i64) -> Result<(), WebhookRejection> {
    verify(headers(SANDBOX_SIGNATURE_HEADER), raw_body, secrets, now)
}

pub(crate) fn json_body(raw_body: &[u8]) -> Result<serde_json::Value, WebhookRejection> {
    serde_json::from_slice(raw_body).map_err(|e| WebhookRejection::Unreadable(e.to_string()))
}

/// Signs `body` with the sandbox's first key and posts it to `url`, as a real provider would; the
/// endpoint's HTTP status.
pub(crate) async fn deliver(url: &str, secrets: &[Vec<u8>], body: String) -> anyhow::Result<u16> {
    let secret = secrets.first().context("no sandbox key")?;
    let signature = sign_timestamped(secret, chrono::Utc::now().timestamp(), body.as_bytes());
    crate::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(url)
        .header(SANDBOX_SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .context("the sandbox could not deliver its webhook")?;
    Ok(response.status().as_u16())
}
