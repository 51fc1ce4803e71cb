//! The public summary of training content (AI Act Art. 53(1)(d); the AI Office template of July 2025),
//! generated from the accepted records of a fine-tuning job rather than typed by hand.

mod text;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::domains::ratio;
use super::record::LicenceKind;
use crate::compliance::PolicyRef;

pub const TEMPLATE_NAME: &str = "AI Office template for the public summary of training content (July 2025)";

/// Aggregates over the ACCEPTED records of a job, filled by the caller (SQL).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryFacts {
    pub dataset_name: String,
    pub dataset_manifest_sha256: String,
    pub base_model: String,
    pub organization: String,
    pub generated_at: DateTime<Utc>,
    /// `(licence, records, tokens)`.
    pub by_licence: Vec<(LicenceKind, u64, u64)>,
    /// Accepted web records by domain: `(domain, records, tokens)`.
    pub web_domains: Vec<(String, u64, u64)>,
    pub pii_records: u64,
    /// Accepted records that declare GDPR Art. 9 special categories.
    pub special_records: u64,
    /// The documents on file the personal-data section may cite; nothing is promised before it exists.
    pub basis: PersonalDataBasis,
    /// Records left out and why: `(reason code, records)`.
    pub excluded: Vec<(String, u64)>,
    /// Records admitted by a reviewer after an unknown opt-out status.
    pub reviewed_allowed: u64,
    /// The user agents and `noai` directives the opt-out scanner honoured.
    pub agents: Vec<String>,
    pub noai_directives: Vec<String>,
    pub top_domain_share: f64,
    pub data_policy: PolicyRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingContentSummary {
    pub general_information: GeneralInformation,
    pub data_sources: Vec<DataSource>,
    pub top_domains: TopDomains,
    pub opt_out_policy: OptOutPolicy,
    pub personal_data: PersonalData,
    pub processing: Processing,
    pub data_policy: PolicyRef,
    /// Erasures (GDPR Art. 17) applied after the summary was first generated: what changed, when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasures: Vec<ErasureEntry>,
}

/// One erasure as the summary records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureEntry {
    pub completed_at: DateTime<Utc>,
    pub records_removed: u64,
    pub shards_retrained: u64,
    pub text: String,
}

