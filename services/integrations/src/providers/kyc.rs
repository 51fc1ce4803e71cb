//! KYC providers: the sandbox (its webhook: `{event_id, session_id, outcome, applicant}` signed with
//! `Attune-Sandbox-Signature`) and a Sumsub-shaped adapter (`applicantReviewed`, `X-Payload-Digest`).

use attune_domain::providers::{Headers, KycDecision, KycProvider, KycReview, WEBHOOK_TOLERANCE_SECS, WebhookRejection};
use attune_domain::webhook_signature::{SignatureError, check_freshness, verify_payload_digest};
use serde_json::{Value, json};
use uuid::Uuid;

use super::webhooks;

/// The sandbox identity provider (test mode).
pub struct SandboxKyc {
    /// The first signs; all verify (rotation).
    secrets: Vec<Vec<u8>>,
    webhook_url: String,
}

/// What the sandbox reports about a session.
pub struct SandboxReview<'a> {
    pub session_id: Uuid,
    pub decision: KycDecision,
    pub full_name: &'a str,
    pub date_of_birth: &'a str,
    pub country: &'a str,
}

impl SandboxKyc {
    /// Delivers its webhooks to `<public_url>/webhooks/kyc/sandbox`.
    pub fn new(secrets: Vec<Vec<u8>>, public_url: &str) -> Self {
        Self { secrets, webhook_url: format!("{public_url}/webhooks/kyc/sandbox") }
    }

    /// Signs its review and delivers it over HTTP to the marketplace's webhook endpoint, exactly as a
    /// real provider would; the endpoint's HTTP status.
    pub async fn deliver(&self, review: &SandboxReview<'_>) -> anyhow::Result<u16> {
        let body = json!({
            "event_id": Uuid::new_v4(), "type": "applicant.reviewed", "session_id": review.session_id,
            "outcome": review.decision.as_str(),
            "applicant": {"full_name": review.full_name, "date_of_birth": review.date_of_birth, "country": review.country},
            "created_at": chrono::Utc::now().timestamp(),
        });
        webhooks::deliver(&self.webhook_url, &self.secrets, body.to_string()).await
    }
}

impl KycProvider for SandboxKyc {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<KycReview, WebhookRejection> {
        webhooks::verify_sandbox(headers, raw_body, &self.secrets, now)?;
        let body = webhooks::json_body(raw_body)?;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let decision = match body["outcome"].as_str() {
            Some("approved") => KycDecision::Approved,
            Some("rejected") => KycDecision::Rejected,
            Some("retry") => KycDecision::Retry,
            other => return Err(WebhookRejection::Unreadable(format!("outcome {other:?}"))),
        };
        Ok(KycReview {
            event_id: text(&body["event_id"]).ok_or_else(|| WebhookRejection::Unreadable("event_id".into()))?,
            session_id: body["session_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| WebhookRejection::Unreadable("session_id".into()))?,
            decision,
            full_name: text(&body["applicant"]["full_name"]),
            country: text(&body["applicant"]["country"]),
            birth_year: body["applicant"]["date_of_birth"].as_str().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()),
        })
    }
}

/// A Sumsub-shaped adapter: its webhook keys come from the operator's settings; with none, every
/// webhook is refused.
pub struct SumsubKyc {
    secrets: Vec<Vec<u8>>,
}

impl SumsubKyc {
    pub fn new(secrets: Vec<Vec<u8>>) -> Self {
        Self { secrets }
    }
}

impl KycProvider for SumsubKyc {
    fn name(&self) -> &'static str {
        "sumsub"
    }

    /// `applicantReviewed`: `externalUserId` is our session, `reviewResult.reviewAnswer` GREEN/RED,
    /// `reviewRejectType` FINAL/RETRY, `correlationId` the event id, `createdAtMs` its time.
    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<KycReview, WebhookRejection> {
        let digest = headers("x-payload-digest").ok_or(SignatureError::Missing)?;
        verify_payload_digest(&digest, headers("x-payload-digest-alg").as_deref(), raw_body, &webhooks::keys(&self.secrets))?;
        let body = webhooks::json_body(raw_body)?;
        let created = body["createdAtMs"].as_str().and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.3f").ok());
        let created = created.ok_or_else(|| WebhookRejection::Unreadable("createdAtMs".into()))?.and_utc().timestamp();
        check_freshness(created, now, WEBHOOK_TOLERANCE_SECS)?;
        let decision = match (body["reviewResult"]["reviewAnswer"].as_str(), body["reviewResult"]["reviewRejectType"].as_str()) {
            (Some("GREEN"), _) => KycDecision::Approved,
            (Some("RED"), Some("RETRY")) => KycDecision::Retry,
            (Some("RED"), _) => KycDecision::Rejected,
            other => return Err(WebhookRejection::Unreadable(format!("reviewResult {other:?}"))),
        };
        Ok(KycReview {
            event_id: body["correlationId"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| WebhookRejection::Unreadable("correlationId".into()))?,
            session_id: body["externalUserId"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| WebhookRejection::Unreadable("externalUserId".into()))?,
            decision,
            full_name: None,
            country: None,
            birth_year: None,
        })
    }
}
