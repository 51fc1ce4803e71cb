//! The result of an assessment, shaped exactly like the `POST /api/v1/assessments` response.

use serde::{Deserialize, Serialize};

use super::policy::{Obligation, PolicyRef};
use super::vocab::{ProviderRole, RiskTier};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub risk_tier: RiskTier,
    /// Every rule that fired, in the order the engine applied them.
    pub reasons: Vec<Reason>,
    /// Deduplicated, in catalogue order.
    pub obligations: Vec<Obligation>,
    pub flops: FlopsEstimate,
    pub provider_role: ProviderRole,
    pub audit_required: bool,
    pub quote: Quote,
    pub estimated_duration_s: u64,
    pub policy: PolicyRef,
    /// From policy v2: what the law says the system is, apart from the application score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_classification: Option<LegalClassification>,
    /// From policy v2: the two provider roles, each with its reasons. `provider_role` is `provider`
    /// when either applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Roles>,
    /// From policy v2: Attune's own measures (not legal duties) and why they attach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_measures: Vec<PlatformMeasure>,
    /// Who reviews the job and how its audit fee was priced (pools policy), when a review is
    /// required and the fee was priced for the buyer's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_fee: Option<crate::pools::AuditFee>,
    /// Declared facts that point at a prohibited practice the buyer did not declare: a reviewer
    /// must clear them before dispatch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_flags: Vec<Reason>,
}

/// The legal classification: the floor the law sets and on what grounds, with the application
/// score beside it. `risk_tier` is the larger of `floor` and `score_tier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalClassification {
    /// A deployment jurisdiction is the EU or a member state.
    pub ai_act_applies: bool,
    /// High-risk under the AI Act: Annex III without an accepted Art. 6(3) derogation, or Annex I.
    pub ai_act_high_risk: bool,
    /// The legal floor from the AI Act and every jurisdiction's own law.
    pub floor: RiskTier,
    pub application_score: u32,
    pub score_tier: RiskTier,
    /// The rules that set the floor.
    pub grounds: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    /// AI Act Art. 25(1)(c): the provider of a high-risk system, with the Art. 16 duties.
    pub high_risk_provider: Role,
    /// Art. 53 (Recital 109): the provider of the modified general-purpose AI model.
    pub gpai_provider: Role,
    /// The modified model is a GPAI model with systemic risk (Art. 55, Art. 52 notification).
    pub systemic_risk: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub applies: bool,
    pub reasons: Vec<Reason>,
}

/// One of Attune's own measures, attached by the application score or the audit requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformMeasure {
    pub id: String,
    pub title: String,
    pub reason: String,
}

/// A rule that fired: a stable id and a sentence for a compliance officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub detail: String,
}

impl Reason {
    pub(crate) fn new(rule: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { rule: rule.into(), detail: detail.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlopsEstimate {
    pub estimate: f64,
    /// The formula with its numbers filled in, kept with the estimate so it can be checked.
    pub formula: String,
    /// The base model's declared training compute; `None` when unknown.
    pub base_training_flops: Option<f64>,
    /// Above this the modification is presumed substantial.
    pub threshold: f64,
    /// Which fallback supplied the threshold when the base compute is unknown.
    pub fallback_used: Option<String>,
    pub substantial_modification: bool,
}

/// A price in integer base units of `token`; the lines add up to `amount` exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub token: String,
    #[serde(with = "amount_string")]
    pub amount: u128,
    pub breakdown: Vec<QuoteLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub payee: Payee,
    pub role: PayeeRole,
    #[serde(with = "amount_string")]
    pub amount: u128,
}

/// Who an escrow release pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    Provider,
    Compute,
    Platform,
    AuditPool,
    /// The platform's own review of a job whose organisation is in no audit pool.
    PlatformReview,
}

/// What a payee is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayeeRole {
    LicenceFee,
    Compute,
    PlatformFee,
    AuditFee,
}

impl Payee {
    /// The name it has in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Payee::Provider => "provider",
            Payee::Compute => "compute",
            Payee::Platform => "platform",
            Payee::AuditPool => "audit_pool",
            Payee::PlatformReview => "platform_review",
        }
    }
}

impl PayeeRole {
    /// The name it has in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PayeeRole::LicenceFee => "licence_fee",
            PayeeRole::Compute => "compute",
            PayeeRole::PlatformFee => "platform_fee",
            PayeeRole::AuditFee => "audit_fee",
        }
    }
}

/// Money travels as a decimal string of base units: JSON numbers lose precision past 2^53.
pub mod amount_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(amount: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(amount)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom("an amount is a string of decimal digits (integer base units)"));
        }
        text.parse().map_err(D::Error::custom)
    }
}