impl TrainingContentSummary {
    /// Records an erasure: the removed records leave the totals and the personal-data count, and the
    /// entry says what changed and when.
    pub fn apply_erasure(&mut self, completed_at: DateTime<Utc>, records_removed: u64, shards_retrained: u64) {
        let g = &mut self.general_information;
        g.total_records = g.total_records.saturating_sub(records_removed);
        self.personal_data.pii_records = self.personal_data.pii_records.saturating_sub(records_removed);
        let text = format!(
            "On {}, an erasure request (GDPR Art. 17) removed {} of a data subject; {} trained again without them, and the \
             fine-tune's new version replaced the old.",
            completed_at.format("%Y-%m-%d"),
            text::count(records_removed, "record"),
            match shards_retrained {
                0 => "no shard had learnt from them, so none was".to_owned(),
                1 => "1 shard was".to_owned(),
                n => format!("{n} shards were"),
            }
        );
        self.erasures.push(ErasureEntry { completed_at, records_removed, shards_retrained, text });
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralInformation {
    pub organization: String,
    pub base_model: String,
    pub dataset_name: String,
    pub dataset_manifest_sha256: String,
    pub modality: String,
    pub total_records: u64,
    pub total_tokens: u64,
    pub template: String,
    pub generated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    pub category: String,
    pub description: String,
    pub records: u64,
    pub tokens: u64,
    pub share_of_tokens: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopDomains {
    pub domains: Vec<DomainEntry>,
    /// How many distinct domains the accepted web records come from.
    pub domains_total: u64,
    pub top_domain_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEntry {
    pub domain: String,
    pub records: u64,
    pub tokens: u64,
    /// Share of the web tokens, rounded to 4 decimals.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcludedCount {
    pub reason: String,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptOutPolicy {
    pub text: String,
    pub agents: Vec<String>,
    pub noai_directives: Vec<String>,
    pub excluded: Vec<ExcludedCount>,
    pub reviewed_allowed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalData {
    pub text: String,
    pub pii_records: u64,
    #[serde(default)]
    pub special_category_records: u64,
    /// The revision of the legitimate-interest assessment the text cites, once one is on file.
    #[serde(default)]
    pub lia_revision: Option<i32>,
    /// The revision of the Art. 9(2) condition the text cites, once one is on file.
    #[serde(default)]
    pub art9_revision: Option<i32>,
}

/// A filed document that satisfies its obligation, as the summary cites it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentOnFile {
    pub revision: i32,
    /// The LIA's outcome, or the Art. 9(2) condition relied on.
    pub conclusion: String,
    pub filed_at: DateTime<Utc>,
}

/// What the personal-data section may cite: only documents on file when it is generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalDataBasis {
    pub lia: Option<DocumentOnFile>,
    pub art9: Option<DocumentOnFile>,
}

/// The personal-data section: true when generated, regenerated when a document it may cite is filed.
pub fn personal_data_section(pii_records: u64, total_records: u64, special_records: u64, basis: &PersonalDataBasis) -> PersonalData {
    PersonalData {
        text: text::personal_data(pii_records, total_records, special_records, basis),
        pii_records,
        special_category_records: special_records,
        lia_revision: basis.lia.as_ref().map(|d| d.revision),
        art9_revision: basis.art9.as_ref().map(|d| d.revision),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Processing {
    pub text: String,
}

/// The template's categories in its order, with the licence kind each one covers.
const CATEGORIES: [(LicenceKind, &str, &str); 4] = [
    (
        LicenceKind::PublicDomain,
        "publicly_available_datasets",
        "Public-domain texts and publicly available datasets free of copyright restrictions",
    ),
    (LicenceKind::Licensed, "licensed_private_datasets", "Content licensed from its rights holders; every record names its licence"),
    (
        LicenceKind::Web,
        "crawled_web_content",
        "Web content collected by crawling, each source checked for text-and-data-mining reservations before use",
    ),
    (LicenceKind::Own, "own_data", "Data the organisation holds itself and may use for training"),
];

pub fn training_content_summary(facts: &SummaryFacts) -> TrainingContentSummary {
    let total_records: u64 = facts.by_licence.iter().map(|(_, r, _)| r).sum();
    let total_tokens: u64 = facts.by_licence.iter().map(|(_, _, t)| t).sum();
    let data_sources = CATEGORIES
        .iter()
        .filter_map(|(kind, category, description)| {
            let (records, tokens) = facts
                .by_licence
                .iter()
                .filter(|(k, _, _)| k == kind)
                .fold((0, 0), |(r, t), (_, records, tokens)| (r + records, t + tokens));
            (records > 0).then(|| DataSource {
                category: (*category).to_owned(),
                description: (*description).to_owned(),
                records,
                tokens,
                share_of_tokens: ratio(tokens, total_tokens),
            })
        })
        .collect();
    let excluded = merge_excluded(&facts.excluded);
    TrainingContentSummary {
        general_information: GeneralInformation {
            organization: facts.organization.clone(),
            base_model: facts.base_model.clone(),
            dataset_name: facts.dataset_name.clone(),
            dataset_manifest_sha256: facts.dataset_manifest_sha256.clone(),
            modality: "text".to_owned(),
            total_records,
            total_tokens,
            template: TEMPLATE_NAME.to_owned(),
            generated_at: facts.generated_at,
        },
        data_sources,
        top_domains: top_domains(&facts.web_domains, facts.top_domain_share),
        opt_out_policy: OptOutPolicy {
            text: text::opt_out(facts, &excluded),
            agents: facts.agents.clone(),
            noai_directives: facts.noai_directives.clone(),
            excluded,
            reviewed_allowed: facts.reviewed_allowed,
        },
        personal_data: personal_data_section(facts.pii_records, total_records, facts.special_records, &facts.basis),
        processing: Processing { text: text::processing(facts) },
        data_policy: facts.data_policy.clone(),
        erasures: Vec::new(),
    }
}

/// The top `ceil(share × domains)` domains by tokens (ties by name).
fn top_domains(web_domains: &[(String, u64, u64)], share: f64) -> TopDomains {
    let mut merged: Vec<(String, u64, u64)> = Vec::new();
    for (domain, records, tokens) in web_domains {
        match merged.iter_mut().find(|(d, _, _)| d == domain) {
            Some(entry) => {
                entry.1 += records;
                entry.2 += tokens;
            }
            None => merged.push((domain.clone(), *records, *tokens)),
        }
    }
    merged.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let web_tokens: u64 = merged.iter().map(|(_, _, t)| t).sum();
    let total = merged.len();
    let domains = merged
        .into_iter()
        .take(top_count(total, share))
        .map(|(domain, records, tokens)| DomainEntry { domain, records, tokens, share: ratio(tokens, web_tokens) })
        .collect();
    TopDomains { domains, domains_total: total as u64, top_domain_share: share }
}

/// `ceil(share × n)` clamped to `0..=n`, at least one domain when there are any; the epsilon keeps
/// `0.1 × 30` (3.0000000000000004 in binary) at 3.
fn top_count(n: usize, share: f64) -> usize {
    if n == 0 || !share.is_finite() || share <= 0.0 {
        return 0;
    }
    let wanted = (share.min(1.0) * n as f64 - 1e-9).ceil();
    // `wanted` is within 0..=n here, so the cast is exact.
    (wanted as usize).clamp(1, n)
}

/// Sums the counts per reason code, keeping the first-seen order and dropping zeros.
fn merge_excluded(excluded: &[(String, u64)]) -> Vec<ExcludedCount> {
    let mut merged: Vec<ExcludedCount> = Vec::new();
    for (reason, records) in excluded.iter().filter(|(_, n)| *n > 0) {
        match merged.iter_mut().find(|e| e.reason == *reason) {
            Some(entry) => entry.records += records,
            None => merged.push(ExcludedCount { reason: reason.clone(), records: *records }),
        }
    }
    merged
}
