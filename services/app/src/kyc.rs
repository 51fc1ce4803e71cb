//! KYC (DESIGN.md §4): sessions with a provider behind one webhook protocol. The sandbox provider
//! (clearly test mode) hosts its page under `/sandbox/kyc/…` and delivers its result as a signed
//! webhook over HTTP, like a real one; a Sumsub-shaped adapter verifies `X-Payload-Digest`. Webhooks
//! are checked over the raw body (HMAC, constant time, timestamp tolerance, several keys during
//! rotation) and applied once per event id; bad, stale or replayed → refused and nothing changes.
//! Approved names are screened against the sanctions lists.

use anyhow::Context;
use attune_db::kyc::SessionRow;
use attune_domain::sanctions::screening::NameQuery;
use attune_domain::webhook_signature::{SignatureError, check_freshness, sign_timestamped, verify_payload_digest, verify_timestamped};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::screening::ScreeningService;

/// How old a webhook may be.
pub const TOLERANCE_SECS: i64 = 300;
/// The sandbox's signature header (`t=…,v1=…`).
pub const SANDBOX_SIGNATURE_HEADER: &str = "attune-sandbox-signature";

pub struct KycProviders {
    pub public_url: String,
    /// Keys the sandbox signs with (the first) and that verify its webhooks (all: rotation).
    pub sandbox_secrets: Vec<Vec<u8>>,
    /// Keys for the Sumsub-shaped adapter; none configured → its webhooks are refused.
    pub sumsub_secrets: Vec<Vec<u8>>,
}

pub async fn start_session(pool: &PgPool, providers: &KycProviders, actor: &Actor, level: &str) -> Result<SessionRow, AppError> {
    if !matches!(level, "basic" | "enhanced") {
        return Err(AppError::field("level", "must be basic or enhanced"));
    }
    let id = Uuid::new_v4();
    let session = SessionRow {
        id,
        organization_id: actor.organization_id,
        user_id: actor.user_id,
        provider: "sandbox".into(),
        level: level.into(),
        status: "pending".into(),
        redirect_url: format!("{}/sandbox/kyc/{id}", providers.public_url),
        result: None,
        decided_at: None,
        created_at: Utc::now(),
    };
    let mut tx = pool.begin().await.context("failed to begin")?;
    attune_db::kyc::insert(&mut tx, &session).await?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "kyc.session_started",
        &format!("org:{}", actor.organization_id),
        &json!({"session": id, "level": level}),
    )
    .await?;
    tx.commit().await.context("failed to commit")?;
    Ok(session)
}

pub async fn status(pool: &PgPool, actor: &Actor) -> Result<(String, String, Vec<SessionRow>), AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let level = attune_db::kyc::level(&mut conn, actor.organization_id).await?;
    let sessions = attune_db::kyc::list(&mut conn, actor.organization_id).await?;
    let status = sessions.first().map_or_else(|| "not_started".to_owned(), |s| s.status.clone());
    Ok((level, status, sessions))
}

/// What the sandbox's test page submits.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SandboxOutcome {
    /// `approve`, `reject` (final) or `retry` (a retryable rejection).
    pub outcome: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub country: String,
}

/// The sandbox provider finishing a session: it signs its webhook and delivers it over HTTP to our
/// webhook endpoint, exactly as a real provider would. Returns the endpoint's HTTP status.
pub async fn sandbox_complete(pool: &PgPool, providers: &KycProviders, id: Uuid, input: &SandboxOutcome) -> Result<u16, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let session = attune_db::kyc::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let outcome = match input.outcome.as_str() {
        "approve" => "approved",
        "reject" => "rejected",
        "retry" => "retry",
        _ => return Err(AppError::field("outcome", "must be approve, reject or retry")),
    };
    if input.full_name.trim().is_empty() {
        return Err(AppError::field("full_name", "is required"));
    }
    let body = json!({
        "event_id": Uuid::new_v4(), "type": "applicant.reviewed", "session_id": session.id, "outcome": outcome,
        "applicant": {"full_name": input.full_name.trim(), "date_of_birth": input.date_of_birth.trim(), "country": input.country.trim().to_ascii_uppercase()},
        "created_at": Utc::now().timestamp(),
    })
    .to_string();
    let secret = providers.sandbox_secrets.first().context("no sandbox key")?;
    let signature = sign_timestamped(secret, Utc::now().timestamp(), body.as_bytes());
    attune_integrations::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/kyc/sandbox", providers.public_url))
        .header(SANDBOX_SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .context("the sandbox could not deliver its webhook")?;
    Ok(response.status().as_u16())
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("unknown provider")]
    UnknownProvider,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("event {0} was already received")]
    Replayed(String),
    #[error("the event is not one this endpoint understands: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A provider's decision, whatever its wire format.
struct Review {
    event_id: String,
    session_id: Uuid,
    status: &'static str,
    full_name: Option<String>,
    country: Option<String>,
    birth_year: Option<u16>,
}

fn parse_sandbox(body: &serde_json::Value) -> Result<Review, WebhookError> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let status = match body["outcome"].as_str() {
        Some("approved") => "approved",
        Some("rejected") => "rejected",
        Some("retry") => "retry",
        other => return Err(WebhookError::Unreadable(format!("outcome {other:?}"))),
    };
    Ok(Review {
        event_id: text(&body["event_id"]).ok_or_else(|| WebhookError::Unreadable("event_id".into()))?,
        session_id: body["session_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| WebhookError::Unreadable("session_id".into()))?,
        status,
        full_name: text(&body["applicant"]["full_name"]),
        country: text(&body["applicant"]["country"]),
        birth_year: body["applicant"]["date_of_birth"].as_str().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()),
    })
}

