//! The public registry of fine-tuned deployments (seed 002 §VII: a centralised registry gives
//! regulators the distributional data to calibrate risk tiers): each deployment's tier, sectors,
//! jurisdictions, provider role, base model, certificate hash and anchor, review and safe-harbour
//! status — as JSON, CSV and a page. Nothing personal and nothing the buyer keeps confidential: no
//! organisation, purpose, dataset, hyperparameters, amounts or contacts; the system's name only as
//! the buyer's registration document gives it for publication.

use anyhow::Context;
use attune_db::registry::RegistryRow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::AppError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistryEntry {
    /// The registry's id for the deployment (the fine-tune job's id).
    pub id: Uuid,
    pub registered_at: DateTime<Utc>,
    pub system_name: Option<String>,
    pub risk_tier: String,
    pub sectors: Vec<String>,
    pub jurisdictions: Vec<String>,
    /// `provider` or `deployer` under the AI Act.
    pub provider_role: String,
    pub base_model: BaseModelRef,
    pub certificate: CertificateRef,
    /// `pool`, `platform` or `none` (no review was required).
    pub review: String,
    /// `active` or `lapsed`; null when none was earned.
    pub safe_harbour: Option<SafeHarbourRef>,
    pub policy_version: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaseModelRef {
    pub name: String,
    pub version: String,
    pub provider: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateRef {
    pub sha256: String,
    pub version: i32,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafeHarbourRef {
    pub status: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistryPage {
    pub items: Vec<RegistryEntry>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

impl From<RegistryRow> for RegistryEntry {
    fn from(r: RegistryRow) -> Self {
        Self {
            id: r.job_id,
            registered_at: r.registered_at,
            system_name: r.system_name,
            risk_tier: r.risk_tier,
            sectors: strings(&r.sectors),
            jurisdictions: strings(&r.jurisdictions),
            provider_role: r.provider_role.unwrap_or_else(|| "deployer".into()),
            base_model: BaseModelRef { name: r.model_name, version: r.model_version, provider: r.model_provider },
            certificate: CertificateRef {
                sha256: r.certificate_sha256,
                version: r.certificate_version,
                anchor_tx_hash: r.anchor_tx_hash,
                anchor_block: r.anchor_block,
            },
            review: match (r.audit_required, r.pooled) {
                (false, _) => "none",
                (true, true) => "pool",
                (true, false) => "platform",
            }
            .into(),
            safe_harbour: r.safe_harbour_status.zip(r.safe_harbour_sha256).map(|(status, sha256)| SafeHarbourRef { status, sha256 }),
            policy_version: r.policy_version,
        }
    }
}

/// One page of the registry, newest first (public).
pub async fn page(pool: &PgPool, cursor: Option<&str>, limit: i64) -> Result<RegistryPage, AppError> {
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 500);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut rows = attune_db::registry::page(&mut conn, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut rows, limit, |r| (r.registered_at, r.job_id));
    Ok(RegistryPage { items: rows.into_iter().map(RegistryEntry::from).collect(), next_cursor })
}

/// Every entry, for the export.
pub async fn all(pool: &PgPool) -> Result<Vec<RegistryEntry>, AppError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = page(pool, cursor.as_deref(), 500).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// A cell a spreadsheet will not run as a formula (OWASP CSV injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The registry as CSV, one deployment per row.
pub fn to_csv(entries: &[RegistryEntry]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "registered_at",
        "system_name",
        "risk_tier",
        "sectors",
        "jurisdictions",
        "provider_role",
        "base_model",
        "base_model_version",
        "base_model_provider",
        "certificate_sha256",
        "certificate_version",
        "anchor_tx_hash",
        "anchor_block",
        "review",
        "safe_harbour",
        "policy_version",
    ])?;
    for e in entries {
        w.write_record([
            e.id.to_string(),
            e.registered_at.to_rfc3339(),
            cell(e.system_name.as_deref().unwrap_or("")),
            e.risk_tier.clone(),
            e.sectors.join(";"),
            e.jurisdictions.join(";"),
            e.provider_role.clone(),
            cell(&e.base_model.name),
            cell(&e.base_model.version),
            cell(&e.base_model.provider),
            e.certificate.sha256.clone(),
            e.certificate.version.to_string(),
            e.certificate.anchor_tx_hash.clone().unwrap_or_default(),
            e.certificate.anchor_block.map(|b| b.to_string()).unwrap_or_default(),
            e.review.clone(),
            e.safe_harbour.as_ref().map(|s| s.status.clone()).unwrap_or_default(),
            e.policy_version.clone(),
        ])?;
    }
    let bytes = w.into_inner().context("failed to finish the CSV")?;
    String::from_utf8(bytes).context("the CSV is not UTF-8")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted_as_text() {
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::cell("Shop helper"), "Shop helper");
    }
}
