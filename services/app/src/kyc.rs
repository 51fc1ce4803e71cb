//! KYC (DESIGN.md §4): sessions with a provider behind one webhook protocol. The sandbox provider
//! (clearly test mode) hosts its page under `/sandbox/kyc/…` and delivers its result as a signed
//! webhook over HTTP, like a real one; a Sumsub-shaped adapter verifies `X-Payload-Digest` (both in
//! attune-integrations). Webhooks are checked over the raw body (HMAC, constant time, timestamp
//! tolerance, several keys during rotation) and applied once per event id; bad, stale or replayed →
//! refused and nothing changes. Approved names are screened against the sanctions lists.

use anyhow::Context;
use attune_db::kyc::SessionRow;
use attune_domain::providers::{KycDecision, KycProvider};
use attune_domain::sanctions::screening::NameQuery;
use attune_integrations::providers::kyc::{SandboxKyc, SandboxReview, SumsubKyc};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::screening::ScreeningService;
use crate::webhooks;
pub use crate::webhooks::WebhookError;

use crate::view::view;
pub use attune_integrations::providers::SANDBOX_SIGNATURE_HEADER;

view! {
    /// A KYC session: with which provider, for which level, where the person continues, and the outcome.
    #[derive(Debug, Clone)]
    pub struct KycSession from SessionRow {
        pub id: Uuid,
        pub provider: String,
        /// `basic` or `enhanced`.
        pub level: String,
        /// `pending`, `approved`, `rejected` or `retry`.
        pub status: String,
        pub redirect_url: String,
        pub decided_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
    }
}

/// The KYC providers this server takes webhooks from.
pub struct KycProviders {
    pub public_url: String,
    /// The sandbox (test mode): its page, and its webhooks signed with a key derived from the server's secret.
    pub sandbox: SandboxKyc,
    /// The Sumsub-shaped adapter; with no keys configured its webhooks are refused.
    pub sumsub: SumsubKyc,
}

impl KycProviders {
    fn by_name(&self, name: &str) -> Option<&dyn KycProvider> {
        [&self.sandbox as &dyn KycProvider, &self.sumsub].into_iter().find(|p| p.name() == name)
    }
}

pub async fn start_session(pool: &PgPool, providers: &KycProviders, actor: &Actor, level: &str) -> Result<KycSession, AppError> {
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
    Ok(session.into())
}

pub async fn status(pool: &PgPool, actor: &Actor) -> Result<(String, String, Vec<KycSession>), AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let level = attune_db::kyc::level(&mut conn, actor.organization_id).await?;
    let sessions = attune_db::kyc::list(&mut conn, actor.organization_id).await?;
    let status = sessions.first().map_or_else(|| "not_started".to_owned(), |s| s.status.clone());
    Ok((level, status, sessions.into_iter().map(KycSession::from).collect()))
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
    let decision = match input.outcome.as_str() {
        "approve" => KycDecision::Approved,
        "reject" => KycDecision::Rejected,
        "retry" => KycDecision::Retry,
        _ => return Err(AppError::field("outcome", "must be approve, reject or retry")),
    };
    if input.full_name.trim().is_empty() {
        return Err(AppError::field("full_name", "is required"));
    }
    let review = SandboxReview {
        session_id: session.id,
        decision,
        full_name: input.full_name.trim(),
        date_of_birth: input.date_of_birth.trim(),
        country: &input.country.trim().to_ascii_uppercase(),
    };
    Ok(providers.sandbox.deliver(&review).await?)
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
    let adapter = providers.by_name(provider).ok_or(WebhookError::UnknownProvider)?;
    let review = adapter.read_webhook(&header, raw_body, Utc::now().timestamp())?;
    let mut tx = pool.begin().await.context("failed to begin a webhook")?;
    webhooks::first_sight(&mut tx, provider, &review.event_id).await?;
    let session =
        attune_db::kyc::for_update(&mut tx, review.session_id).await?.ok_or_else(|| WebhookError::unreadable("unknown session"))?;
    let status = review.decision.as_str();
    let result = json!({"event_id": review.event_id, "provider": provider, "status": status, "full_name": review.full_name, "country": review.country});
    attune_db::kyc::decide(&mut tx, session.id, status, &result).await?;
    if review.decision == KycDecision::Approved
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
        &json!({"session": session.id, "status": status, "level": new_level, "on_hold": held, "event_id": review.event_id}),
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
