//! The public registry of fine-tuned deployments: every job that delivered a model with a
//! certificate, with what a regulator needs and nothing confidential.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistryRow {
    pub job_id: Uuid,
    pub registered_at: DateTime<Utc>,
    pub risk_tier: String,
    pub sectors: serde_json::Value,
    pub jurisdictions: serde_json::Value,
    pub provider_role: Option<String>,
    pub policy_version: String,
    pub model_name: String,
    pub model_version: String,
    pub model_provider: String,
    pub certificate_sha256: String,
    pub certificate_version: i32,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
    pub audit_required: bool,
    pub pooled: bool,
    pub safe_harbour_status: Option<String>,
    pub safe_harbour_sha256: Option<String>,
    /// From the buyer's registration document, filed for publication.
    pub system_name: Option<String>,
}

/// Newest registration first, after the `(registered_at, job_id)` keyset position when given.
pub async fn page(conn: &mut PgConnection, after: Option<(DateTime<Utc>, Uuid)>, limit: i64) -> anyhow::Result<Vec<RegistryRow>> {
    sqlx::query_as!(
        RegistryRow,
        r#"select j.id as job_id, r.registered_at as "registered_at!", coalesce(j.deployed_risk_tier, j.risk_tier) as "risk_tier!",
                j.deployment->'sectors' as "sectors!", j.deployment->'jurisdictions' as "jurisdictions!",
                j.assessment->>'provider_role' as "provider_role?", j.policy_version,
                m.name as model_name, m.version as model_version, mo.name as model_provider,
                c.sha256 as "certificate_sha256!", c.version as "certificate_version!", c.anchor_tx_hash as "anchor_tx_hash?",
                c.anchor_block as "anchor_block?", j.audit_required, (j.audit_pool_id is not null) as "pooled!",
                s.status as "safe_harbour_status?", s.sha256 as "safe_harbour_sha256?", d.fields->>'system_name' as "system_name?"
         from job j
         join lateral (select min(created_at) as registered_at from job_certificate where job_id = j.id) r on true
         join lateral (select sha256, version, anchor_tx_hash, anchor_block from job_certificate where job_id = j.id
                       order by version desc limit 1) c on true
         join base_model m on m.id = j.base_model_id
         join organization mo on mo.id = m.organization_id
         left join lateral (select status, sha256 from safe_harbour_certificate where job_id = j.id order by issued_at desc limit 1) s on true
         left join lateral (select fields from job_document where job_id = j.id and template = 'registration'
                            order by revision desc limit 1) d on true
         where r.registered_at is not null and ($1::timestamptz is null or (r.registered_at, j.id) < ($1, $2))
         order by r.registered_at desc, j.id desc
         limit $3"#,
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the registry")
}
