//! The job's training content summary, generated from the records its gate accepted. It says only
//! what is true when generated: its personal-data section cites a legitimate-interest assessment or
//! an Art. 9(2) condition once one satisfies its obligation, and is regenerated when one is filed.

use anyhow::Context;
use attune_db::datasets::DatasetRow;
use attune_domain::OrgScope;
use attune_domain::data_policy::DataPolicy;
use attune_domain::dataset::{
    DocumentOnFile, LicenceKind, PersonalDataBasis, SummaryFacts, TrainingContentSummary, personal_data_section, training_content_summary,
};
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
    let mut special_records = 0u64;
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
        special_records += g.special_records.max(0) as u64;
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
        special_records,
        basis: basis(conn, job_id).await?,
        excluded: excluded.to_vec(),
        reviewed_allowed,
        agents: agents.to_vec(),
        noai_directives: policy.optout().noai_directives.clone(),
        top_domain_share: policy.top_domain_share(),
        data_policy: policy.reference(),
    };
    Ok(training_content_summary(&facts))
}

/// The documents on file that satisfy the personal-data obligations: (obligation, template, the
/// field that states the conclusion).
const CITED: [(&str, &str, &str); 2] = [("GDPR_LIA", "lia", "outcome"), ("GDPR_ART9_CONDITION", "art9_condition", "condition")];

async fn basis(conn: &mut PgConnection, job_id: Uuid) -> Result<PersonalDataBasis, AppError> {
    let obligations = attune_db::job_obligations::list(conn, job_id).await?;
    let documents = attune_db::job_obligations::documents(conn, job_id).await?;
    let on_file = |(obligation, template, field): (&str, &str, &str)| -> Option<DocumentOnFile> {
        let satisfied = obligations.iter().any(|o| {
            o.obligation_id == obligation && o.status == "satisfied" && o.satisfied_by.as_deref() == Some(&format!("document:{template}"))
        });
        let doc = documents.iter().find(|d| d.template == template).filter(|_| satisfied)?;
        Some(DocumentOnFile {
            revision: doc.revision,
            conclusion: doc.fields[field].as_str().unwrap_or_default().to_owned(),
            filed_at: doc.submitted_at,
        })
    };
    Ok(PersonalDataBasis { lia: on_file(CITED[0]), art9: on_file(CITED[1]) })
}

/// Whether filing a document of `template` may change what the summary can cite.
pub fn cites(template: &str) -> bool {
    CITED.iter().any(|(_, t, _)| *t == template)
}

/// Regenerates the personal-data section of a job's stored summary from the documents now on file.
pub async fn refresh_personal_data(conn: &mut PgConnection, job_id: Uuid) -> Result<(), AppError> {
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.ok_or(AppError::NotFound)?;
    if job.training_summary.as_object().is_none_or(serde_json::Map::is_empty) {
        // A job created before summaries were stored has none to refresh.
        return Ok(());
    }
    let mut summary: TrainingContentSummary =
        serde_json::from_value(job.training_summary.clone()).context("a stored training summary does not read back")?;
    let basis = basis(conn, job_id).await?;
    let p = &summary.personal_data;
    let section = personal_data_section(p.pii_records, summary.general_information.total_records, p.special_category_records, &basis);
    if section == summary.personal_data {
        return Ok(());
    }
    summary.personal_data = section;
    summary.general_information.generated_at = Utc::now();
    let value = serde_json::to_value(&summary).context("failed to encode the training summary")?;
    attune_db::jobs::set_training_summary(conn, job_id, &value).await?;
    Ok(())
}

/// Records a completed erasure in a job's stored summary (what changed, when).
pub async fn record_erasure(conn: &mut PgConnection, job_id: Uuid, records_removed: u64, shards_retrained: u64) -> Result<(), AppError> {
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.ok_or(AppError::NotFound)?;
    if job.training_summary.as_object().is_none_or(serde_json::Map::is_empty) {
        return Ok(());
    }
    let mut summary: TrainingContentSummary =
        serde_json::from_value(job.training_summary.clone()).context("a stored training summary does not read back")?;
    summary.apply_erasure(Utc::now(), records_removed, shards_retrained);
    let value = serde_json::to_value(&summary).context("failed to encode the training summary")?;
    attune_db::jobs::set_training_summary(conn, job_id, &value).await?;
    Ok(())
}
