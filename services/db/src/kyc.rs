//! KYC sessions, the organisation's level, and provider events seen (replay protection).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct SessionRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub level: String,
    pub status: String,
    pub redirect_url: String,
    pub result: Option<serde_json::Value>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, s: &SessionRow) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into kyc_session (id, organization_id, user_id, provider, level, redirect_url) values ($1, $2, $3, $4, $5, $6)",
        s.id,
        s.organization_id,
        s.user_id,
        s.provider,
        s.level,
        s.redirect_url,
    )
    .execute(conn)
    .await
    .context("failed to insert a KYC session")?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        "select id, organization_id, user_id, provider, level, status, redirect_url, result, decided_at, created_at
         from kyc_session where id = $1",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a KYC session")
}

pub async fn for_update(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        "select id, organization_id, user_id, provider, level, status, redirect_url, result, decided_at, created_at
         from kyc_session where id = $1 for update",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock a KYC session")
}

pub async fn list(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Vec<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        "select id, organization_id, user_id, provider, level, status, redirect_url, result, decided_at, created_at
         from kyc_session where organization_id = $1 order by created_at desc",
        organization_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list KYC sessions")
}

/// Records a provider's decision; a later decision may revise an earlier one.
pub async fn decide(conn: &mut PgConnection, id: Uuid, status: &str, result: &serde_json::Value) -> anyhow::Result<()> {
    sqlx::query!("update kyc_session set status = $2, result = $3, decided_at = now() where id = $1", id, status, result)
        .execute(conn)
        .await
        .context("failed to record a KYC decision")?;
    Ok(())
}

pub async fn level(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<String> {
    let level = sqlx::query_scalar!("select kyc_level from organization where id = $1", organization_id)
        .fetch_one(conn)
        .await
        .context("failed to read the KYC level")?;
    Ok(level)
}

pub async fn set_level(conn: &mut PgConnection, organization_id: Uuid, level: &str) -> anyhow::Result<()> {
    sqlx::query!("update organization set kyc_level = $2 where id = $1", organization_id, level)
        .execute(conn)
        .await
        .context("failed to set the KYC level")?;
    Ok(())
}

/// What the AML rules know about an organisation outside any payment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRiskFacts {
    pub kyc_level: String,
    pub country: String,
    pub account_age_days: i32,
    pub refunds_last_30d: i64,
    pub pep_match: bool,
    pub screening_hold: Option<String>,
}

pub async fn org_risk_facts(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<OrgRiskFacts> {
    sqlx::query_as!(
        OrgRiskFacts,
        r#"select o.kyc_level, o.country::text as "country!", extract(day from now() - o.created_at)::int as "account_age_days!",
            (select count(*) from payment q where q.organization_id = o.id and q.status = 'refunded' and q.updated_at > now() - interval '30 days')
                as "refunds_last_30d!", o.pep_match, o.screening_hold
         from organization o where o.id = $1"#,
        organization_id,
    )
    .fetch_one(conn)
    .await
    .context("failed to read an organisation's risk facts")
}

/// The names the organisation's approved KYC sessions identified (newest first).
pub async fn approved_names(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select result->>'full_name' as "full_name!" from kyc_session
         where organization_id = $1 and status = 'approved' and result->>'full_name' is not null
         order by decided_at desc nulls last"#,
        organization_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the KYC'd names")
}