/// Sumsub's `applicantReviewed`: `externalUserId` is our session, `reviewResult.reviewAnswer` GREEN/RED,
/// `reviewRejectType` FINAL/RETRY, `correlationId` the event id, `createdAtMs` its time.
fn parse_sumsub(body: &serde_json::Value, now: i64) -> Result<Review, WebhookError> {
    let created = body["createdAtMs"].as_str().and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.3f").ok());
    let created = created.ok_or_else(|| WebhookError::Unreadable("createdAtMs".into()))?.and_utc().timestamp();
    check_freshness(created, now, TOLERANCE_SECS)?;
    let status = match (body["reviewResult"]["reviewAnswer"].as_str(), body["reviewResult"]["reviewRejectType"].as_str()) {
        (Some("GREEN"), _) => "approved",
        (Some("RED"), Some("RETRY")) => "retry",
        (Some("RED"), _) => "rejected",
        other => return Err(WebhookError::Unreadable(format!("reviewResult {other:?}"))),
    };
    Ok(Review {
        event_id: body["correlationId"].as_str().map(str::to_owned).ok_or_else(|| WebhookError::Unreadable("correlationId".into()))?,
        session_id: body["externalUserId"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| WebhookError::Unreadable("externalUserId".into()))?,
        status,
        full_name: None,
        country: None,
        birth_year: None,
    })
}

/// Verifies and applies one webhook. `header` gives a request header by (lower-case) name.
pub async fn receive_webhook(
    pool: &PgPool,
    providers: &KycProviders,
    screening: &ScreeningService,
    provider: &str,
    header: impl Fn(&str) -> Option<String>,
    raw_body: &[u8],
) -> Result<(), WebhookError> {
    let now = Utc::now().timestamp();
    let review = match provider {
        "sandbox" => {
            let keys: Vec<&[u8]> = providers.sandbox_secrets.iter().map(Vec::as_slice).collect();
            verify_timestamped(&header(SANDBOX_SIGNATURE_HEADER).ok_or(SignatureError::Missing)?, raw_body, &keys, now, TOLERANCE_SECS)?;
            parse_sandbox(&serde_json::from_slice(raw_body).map_err(|e| WebhookError::Unreadable(e.to_string()))?)?
        }
        "sumsub" => {
            let keys: Vec<&[u8]> = providers.sumsub_secrets.iter().map(Vec::as_slice).collect();
            let digest = header("x-payload-digest").ok_or(SignatureError::Missing)?;
            verify_payload_digest(&digest, header("x-payload-digest-alg").as_deref(), raw_body, &keys)?;
            parse_sumsub(&serde_json::from_slice(raw_body).map_err(|e| WebhookError::Unreadable(e.to_string()))?, now)?
        }
        _ => return Err(WebhookError::UnknownProvider),
    };
    let mut tx = pool.begin().await.context("failed to begin a webhook")?;
    if !attune_db::kyc::first_sight(&mut tx, provider, &review.event_id).await? {
        return Err(WebhookError::Replayed(review.event_id));
    }
    let session =
        attune_db::kyc::for_update(&mut tx, review.session_id).await?.ok_or_else(|| WebhookError::Unreadable("unknown session".into()))?;
    let result = json!({"event_id": review.event_id, "provider": provider, "status": review.status, "full_name": review.full_name, "country": review.country});
    attune_db::kyc::decide(&mut tx, session.id, review.status, &result).await?;
    if review.status == "approved"
        && let Some(name) = &review.full_name
    {
        let query = NameQuery { name: name.clone(), country: review.country.clone(), birth_year: review.birth_year };
        crate::screening::screen_kyc_name(&mut tx, screening, session.id, session.organization_id, &query).await?;
    }
    // A name hit holds: while the organisation is on hold its KYC level is not granted.
    let new_level = recompute_level(&mut tx, session.organization_id).await?;
    let held = attune_db::screening::organization_on_hold(&mut tx, session.organization_id).await?;
    attune_db::audit::append(
        &mut tx,
        &format!("provider:{provider}"),
        "kyc.reviewed",
        &format!("org:{}", session.organization_id),
        &json!({"session": session.id, "status": review.status, "level": new_level, "on_hold": held, "event_id": review.event_id}),
    )
    .await?;
    tx.commit().await.context("failed to commit a webhook")?;
    Ok(())
}

/// Sets the organisation's KYC level from its sessions: the highest of its approved sessions, so a
/// revised decision (a later rejection of an approved session) takes it back down; `none` while the
/// organisation is on a screening hold (a name hit holds until an admin decides). Returns the level.
pub async fn recompute_level(conn: &mut sqlx::PgConnection, organization_id: Uuid) -> anyhow::Result<&'static str> {
    let rank = |level: &str| match level {
        "enhanced" => 2,
        "basic" => 1,
        _ => 0,
    };
    let sessions = attune_db::kyc::list(conn, organization_id).await?;
    let best = sessions.iter().filter(|s| s.status == "approved").map(|s| rank(&s.level)).max().unwrap_or(0);
    let level =
        if attune_db::screening::organization_on_hold(conn, organization_id).await? { "none" } else { ["none", "basic", "enhanced"][best] };
    attune_db::kyc::set_level(conn, organization_id, level).await?;
    Ok(level)
}
