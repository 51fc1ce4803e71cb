//! The job's training content summary, generated from the records its gate accepted.

use attune_db::datasets::DatasetRow;
use attune_domain::data_policy::DataPolicy;
use attune_domain::dataset::{LicenceKind, SummaryFacts, TrainingContentSummary, training_content_summary};
use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::AppError;

/// What the summary says about a job besides its accepted records.
pub struct SummarySubject<'a> {
    pub job_id: Uuid,
    pub dataset: &'a DatasetRow,
    pub base_model: &'a str,
    pub organization: &'a str,
    /// Records the job's gate left out, by reason code.
    pub excluded: &'a [(String, u64)],
    /// The crawlers whose reservations the scanner honoured.
    pub agents: &'a [String],
}

pub async fn generate(
    conn: &mut PgConnection,
    policy: &DataPolicy,
    subject: &SummarySubject<'_>,
) -> Result<TrainingContentSummary, AppError> {
    let SummarySubject { job_id, dataset, base_model, organization, excluded, agents } = *subject;
    let groups = attune_db::jobs::accepted_groups(conn, job_id, dataset.id).await?;
    let mut by_licence: Vec<(LicenceKind, u64, u64)> = Vec::new();
    let mut web_domains: Vec<(String, u64, u64)> = Vec::new();
    let mut pii_records = 0u64;
    for g in &groups {
        let Ok(kind) = LicenceKind::parse(&g.licence_kind) else { continue };
        let (records, tokens) = (g.records.max(0) as u64, g.tokens.max(0) as u64);
        match by_licence.iter_mut().find(|(k, ..)| *k == kind) {
            Some(entry) => {
                entry.1 += records;
                entry.2 += tokens;
            }
            None => by_licence.push((kind, records, tokens)),
        }
        if kind == LicenceKind::Web
            && let Some(domain) = &g.domain
        {
            web_domains.push((domain.clone(), records, tokens));
        }
        pii_records += g.pii_records.max(0) as u64;
    }
    let reviewed_allowed = attune_db::dataset_gate::reviewed_allowed(conn, dataset.id).await?;
    let facts = SummaryFacts {
        dataset_name: dataset.name.clone(),
        dataset_manifest_sha256: dataset.manifest_sha256.clone(),
        base_model: base_model.to_owned(),
        organization: organization.to_owned(),
        generated_at: Utc::now(),
        by_licence,
        web_domains,
        pii_records,
        excluded: excluded.to_vec(),
        reviewed_allowed,
        agents: agents.to_vec(),
        noai_directives: policy.optout().noai_directives.clone(),
        top_domain_share: policy.top_domain_share(),
        data_policy: policy.reference(),
    };
    Ok(training_content_summary(&facts))
}
